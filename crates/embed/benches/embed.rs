//! Criterion micro-benchmark of the embedder: all-MiniLM-L6-v2 on the CPU embedding one search
//! query (what a semantic search waits for) and a batch of 16 passages (what indexing does per
//! model call). Needs the model (`scripts/fetch-model`; `ROBOT_MODEL_DIR`, default
//! `data/models/all-MiniLM-L6-v2`); without it the bench says so and measures nothing.
//!
//! Run: `cargo bench -p robot-embed --bench embed`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput};
use robot_embed::{Embedder, MiniLm};

const QUERY: &str = "how do I keep an agent's notes consistent when two agents edit at once";

fn passages() -> Vec<String> {
    let architecture = include_str!("../../../ARCHITECTURE.md");
    architecture
        .split("\n\n")
        .filter(|p| p.split_whitespace().count() >= 40)
        .take(16)
        .map(String::from)
        .collect()
}

fn main() {
    let dir = std::env::var_os("ROBOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/models/all-MiniLM-L6-v2")
        });
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = match MiniLm::load(&dir, threads) {
        Ok(model) => model,
        Err(e) => {
            eprintln!(
                "no embedding model in {} ({e}): run scripts/fetch-model; nothing measured",
                dir.display()
            );
            return;
        }
    };
    let passages = passages();
    let batch: Vec<&str> = passages.iter().map(String::as_str).collect();
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("embed");
    group.bench_function("one query", |b| {
        b.iter(|| model.embed(black_box(&[QUERY])).expect("embed"))
    });
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function(format!("batch of {} passages", batch.len()), |b| {
        b.iter(|| model.embed(black_box(&batch)).expect("embed"))
    });
    group.finish();
    c.final_summary();
}
