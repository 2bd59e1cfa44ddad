//! Criterion micro-benchmark of the chunker: a page's markdown → section passages (heading
//! paths, short sections packed, long ones windowed), on real documents of several sizes.
//! Throughput is reported in bytes of markdown.
//!
//! Run: `cargo bench -p robot-search --bench chunk`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use robot_search::chunk_page;

const DOCUMENTS: [(&str, &str); 3] = [
    ("README", include_str!("../../../README.md")),
    ("ARCHITECTURE", include_str!("../../../ARCHITECTURE.md")),
    ("CHANGELOG", include_str!("../../../CHANGELOG.md")),
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("chunk_page");
    for (name, markdown) in DOCUMENTS {
        group.throughput(Throughput::Bytes(markdown.len() as u64));
        group.bench_function(name, |b| b.iter(|| chunk_page(name, black_box(markdown))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
