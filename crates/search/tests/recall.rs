//! Retrieval quality on real markdown: recall@5 of keyword, semantic and hybrid search for the
//! 40 questions of `eval/corpus.rs` over the 1,000+ page corpus, with the real embedding model
//! (installed by `scripts/fetch-model`; `ROBOT_MODEL_DIR` says where). Hybrid must beat both.
//!
//! Embedding the corpus takes minutes on two cores. Vectors are stored by the hash of what was
//! embedded, so when `ROBOT_EVAL_CACHE` names a directory the index lives there and later runs
//! only embed what changed (the test command points it into its cache).

#[path = "../eval/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use robot_embed::{Embedder, MiniLm};
use robot_search::{ChunkSearch, QueryVector, SearchFilter, SearchIndex, SearchMode};
use robot_store::{Author, Store};

const SLUG: &str = "corpus";
const K: usize = 5;

fn model_dir() -> PathBuf {
    std::env::var_os("ROBOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/models/all-MiniLM-L6-v2")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_recall_beats_keyword_and_semantic() {
    let pages = corpus::pages().expect("corpus");
    assert!(pages.len() >= corpus::PAGES, "{} pages", pages.len());
    let embedder: Arc<dyn Embedder> = Arc::new(
        MiniLm::load(&model_dir(), 2)
            .unwrap_or_else(|e| panic!("{e} (set ROBOT_MODEL_DIR or run scripts/fetch-model)")),
    );

    let temp = tempfile::tempdir().expect("tempdir");
    let index_dir = std::env::var_os("ROBOT_EVAL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&index_dir).expect("index dir");
    let store = Store::open(temp.path().join("wikis")).expect("store");
    let seed: Vec<(String, Vec<u8>)> = pages
        .iter()
        .map(|p| (format!("{}.md", p.path), p.text.clone().into_bytes()))
        .collect();
    let wiki = store
        .create_wiki(
            SLUG,
            &seed,
            &Author::new("Eval", "eval@example.org"),
            "corpus",
        )
        .expect("wiki");
    let index = SearchIndex::open(&index_dir.join("eval-search.db"))
        .await
        .expect("index");
    // A fresh wiki each run: forget the old rows (vectors stay, keyed by content).
    index.forget(SLUG).await.expect("forget");
    index.sync(SLUG, &wiki).await.expect("sync");
    let lag = index
        .vector_lag(SLUG, embedder.model_id())
        .await
        .expect("lag");
    assert_eq!(
        index.page_count(SLUG).await.expect("pages"),
        pages.len(),
        "every corpus page is indexed"
    );
    let started = Instant::now();
    let mut embedded = 0;
    loop {
        let n = index.embed_pending(&embedder, 32).await.expect("embed");
        if n == 0 {
            break;
        }
        embedded += n;
        if embedded % 512 < 32 {
            eprintln!("embedded {embedded} of {} pending passages", lag.pending);
        }
    }
    eprintln!(
        "corpus: {} pages, {} passages; embedded {embedded} new in {:.1} s",
        pages.len(),
        lag.chunks,
        started.elapsed().as_secs_f64()
    );

    let mut found = [0usize; 3];
    let modes = [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ];
    for (question, crates) in corpus::QUESTIONS {
        let vector = embedder.embed(&[question]).expect("embed").remove(0);
        let mut line = format!("{question:<75}");
        for (m, mode) in modes.iter().enumerate() {
            let hits = index
                .search_chunks(&ChunkSearch {
                    slug: SLUG,
                    text: question,
                    vector: Some(QueryVector {
                        model: embedder.model_id(),
                        vector: &vector,
                    }),
                    mode: *mode,
                    filter: &SearchFilter::default(),
                    limit: K,
                    per_page: 1,
                })
                .await
                .expect("search");
            let hit = hits.iter().any(|h| corpus::answers(&h.path, crates));
            found[m] += usize::from(hit);
            line.push_str(if hit { "  hit " } else { "  miss" });
        }
        eprintln!("{line}");
    }
    let n = corpus::QUESTIONS.len();
    let recall = |m: usize| found[m] as f64 / n as f64;
    eprintln!(
        "recall@{K} over {n} questions: keyword {:.2}, semantic {:.2}, hybrid {:.2}",
        recall(0),
        recall(1),
        recall(2)
    );
    assert!(n >= 30);
    assert!(
        found[2] > found[0] && found[2] > found[1],
        "hybrid ({}) must beat keyword ({}) and semantic ({})",
        found[2],
        found[0],
        found[1]
    );
}
