//! Criterion micro-benchmark of the renderer: markdown → sanitized HTML for real documents of
//! several sizes and shapes (this repository's README, architecture notes and changelog: prose,
//! lists, tables, code, links). Throughput is reported in bytes of markdown.
//!
//! Run: `cargo bench -p robot-wiki --bench render`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use robot_wiki::{PagePath, RenderOptions, render};

const DOCUMENTS: [(&str, &str); 3] = [
    ("README", include_str!("../../../README.md")),
    ("ARCHITECTURE", include_str!("../../../ARCHITECTURE.md")),
    ("CHANGELOG", include_str!("../../../CHANGELOG.md")),
];

fn bench(c: &mut Criterion) {
    let page = PagePath::parse("Bench/Page").expect("valid page name");
    let exists = |_: &PagePath| true;
    let opts = RenderOptions {
        page: Some(&page),
        page_exists: &exists,
    };
    let mut group = c.benchmark_group("render");
    for (name, markdown) in DOCUMENTS {
        group.throughput(Throughput::Bytes(markdown.len() as u64));
        group.bench_function(name, |b| b.iter(|| render(black_box(markdown), &opts)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
