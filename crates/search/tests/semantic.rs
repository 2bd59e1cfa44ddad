//! Chunks, vectors, semantic and hybrid search, and the background indexer, with a small
//! deterministic embedder (bag of words hashed into 256 buckets) standing in for the model.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use robot_search::{
    ChunkHit, ChunkSearch, IDLE_RECHECK, Indexer, QueryVector, SearchFilter, SearchIndex,
    SearchMode,
};
use robot_store::Store;
use robot_store::{Change, RepoPath};

mod support;

use support::{Fixture, commit, write};

impl Fixture {
    async fn search(&self, slug: &str, text: &str, mode: SearchMode) -> Vec<ChunkHit> {
        self.search_with(slug, text, mode, &SearchFilter::default(), 2)
            .await
    }

    async fn search_with(
        &self,
        slug: &str,
        text: &str,
        mode: SearchMode,
        filter: &SearchFilter,
        per_page: usize,
    ) -> Vec<ChunkHit> {
        let vector = self.embedder.embed(&[text]).expect("embed").remove(0);
        self.index
            .search_chunks(&ChunkSearch {
                slug,
                text,
                vector: Some(QueryVector {
                    model: self.embedder.model_id(),
                    vector: &vector,
                }),
                mode,
                filter,
                limit: 10,
                per_page,
            })
            .await
            .expect("search")
    }
}

fn pages(hits: &[ChunkHit]) -> Vec<&str> {
    hits.iter().map(|h| h.path.as_str()).collect()
}

const GARDEN: &str = "# Garden\n\nTomatoes need full sun and deep watering twice a week.\n\n\
    ## Pests\n\nAphids gather under the leaves; spray them with soapy water.";
const KITCHEN: &str = "# Kitchen\n\nThe oven runs hot, so bake bread ten degrees lower.";

#[tokio::test]
async fn vectors_lag_until_embedded_then_semantic_search_finds_sections() {
    let f = Fixture::new().await;
    let wiki = f.wiki("w", &[("Garden.md", GARDEN), ("Kitchen.md", KITCHEN)]);
    f.index.sync("w", &wiki).await.expect("sync");
    let model = f.embedder.model_id();
    let lag = f.index.vector_lag("w", model).await.expect("lag");
    assert!(lag.chunks >= 2 && lag.pending == lag.chunks, "{lag:?}");
    assert!(
        f.search("w", "tomatoes sun", SearchMode::Semantic)
            .await
            .is_empty()
    );

    assert_eq!(f.embed_all().await, lag.chunks);
    assert_eq!(
        f.index.vector_lag("w", model).await.expect("lag").pending,
        0
    );
    let hits = f
        .search("w", "watering tomatoes", SearchMode::Semantic)
        .await;
    assert_eq!(hits[0].path, "Garden");
    assert_eq!(hits[0].section_path[0], "Garden");
    assert!(hits[0].similarity.is_some() && hits[0].keyword_rank.is_none());
    let hits = f.search("w", "bake bread", SearchMode::Semantic).await;
    assert_eq!(hits[0].path, "Kitchen");
    assert_eq!(hits[0].total_chunks, 1);
}

#[tokio::test]
async fn only_changed_chunks_are_embedded_again() {
    let f = Fixture::new().await;
    let long = |topic: &str| {
        format!(
            "## {topic}\n\n{}",
            format!("{topic} words here. ").repeat(40)
        )
    };
    let body = format!("{}\n\n{}", long("Alpha"), long("Beta"));
    let wiki = f.wiki("w", &[("Page.md", &body)]);
    f.index.sync("w", &wiki).await.expect("sync");
    let first = f.embed_all().await;
    assert!(first >= 2, "{first}");
    let edited = format!("{}\n\n{}", long("Alpha"), long("Gamma"));
    commit(&wiki, vec![write("Page.md", &edited)]);
    f.index.sync("w", &wiki).await.expect("sync");
    let again = f.embed_all().await;
    assert!(
        again >= 1 && again < first,
        "re-embedded {again} of {first}"
    );
}

#[tokio::test]
async fn hybrid_finds_what_either_ranking_finds_and_caps_chunks_per_page() {
    let f = Fixture::new().await;
    let sections: String = (0..6)
        .map(|i| format!("## Part {i}\n\n{}\n\n", "zebra migration notes ".repeat(45)))
        .collect();
    let wiki = f.wiki(
        "w",
        &[
            ("Zebras.md", sections.as_str()),
            ("Kitchen.md", KITCHEN),
            ("Garden.md", GARDEN),
        ],
    );
    f.index.sync("w", &wiki).await.expect("sync");
    f.embed_all().await;
    let hits = f.search("w", "zebra migration", SearchMode::Hybrid).await;
    assert_eq!(hits[0].path, "Zebras");
    assert!(hits[0].keyword_rank.is_some() && hits[0].semantic_rank.is_some());
    assert_eq!(pages(&hits).iter().filter(|p| **p == "Zebras").count(), 2);
    let hits = f
        .search_with(
            "w",
            "zebra migration",
            SearchMode::Hybrid,
            &SearchFilter::default(),
            5,
        )
        .await;
    assert_eq!(pages(&hits).iter().filter(|p| **p == "Zebras").count(), 5);
    // Keyword mode ranks by bm25 only, with scores relative to the best.
    let hits = f.search("w", "oven", SearchMode::Keyword).await;
    assert_eq!(pages(&hits), ["Kitchen"]);
    assert_eq!(hits[0].score, 1.0);
    assert!(hits[0].semantic_rank.is_none());
}

#[tokio::test]
async fn filters_restrict_every_mode_and_wikis_are_isolated() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[("Garden.md", GARDEN), ("Notes/Garden_Log.md", GARDEN)],
    );
    let other = f.wiki("other", &[("Secret.md", "tomatoes tomatoes tomatoes sun")]);
    f.index.sync("w", &wiki).await.expect("sync");
    f.index.sync("other", &other).await.expect("sync");
    f.embed_all().await;
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let all = f.search("w", "tomatoes", mode).await;
        assert!(pages(&all).contains(&"Garden") && !pages(&all).contains(&"Secret"));
        let prefix = SearchFilter {
            path_prefix: Some("notes/".into()),
            ..SearchFilter::default()
        };
        let hits = f.search_with("w", "tomatoes", mode, &prefix, 2).await;
        assert!(!hits.is_empty() && hits.iter().all(|h| h.path == "Notes/Garden Log"));
        let only = SearchFilter {
            pages: Some(Arc::new(BTreeSet::from(["Garden".to_string()]))),
            ..SearchFilter::default()
        };
        let hits = f.search_with("w", "tomatoes", mode, &only, 2).await;
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.path == "Garden"),
            "{mode:?}"
        );
    }
}

/// Waits until `check` holds, polling; fails after five seconds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..250 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn the_indexer_follows_commits_deletions_and_heals_on_start() {
    let f = Fixture::new().await;
    // Written before the indexer starts, like a commit whose index update a crash lost.
    let wiki = f.wiki("w", &[("Garden.md", GARDEN)]);
    let indexer = Indexer::start(
        Arc::clone(&f.index),
        Arc::clone(&f.store),
        Some(Arc::clone(&f.embedder)),
    );
    let model = f.embedder.model_id().to_string();
    eventually("the seeded wiki is embedded", async || {
        let lag = f.index.vector_lag("w", &model).await.expect("lag");
        lag.chunks > 0 && lag.pending == 0
    })
    .await;
    commit(&wiki, vec![write("Kitchen.md", KITCHEN)]);
    eventually("the new page is searchable by meaning", async || {
        pages(&f.search("w", "bake bread oven", SearchMode::Semantic).await).contains(&"Kitchen")
    })
    .await;
    commit(
        &wiki,
        vec![Change::Delete {
            path: RepoPath::parse("Kitchen.md").expect("path"),
        }],
    );
    eventually("the deleted page is gone", async || {
        !pages(&f.search("w", "bake bread oven", SearchMode::Hybrid).await).contains(&"Kitchen")
    })
    .await;
    f.store.delete_wiki("w").expect("delete");
    eventually("the deleted wiki is forgotten", async || {
        f.index.indexed_head("w").await.expect("head").is_none()
    })
    .await;
    assert_eq!(
        indexer.reindex_status("w"),
        robot_search::ReindexStatus::Idle
    );
}

#[tokio::test]
async fn passages_indexed_by_another_process_are_embedded_without_a_change_here() {
    let f = Fixture::new().await;
    let _indexer = Indexer::start(
        Arc::clone(&f.index),
        Arc::clone(&f.store),
        Some(Arc::clone(&f.embedder)),
    );
    // Another process (`robot wiki create --from-git` beside the server): its own store and
    // index handles on the same files, so no change reaches this indexer's queue.
    let other_store = Store::open(f.dir.path().join("wikis")).expect("store");
    let wiki = other_store
        .create_wiki(
            "w",
            &[("Garden.md".to_string(), GARDEN.as_bytes().to_vec())],
            &support::author(),
            "seed",
        )
        .expect("wiki");
    let other_index = SearchIndex::open(&f.dir.path().join("search.db"))
        .await
        .expect("index");
    other_index.sync("w", &wiki).await.expect("sync");
    let model = f.embedder.model_id().to_string();
    let lag = f.index.vector_lag("w", &model).await.expect("lag");
    assert!(
        lag.pending > 0,
        "the other process left passages to embed: {lag:?}"
    );
    let deadline = std::time::Instant::now() + IDLE_RECHECK * 3;
    loop {
        let lag = f.index.vector_lag("w", &model).await.expect("lag");
        if lag.pending == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still pending: {lag:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reindex_rebuilds_and_reports_failure_honestly() {
    let f = Fixture::new().await;
    f.wiki("w", &[("Garden.md", GARDEN)]);
    let indexer = Indexer::start(Arc::clone(&f.index), Arc::clone(&f.store), None);
    indexer.reindex("w").expect("start");
    eventually("the rebuild completes", async || {
        matches!(
            indexer.reindex_status("w"),
            robot_search::ReindexStatus::Complete { pages: 1, .. }
        )
    })
    .await;
    indexer.reindex("missing").expect("start");
    eventually("the rebuild of a missing wiki fails", async || {
        matches!(
            indexer.reindex_status("missing"),
            robot_search::ReindexStatus::Failed { .. }
        )
    })
    .await;
}
