//! FTS5 search vs the old full scan on a 1,000-page wiki of real markdown.
//!
//! Pages are the `README*.md` / `CHANGELOG*.md` files of the crates in the local cargo registry
//! (`~/.cargo/registry/src`). When there are fewer than 1,000, the longest documents are split at
//! their `## ` headings (each section is still real markdown) until there are; when even that is
//! not enough, the bench says so and exits. `cargo bench -p robot-search` prints p50/p99 of 200
//! queries (words sampled from the corpus) for both engines and their ratio. Std only, no harness.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use robot_search::{SearchFilter, SearchIndex};
use robot_store::{Author, Store, WikiRepo};
use robot_wiki::{Frontmatter, PagePath};

const PAGES: usize = 1_000;
const QUERIES: usize = 200;
const LIMIT: usize = 20;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn is_doc(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".md") && (lower.starts_with("readme") || lower.starts_with("changelog"))
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, found);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_doc)
        {
            found.push(path);
        }
    }
}

/// Up to `PAGES` documents, splitting the longest at `## ` headings when there are too few.
fn corpus() -> Option<(Vec<String>, usize)> {
    let home = std::env::var_os("HOME")?;
    let mut files = Vec::new();
    collect(&Path::new(&home).join(".cargo/registry/src"), &mut files);
    let mut docs: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .filter(|t| !t.trim().is_empty())
        .collect();
    let originals = docs.len();
    while docs.len() < PAGES {
        let (longest, _) = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.contains("\n## "))
            .max_by_key(|(_, d)| d.len())?;
        let doc = docs.swap_remove(longest);
        let cut = doc
            .match_indices("\n## ")
            .nth(doc.matches("\n## ").count() / 2)?
            .0;
        docs.push(doc[..cut].to_string());
        docs.push(doc[cut + 1..].to_string());
    }
    docs.truncate(PAGES);
    Some((docs, originals))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn main() -> Result<(), Box<dyn Error>> {
    let Some((docs, originals)) = corpus() else {
        println!(
            "skipped: fewer than {PAGES} README*/CHANGELOG*.md documents (even split at headings) \
             under ~/.cargo/registry/src; build something with more dependencies first"
        );
        return Ok(());
    };
    println!(
        "corpus: {PAGES} pages from {originals} README/CHANGELOG files{}, {:.1} MB",
        if originals < PAGES {
            " (longest split at `## ` headings)"
        } else {
            ""
        },
        docs.iter().map(String::len).sum::<usize>() as f64 / 1e6
    );
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("wikis"))?;
    let seed: Vec<(String, Vec<u8>)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                format!("Crates {}/Doc {i}.md", i % 20),
                d.clone().into_bytes(),
            )
        })
        .collect();
    let wiki = store.create_wiki(
        "bench",
        &seed,
        &Author::new("Bench", "b@example.org"),
        "seed",
    )?;

    let mut rng = Rng(0x5EED);
    let queries: Vec<String> = (0..QUERIES)
        .map(|q| {
            let words: Vec<&str> = docs[rng.below(docs.len())]
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= 4)
                .collect();
            let pick = |rng: &mut Rng| {
                words
                    .get(rng.below(words.len().max(1)))
                    .map_or("rust".to_string(), |w| w.to_lowercase())
            };
            // Every fourth query has two words.
            if q % 4 == 3 {
                format!("{} {}", pick(&mut rng), pick(&mut rng))
            } else {
                pick(&mut rng)
            }
        })
        .collect();

    let runtime = tokio::runtime::Runtime::new()?;
    let index = runtime.block_on(SearchIndex::open(&dir.path().join("search.db")))?;
    let start = Instant::now();
    runtime.block_on(index.sync("bench", &wiki))?;
    println!("index build: {:.0} ms", start.elapsed().as_secs_f64() * 1e3);

    let mut fts = Vec::new();
    let mut fts_hits = 0;
    let mut slowest = Vec::new();
    for query in &queries {
        let start = Instant::now();
        // What `Notes::search` does: the head check, then the query.
        let (hits, total) = runtime.block_on(async {
            index.sync("bench", &wiki).await?;
            index
                .search("bench", query, &SearchFilter::default(), LIMIT, 0)
                .await
        })?;
        fts.push(start.elapsed());
        slowest.push((start.elapsed(), total, query));
        fts_hits += total;
        std::hint::black_box(hits);
    }

    let mut scan = Vec::new();
    let mut scan_hits = 0;
    for query in &queries {
        let start = Instant::now();
        let hits = old_scan(&wiki, query)?;
        scan.push(start.elapsed());
        scan_hits += hits;
    }

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (f50, f99) = (percentile(&mut fts, 0.5), percentile(&mut fts, 0.99));
    let (s50, s99) = (percentile(&mut scan, 0.5), percentile(&mut scan, 0.99));
    println!("{QUERIES} queries, limit {LIMIT}");
    println!(
        "fts5 (sync check + search): p50 {:.2} ms  p99 {:.2} ms  ({fts_hits} matches in all)",
        ms(f50),
        ms(f99)
    );
    println!(
        "old full scan:              p50 {:.2} ms  p99 {:.2} ms  ({scan_hits} matches in all)",
        ms(s50),
        ms(s99)
    );
    slowest.sort();
    for (took, total, query) in slowest.iter().rev().take(3) {
        println!(
            "  slow fts5: {:.2} ms, {total} matches: {query:?}",
            ms(*took)
        );
    }
    println!(
        "ratio (scan / fts5):        p50 {:.1}x  p99 {:.1}x",
        ms(s50) / ms(f50),
        ms(s99) / ms(f99)
    );
    Ok(())
}

/// The engine this crate replaced: read every page at head and score it. Returns the match count.
fn old_scan(repo: &Arc<WikiRepo>, query: &str) -> Result<usize, Box<dyn Error>> {
    let mut hits = Vec::new();
    for file in repo.files(None)?.iter() {
        let Some(page) = PagePath::from_file_path(file.path.as_str()) else {
            continue;
        };
        let Some(blob) = repo.read(&file.path, None)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&blob.bytes);
        if let Some(hit) = score_page(&page, &text, query) {
            hits.push(hit);
        }
    }
    hits.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let total = hits.len();
    hits.truncate(LIMIT);
    std::hint::black_box(hits);
    Ok(total)
}

/// The old scoring loop: name matches weigh three times body matches; (path, snippet, score).
fn score_page(page: &PagePath, content: &str, query: &str) -> Option<(String, String, f64)> {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return None;
    }
    let phrase = terms.join(" ");
    let n = terms.len();
    let (yaml, body) = split(content);
    let name = yaml
        .and_then(|y| Frontmatter::parse(y).title)
        .unwrap_or_else(|| page.name().to_string());
    let name_lower = name.to_lowercase();
    let mut title_score = terms.iter().filter(|t| name_lower.contains(*t)).count();
    if name_lower.contains(&phrase) {
        title_score += n;
    }
    let body_lower = body.to_lowercase();
    let mut body_score: usize = terms
        .iter()
        .map(|t| body_lower.matches(t.as_str()).count())
        .sum();
    if body_lower.contains(&phrase) {
        body_score += n;
    }
    if title_score == 0 && body_score == 0 {
        return None;
    }
    let raw = (3 * title_score + body_score.min(2 * n)) as f64 / (4 * n) as f64;
    Some((
        page.to_string(),
        snippet(body, &phrase, &terms),
        (raw.min(1.0) * 100.0).round() / 100.0,
    ))
}

fn split(content: &str) -> (Option<&str>, &str) {
    let mut lines = content.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {
            let mut offset = first.len();
            for line in lines {
                let end = offset + line.len();
                if matches!(line.trim_end(), "---" | "...") {
                    return (Some(&content[first.len()..offset]), &content[end..]);
                }
                offset = end;
            }
            (None, content)
        }
        _ => (None, content),
    }
}

fn snippet(body: &str, phrase: &str, terms: &[String]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower: String = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let find = |needle: &str| -> Option<(usize, usize)> {
        let aligned: String = needle
            .chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect();
        let byte = lower.find(&aligned)?;
        let start = lower[..byte].chars().count();
        Some((start, start + aligned.chars().count()))
    };
    let Some((start, end)) =
        find(phrase).or_else(|| terms.iter().filter_map(|t| find(t)).min_by_key(|(s, _)| *s))
    else {
        return String::new();
    };
    let from = start.saturating_sub(50);
    let to = (end + 150).min(chars.len());
    let window: String = chars[from..to].iter().collect();
    window.split_whitespace().collect::<Vec<_>>().join(" ")
}
