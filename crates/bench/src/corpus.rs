//! The pages both wikis serve: the search evaluation corpus (the README and CHANGELOG files of
//! the crates in `Cargo.lock`, real markdown by many people) committed into one git repository,
//! plus a `Journal` page with [`JOURNAL_REVISIONS`] revisions, one line each, for the history,
//! diff and blame figures. Both systems import the very same repository.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail, ensure};

use crate::process::stdout_of;

#[allow(dead_code)]
#[path = "../../search/eval/corpus.rs"]
mod eval;

/// Revisions of the journal page, one line added by each.
pub const JOURNAL_REVISIONS: usize = 1_000;

/// The page with the long history.
pub const JOURNAL: &str = "Journal";

/// The corpus on disk.
pub struct Corpus {
    /// A git repository with a working tree (An Otter Wiki serves it in place).
    pub repo: PathBuf,
    /// Page names (file names without `.md`), in the order they were committed.
    pub pages: Vec<String>,
    /// The page whose view is measured: a README of median size.
    pub viewed: String,
    /// Words that occur in the corpus, for search queries.
    pub queries: Vec<String>,
}

/// Writes the first `limit` pages of the corpus into a new repository at `repo`, with the
/// journal's history when `journal` is set.
pub fn build(repo: &Path, limit: usize, journal: bool) -> Result<Corpus> {
    let pages = eval::pages().map_err(|e| anyhow::anyhow!("building the corpus: {e}"))?;
    ensure!(
        pages.len() >= limit,
        "the corpus has {} pages, fewer than the {limit} asked for",
        pages.len()
    );
    let pages: Vec<(String, String)> = pages
        .into_iter()
        .take(limit)
        .map(|p| (p.path.replace(' ', "-"), p.text))
        .collect();
    git(
        repo.parent().unwrap_or(repo),
        &["init", "-q", "-b", "main", &path_str(repo)?],
    )?;
    let mut stream = Vec::new();
    let mut when = 1_700_000_000u64;
    let mut mark = 0usize;
    let mut commit = |stream: &mut Vec<u8>, message: &str, files: &[(&str, &str)], when: u64| {
        mark += 1;
        let _ = write!(
            Text(stream),
            "commit refs/heads/main\nmark :{mark}\n\
             author Bench <bench@example.org> {when} +0000\n\
             committer Bench <bench@example.org> {when} +0000\ndata {}\n{message}\n",
            message.len()
        );
        if mark > 1 {
            let _ = writeln!(Text(stream), "from :{}", mark - 1);
        }
        for (path, content) in files {
            let _ = write!(
                Text(stream),
                "M 100644 inline {path}\ndata {}\n",
                content.len()
            );
            stream.extend_from_slice(content.as_bytes());
            stream.push(b'\n');
        }
    };
    let files: Vec<(String, &str)> = pages
        .iter()
        .map(|(name, text)| (format!("{name}.md"), text.as_str()))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    commit(&mut stream, "Import the corpus", &refs, when);
    let lines = if journal {
        journal_lines(&pages)
    } else {
        Vec::new()
    };
    let mut journal = format!("# {JOURNAL}\n\n");
    for (n, line) in lines.iter().enumerate() {
        journal.push_str(line);
        journal.push('\n');
        when += 60;
        commit(
            &mut stream,
            &format!("Journal entry {}", n + 1),
            &[(&format!("{JOURNAL}.md"), &journal)],
            when,
        );
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .spawn()
        .context("starting git fast-import")?;
    child
        .stdin
        .take()
        .context("git fast-import has no stdin")?
        .write_all(&stream)
        .context("feeding git fast-import")?;
    ensure!(child.wait()?.success(), "git fast-import failed");
    git(repo, &["reset", "-q", "--hard", "main"])?;

    let mut readmes: Vec<&(String, String)> = pages
        .iter()
        .filter(|(name, _)| name.ends_with("/README"))
        .collect();
    readmes.sort_by_key(|(_, text)| text.len());
    let Some((viewed, _)) = readmes.get(readmes.len() / 2) else {
        bail!("the corpus has no README page to view");
    };
    Ok(Corpus {
        repo: repo.to_path_buf(),
        viewed: viewed.clone(),
        queries: queries(&pages),
        pages: pages.into_iter().map(|(name, _)| name).collect(),
    })
}

/// One journal line per revision: numbered, with a sentence-sized piece of a corpus page.
fn journal_lines(pages: &[(String, String)]) -> Vec<String> {
    (0..JOURNAL_REVISIONS)
        .map(|n| {
            let (name, text) = &pages[n % pages.len()];
            let words: Vec<&str> = text.split_whitespace().take(8).collect();
            format!("- Entry {}: read {name}: {}", n + 1, words.join(" "))
        })
        .collect()
}

/// Search terms: crate names that head pages (so every query has hits), plus common words.
fn queries(pages: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = ["async runtime", "serialization", "error handling", "parser"]
        .into_iter()
        .map(String::from)
        .collect();
    out.extend(
        pages
            .iter()
            .step_by((pages.len() / 16).max(1))
            .filter_map(|(name, _)| name.split('-').next())
            .filter(|word| word.len() > 3)
            .map(String::from),
    );
    out.truncate(20);
    out
}

/// `fmt::Write` over a byte buffer, for the fast-import stream.
struct Text<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn path_str(path: &Path) -> Result<String> {
    path.to_str()
        .map(String::from)
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Runs git in `dir`, failing with its stderr.
pub fn git(dir: &Path, args: &[&str]) -> Result<String> {
    stdout_of(
        Command::new("git").args(args).current_dir(dir),
        &format!("git {args:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_repository_has_every_page_and_the_journal_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("corpus");
        let corpus = build(&repo, 50, true).expect("corpus");
        assert_eq!(corpus.pages.len(), 50);
        assert!(repo.join(format!("{}.md", corpus.viewed)).is_file());
        let count = git(&repo, &["rev-list", "--count", "HEAD", "--", "Journal.md"]).expect("log");
        assert_eq!(count.trim(), JOURNAL_REVISIONS.to_string());
        let journal = std::fs::read_to_string(repo.join("Journal.md")).expect("journal");
        assert_eq!(
            journal.lines().count(),
            JOURNAL_REVISIONS + 2,
            "title, blank, lines"
        );
        assert!(!corpus.queries.is_empty());

        let plain = build(&dir.path().join("plain"), 20, false).expect("corpus");
        let count = git(&plain.repo, &["rev-list", "--count", "HEAD"]).expect("log");
        assert_eq!(count.trim(), "1", "one import commit, no journal");
    }
}
