//! The evaluation corpus: the README and CHANGELOG files of every registry crate in the
//! workspace's `Cargo.lock`, read from the local cargo registry (so it is the same wherever the
//! workspace has been built, and real markdown written by many people). Page files are
//! `{crate}-{version}/README.md` and `…/CHANGELOG part N.md`, dots of the version written as
//! `-`. Every README is a page (its first ~250 words), so questions can name the README that
//! answers them; the changelogs are cut into pages of a few releases each to reach [`PAGES`].

use std::path::{Path, PathBuf};

/// Pages in the corpus, at least.
pub const PAGES: usize = 1_000;

/// One page: its path (`anyhow-1.0.100/README`) and markdown.
pub struct Page {
    pub path: String,
    pub text: String,
}

/// The corpus, or why it cannot be built here.
pub fn pages() -> Result<Vec<Page>, String> {
    let lock_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let registry = registry_src()?;
    let mut pages = Vec::new();
    for (name, version) in registry_packages(&lock) {
        let dir = registry.join(format!("{name}-{version}"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let Some(kind) = file.file_name().and_then(|n| n.to_str()).and_then(doc_kind) else {
                continue;
            };
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let text = match kind {
                "README" => first_words(&text, PAGE_WORDS),
                _ => text.into_owned(),
            };
            // Dots are not allowed in page names; underscores in file names read as spaces.
            let path = format!("{name}-{}/{kind}", version.replace('.', "-"));
            if text.trim().is_empty() || pages.iter().any(|p: &Page| p.path == path) {
                continue;
            }
            pages.push(Page { path, text });
        }
    }
    split_changelogs(&mut pages)?;
    Ok(pages)
}

/// Words kept of a document, roughly: the top of a README says what the crate is for, and the
/// whole corpus must stay small enough to embed in a few minutes on two cores.
const PAGE_WORDS: usize = 250;

/// The text up to the last paragraph break before `limit` words (all of it when shorter).
fn first_words(text: &str, limit: usize) -> String {
    let mut words = 0;
    let mut end = 0;
    for (i, paragraph) in text.split_inclusive("\n\n").enumerate() {
        words += paragraph.split_whitespace().count();
        if words > limit && i > 0 {
            break;
        }
        end += paragraph.len();
    }
    text[..end].to_string()
}

/// `README` or `CHANGELOG` for the files this corpus takes.
fn doc_kind(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_lowercase();
    if !lower.ends_with(".md") {
        return None;
    }
    if lower.starts_with("readme") {
        Some("README")
    } else if lower.starts_with("changelog") {
        Some("CHANGELOG")
    } else {
        None
    }
}

/// `(name, version)` of every package from crates.io in a `Cargo.lock`.
fn registry_packages(lock: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for block in lock.split("[[package]]") {
        let field = |key: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        if let (Some(name), Some(version), Some(source)) =
            (field("name"), field("version"), field("source"))
            && source.starts_with("registry+")
        {
            out.push((name, version));
        }
    }
    out
}

/// The extracted crates of the local cargo registry.
fn registry_src() -> Result<PathBuf, String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let src = home.join("registry/src");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&src)
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .find(|d| d.is_dir())
        .ok_or_else(|| format!("no registry under {}", src.display()))
}

/// Turns the changelogs into pages of a few releases each (cut at `## ` headings, about
/// [`CHANGELOG_PAGE_WORDS`] words), taken round-robin from the newest releases of every
/// changelog until the corpus has [`PAGES`] pages. Older releases are left out: they would only
/// make the corpus slower to embed, not the evaluation better.
fn split_changelogs(pages: &mut Vec<Page>) -> Result<(), String> {
    let (changelogs, readmes): (Vec<Page>, Vec<Page>) = pages
        .drain(..)
        .partition(|p| p.path.ends_with("/CHANGELOG"));
    *pages = readmes;
    let mut parts: Vec<std::collections::VecDeque<Page>> = changelogs
        .into_iter()
        .map(|page| {
            let mut out = std::collections::VecDeque::new();
            let mut current = String::new();
            for section in page.text.split_inclusive("\n## ") {
                if !current.is_empty()
                    && current.split_whitespace().count() + section.split_whitespace().count()
                        > CHANGELOG_PAGE_WORDS
                {
                    out.push_back(std::mem::take(&mut current));
                }
                current.push_str(section);
            }
            if !current.trim().is_empty() {
                out.push_back(current);
            }
            out.into_iter()
                .enumerate()
                .map(|(i, text)| Page {
                    path: format!("{} part {}", page.path, i + 1),
                    text,
                })
                .collect()
        })
        .collect();
    while pages.len() < PAGES {
        let before = pages.len();
        for queue in &mut parts {
            if pages.len() >= PAGES {
                break;
            }
            if let Some(part) = queue.pop_front() {
                pages.push(part);
            }
        }
        if pages.len() == before {
            return Err(format!("only {} pages with every changelog", pages.len()));
        }
    }
    Ok(())
}

/// Words per changelog page, roughly.
const CHANGELOG_PAGE_WORDS: usize = 120;

/// Questions written for this corpus, each with the crates whose README answers it. Most avoid
/// the crate's name and its README's exact wording, so keyword search alone does not suffice.
pub const QUESTIONS: &[(&str, &[&str])] = &[
    (
        "how do I add context to errors and propagate them in application code",
        &["anyhow"],
    ),
    (
        "derive an implementation of the standard Error trait for my own enum",
        &["thiserror"],
    ),
    (
        "search for many literal strings in a text at the same time",
        &["aho-corasick"],
    ),
    (
        "hash function that protects hash maps against denial of service attacks",
        &["ahash", "foldhash"],
    ),
    (
        "allocate many objects fast by bumping a pointer in a region",
        &["bumpalo", "typed-arena"],
    ),
    (
        "turn a sequential iterator into a parallel one with work stealing",
        &["rayon"],
    ),
    (
        "global value that is initialized lazily the first time it is used",
        &["once_cell", "lazy_static"],
    ),
    (
        "escape special characters before putting user text into a web page",
        &["html-escape"],
    ),
    (
        "clean untrusted HTML so it cannot run scripts",
        &["ammonia"],
    ),
    ("convert GitHub flavored markdown into HTML", &["comrak"]),
    ("turn LaTeX equations into MathML", &["latex2mathml"]),
    (
        "compute the differences between two texts line by line",
        &["similar"],
    ),
    (
        "tests that compare output with stored reference snapshots you review",
        &["insta"],
    ),
    (
        "generate random test inputs and shrink failing cases",
        &["proptest"],
    ),
    (
        "visit every file in a directory tree recursively",
        &["walkdir"],
    ),
    (
        "temporary files that are removed automatically when dropped",
        &["tempfile"],
    ),
    (
        "encode bytes as base64 text and decode them back",
        &["base64", "base64ct", "data-encoding"],
    ),
    (
        "asynchronous runtime for writing non-blocking network applications",
        &["tokio"],
    ),
    (
        "compress and decompress gzip and deflate streams",
        &["flate2", "miniz_oxide"],
    ),
    ("read and write zip archives", &["zip"]),
    (
        "regular expressions with backreferences and lookaround",
        &["fancy-regex"],
    ),
    (
        "instrument a program with spans and structured events for diagnostics",
        &["tracing"],
    ),
    (
        "middleware made of services and layers, like timeouts and retries",
        &["tower"],
    ),
    (
        "modern TLS library written in Rust instead of OpenSSL",
        &["rustls"],
    ),
    ("look up DNS records asynchronously", &["hickory-resolver"]),
    ("generate universally unique identifiers", &["uuid"]),
    (
        "serialize Rust data structures into JSON and parse JSON",
        &["serde_json"],
    ),
    (
        "concurrent in-memory cache with expiration and size-based eviction",
        &["moka"],
    ),
    (
        "channels with many senders and many receivers",
        &["crossbeam-channel", "flume"],
    ),
    (
        "guess the content type of a file from its extension",
        &["mime_guess"],
    ),
    (
        "wipe secrets from memory when they are dropped",
        &["zeroize"],
    ),
    (
        "constant-time comparisons that avoid timing side channels",
        &["subtle"],
    ),
    ("parse and compare semantic version numbers", &["semver"]),
    (
        "compute CRC32 checksums quickly with SIMD",
        &["crc32fast", "crc"],
    ),
    (
        "normalize unicode strings to composed or decomposed form",
        &["unicode-normalization"],
    ),
    (
        "create and validate signed JSON web tokens",
        &["jsonwebtoken"],
    ),
    ("RSA encryption and signatures in pure Rust", &["rsa"]),
    (
        "database toolkit that checks SQL queries at compile time",
        &["sqlx"],
    ),
    (
        "split text into grapheme clusters and words per the Unicode standard",
        &["unicode-segmentation"],
    ),
    (
        "templates compiled into Rust code with type checking, like Jinja",
        &["askama"],
    ),
];

/// Whether page `path` belongs to one of the crates in `answers`.
pub fn answers(path: &str, crates: &[&str]) -> bool {
    crates.iter().any(|name| {
        // The page path reads the file name's underscores as spaces.
        path.strip_prefix(name.replace('_', " ").as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}
