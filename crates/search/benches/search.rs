//! Search latency on the 1,000+ page evaluation corpus (`eval/corpus.rs`: the README and
//! CHANGELOG files of the crates in `Cargo.lock`), compared with An Otter Wiki's own search on the
//! same pages in the same run.
//!
//! `cargo bench -p robot-search --bench search` prints p50/p99 of:
//! - full-text search (the head check plus the FTS5 query, as `Notes::search` runs it) for 100
//!   queries of words sampled from the corpus;
//! - semantic and hybrid passage search for the 40 evaluation questions, each including the
//!   query's embedding (no cache), when the model is installed (`ROBOT_MODEL_DIR`, default
//!   `data/models/all-MiniLM-L6-v2`);
//! - Otterwiki's `Search` on a checkout of the same wiki for the same 100 queries, when
//!   `OTTERWIKI_PYTHON` names a Python with `otterwiki` installed (the test command's venv).
//!
//! `ROBOT_EVAL_CACHE` keeps the index (and so the vectors) between runs, as in the recall test.

// The bench uses the corpus and its questions, not the answer check.
#[allow(dead_code)]
#[path = "../eval/corpus.rs"]
mod corpus;

use std::error::Error;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use robot_embed::{Embedder, MiniLm};
use robot_search::{ChunkSearch, QueryVector, SearchFilter, SearchIndex, SearchMode};
use robot_store::{Author, Store};

const SLUG: &str = "corpus";
const QUERIES: usize = 100;
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

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1e3
}

fn report(name: &str, samples: &mut [Duration]) -> (f64, f64) {
    let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
    println!("{name:<44} p50 {p50:>8.2} ms   p99 {p99:>8.2} ms");
    (p50, p99)
}

fn main() -> Result<(), Box<dyn Error>> {
    let pages = corpus::pages()?;
    let words: usize = pages
        .iter()
        .map(|p| p.text.split_whitespace().count())
        .sum();
    println!("corpus: {} pages, {words} words", pages.len());
    let temp = tempfile::tempdir()?;
    let store = Store::open(temp.path().join("wikis"))?;
    let seed: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|p| (format!("{}.md", p.path), p.text.clone().into_bytes()))
        .collect();
    let wiki = store.create_wiki(SLUG, &seed, &Author::new("Bench", "b@example.org"), "seed")?;

    let mut rng = Rng(0x5EED);
    let queries: Vec<String> = (0..QUERIES)
        .map(|q| {
            let words: Vec<&str> = pages[rng.below(pages.len())]
                .text
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= 4)
                .collect();
            let mut pick = || {
                words
                    .get(rng.below(words.len().max(1)))
                    .map_or("rust".to_string(), |w| w.to_lowercase())
            };
            // Every fourth query has two words.
            if q % 4 == 3 {
                format!("{} {}", pick(), pick())
            } else {
                pick()
            }
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let index_dir = std::env::var_os("ROBOT_EVAL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&index_dir)?;
    let index = runtime.block_on(SearchIndex::open(&index_dir.join("eval-search.db")))?;
    let start = Instant::now();
    runtime.block_on(async {
        index.forget(SLUG).await?;
        index.sync(SLUG, &wiki).await
    })?;
    println!(
        "full-text index build: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let mut fts = Vec::new();
    for query in &queries {
        let start = Instant::now();
        let found = runtime.block_on(async {
            index.sync(SLUG, &wiki).await?;
            index
                .search(SLUG, query, &SearchFilter::default(), LIMIT, 0)
                .await
        })?;
        fts.push(start.elapsed());
        std::hint::black_box(found);
    }
    let (fts50, fts99) = report("full-text (head check + FTS5), 100 queries", &mut fts);

    let model_dir = std::env::var_os("ROBOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/models/all-MiniLM-L6-v2")
        });
    match MiniLm::load(&model_dir, 2) {
        Ok(model) => {
            let embedder: Arc<dyn Embedder> = Arc::new(model);
            let start = Instant::now();
            let mut embedded = 0;
            while let n @ 1.. = runtime.block_on(index.embed_pending(&embedder, 32))? {
                embedded += n;
            }
            let lag = runtime.block_on(index.vector_lag(SLUG, embedder.model_id()))?;
            println!(
                "embedding: {} passages, {embedded} embedded now in {:.1} s",
                lag.chunks,
                start.elapsed().as_secs_f64()
            );
            // The first vector search loads the wiki's matrix from SQLite; later ones reuse it
            // until the wiki changes. Shown apart so the percentiles are the steady state.
            let start = Instant::now();
            let warm = embedder.embed(&["warm up"])?.remove(0);
            runtime.block_on(index.search_chunks(&ChunkSearch {
                slug: SLUG,
                text: "warm up",
                vector: Some(QueryVector {
                    model: embedder.model_id(),
                    vector: &warm,
                }),
                mode: SearchMode::Semantic,
                filter: &SearchFilter::default(),
                limit: 5,
                per_page: 2,
            }))?;
            println!(
                "first vector search (loads the matrix):     {:.0} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
            let mut embed_only = Vec::new();
            for (question, _) in corpus::QUESTIONS {
                let start = Instant::now();
                std::hint::black_box(embedder.embed(&[question])?);
                embed_only.push(start.elapsed());
            }
            report("query embedding alone (MiniLM, CPU)", &mut embed_only);
            for (mode, name) in [
                (
                    SearchMode::Semantic,
                    "semantic (query embedding + exact search)",
                ),
                (
                    SearchMode::Hybrid,
                    "hybrid (query embedding + both + fusion)",
                ),
            ] {
                let mut samples = Vec::new();
                for (question, _) in corpus::QUESTIONS {
                    let start = Instant::now();
                    let vector = embedder.embed(&[question])?.remove(0);
                    let hits = runtime.block_on(index.search_chunks(&ChunkSearch {
                        slug: SLUG,
                        text: question,
                        vector: Some(QueryVector {
                            model: embedder.model_id(),
                            vector: &vector,
                        }),
                        mode,
                        filter: &SearchFilter::default(),
                        limit: 5,
                        per_page: 2,
                    }))?;
                    samples.push(start.elapsed());
                    std::hint::black_box(hits);
                }
                report(name, &mut samples);
            }
        }
        Err(e) => println!("semantic and hybrid: skipped ({e})"),
    }

    match std::env::var_os("OTTERWIKI_PYTHON") {
        Some(python) => {
            let checkout = temp.path().join("checkout");
            let cloned = Command::new("git")
                .args(["clone", "-q"])
                .arg(wiki.path())
                .arg(&checkout)
                .status()?;
            if !cloned.success() {
                return Err("git clone of the bench wiki failed".into());
            }
            let queries_file = temp.path().join("queries.txt");
            std::fs::write(&queries_file, queries.join("\n"))?;
            let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/otterwiki_search.py");
            let out = Command::new(python)
                .arg(script)
                .arg(&checkout)
                .arg(&queries_file)
                .output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let line = stdout.lines().find(|l| l.starts_with('{')).unwrap_or("");
            let field = |key: &str| -> Option<f64> {
                let rest = line.split(&format!("\"{key}\": ")).nth(1)?;
                rest.split([',', '}']).next()?.trim().parse().ok()
            };
            match (field("p50_ms"), field("p99_ms")) {
                (Some(p50), Some(p99)) => {
                    println!(
                        "{:<44} p50 {p50:>8.2} ms   p99 {p99:>8.2} ms",
                        "An Otter Wiki 2.26 Search, same 100 queries"
                    );
                    println!(
                        "full-text vs Otterwiki:                      p50 {:.0}x faster, p99 {:.0}x faster",
                        p50 / fts50,
                        p99 / fts99
                    );
                }
                _ => println!(
                    "Otterwiki: failed: {}{}",
                    stdout,
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
        }
        None => println!(
            "Otterwiki comparison: skipped (set OTTERWIKI_PYTHON to a Python with otterwiki)"
        ),
    }
    Ok(())
}
