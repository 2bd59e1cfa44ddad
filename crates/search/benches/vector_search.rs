//! Criterion micro-benchmark of vector search: the nearest passages of a wiki to a query vector,
//! exact over the wiki's matrix (the per-wiki matrix is loaded once and kept, as in the server),
//! with the chunk rows fetched for the hits. The wiki is the 1,000-page evaluation corpus
//! (`eval/corpus.rs`); vectors come from the deterministic hashing embedder at the model's 384
//! dimensions, so the bench needs no model files and measures the search, not the model.
//!
//! Run: `cargo bench -p robot-search --bench vector_search`.

#[allow(dead_code)]
#[path = "../eval/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use robot_embed::{Embedder, HashingEmbedder};
use robot_search::{ChunkSearch, QueryVector, SearchFilter, SearchIndex, SearchMode};
use robot_store::{Author, Store};

const SLUG: &str = "corpus";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let temp = tempfile::tempdir().expect("tempdir");
    let pages = corpus::pages().expect("corpus");
    let store = Store::open(temp.path().join("wikis")).expect("store");
    let seed: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|p| (format!("{}.md", p.path), p.text.clone().into_bytes()))
        .collect();
    let wiki = store
        .create_wiki(SLUG, &seed, &Author::new("Bench", "b@example.org"), "seed")
        .expect("wiki");
    let index = runtime
        .block_on(SearchIndex::open(&temp.path().join("search.db")))
        .expect("index");
    runtime.block_on(index.sync(SLUG, &wiki)).expect("sync");
    let embedder: Arc<dyn Embedder> = Arc::new(HashingEmbedder::new(384, "hashing-384"));
    while runtime
        .block_on(index.embed_pending(&embedder, 256))
        .expect("embed")
        > 0
    {}
    let lag = runtime
        .block_on(index.vector_lag(SLUG, embedder.model_id()))
        .expect("lag");
    let query = embedder
        .embed(&["how do I handle errors in an async runtime"])
        .expect("query")
        .remove(0);
    let filter = SearchFilter::default();
    let mut group = c.benchmark_group("vector_search");
    for (name, mode) in [
        ("semantic", SearchMode::Semantic),
        ("hybrid", SearchMode::Hybrid),
    ] {
        group.bench_function(format!("{name}, {} passages, top 10", lag.chunks), |b| {
            b.iter(|| {
                let search = ChunkSearch {
                    slug: SLUG,
                    text: "how do I handle errors in an async runtime",
                    vector: Some(QueryVector {
                        model: embedder.model_id(),
                        vector: &query,
                    }),
                    mode,
                    filter: &filter,
                    limit: 10,
                    per_page: 2,
                };
                black_box(
                    runtime
                        .block_on(index.search_chunks(&search))
                        .expect("search"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
