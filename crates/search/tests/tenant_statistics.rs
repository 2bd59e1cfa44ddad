//! Ranking statistics are per wiki: nothing another tenant writes can change the order or the
//! scores of a wiki's results (issue 17, finding 8), and a forgotten wiki leaves no tables.

use std::sync::Arc;
use std::time::Duration;

use robot_search::{ChunkSearch, Indexer, QueryVector, SearchFilter, SearchIndex, SearchMode};
use robot_store::{Change, CommitRequest, RepoPath, WikiRepo};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

mod support;

use support::{Fixture, author};

/// What a client sees of one search: the order, and every score shown.
type Shown = Vec<(String, f64)>;

impl Fixture {
    async fn pages(&self, wiki: &Arc<WikiRepo>, query: &str) -> Shown {
        self.index.sync(wiki.slug(), wiki).await.expect("sync");
        let (hits, _) = self
            .index
            .search(wiki.slug(), query, &SearchFilter::default(), 50, 0)
            .await
            .expect("search");
        hits.into_iter().map(|h| (h.path, h.score)).collect()
    }

    async fn passages(&self, wiki: &Arc<WikiRepo>, query: &str, mode: SearchMode) -> Shown {
        self.index.sync(wiki.slug(), wiki).await.expect("sync");
        self.embed_all().await;
        let vector = self.embedder.embed(&[query]).expect("embed").remove(0);
        let hits = self
            .index
            .search_chunks(&ChunkSearch {
                slug: wiki.slug(),
                text: query,
                vector: Some(QueryVector {
                    model: self.embedder.model_id(),
                    vector: &vector,
                }),
                mode,
                filter: &SearchFilter::default(),
                limit: 50,
                per_page: 5,
            })
            .await
            .expect("search");
        hits.into_iter()
            .map(|h| (format!("{}#{}", h.path, h.ordinal), h.score))
            .collect()
    }

    /// Every search a client of wiki `a` might run, as it sees the results.
    async fn everything(&self, a: &Arc<WikiRepo>) -> Vec<(String, Shown)> {
        let mut out = Vec::new();
        for query in QUERIES {
            out.push((format!("pages {query}"), self.pages(a, query).await));
            for mode in [SearchMode::Keyword, SearchMode::Hybrid] {
                out.push((
                    format!("{mode:?} {query}"),
                    self.passages(a, query, mode).await,
                ));
            }
        }
        out
    }

    /// The names of the tables in the index file.
    async fn tables(&self) -> Vec<String> {
        let mut conn = SqliteConnectOptions::new()
            .filename(self.dir.path().join("search.db"))
            .connect()
            .await
            .expect("open");
        let names = sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .expect("tables");
        conn.close().await.expect("close");
        names
    }
}

const QUERIES: [&str; 4] = ["alpha beta", "alpha", "beta", "alph*"];

/// Wiki A: one page heavy in each query word, a page with both words evenly, and filler pages so
/// the words are rare in A (bm25 clamps the weight of a word on most pages to almost nothing).
fn tenant_a() -> Vec<(String, String)> {
    let mut pages = vec![
        (
            "Alpha.md".to_string(),
            "alpha alpha alpha beta notes".to_string(),
        ),
        (
            "Beta.md".to_string(),
            "beta beta beta alpha notes".to_string(),
        ),
        (
            "Both.md".to_string(),
            "alpha beta and a much longer body of words that dilutes them both".to_string(),
        ),
    ];
    for n in 0..8 {
        pages.push((
            format!("Filler{n}.md"),
            format!("filler page {n} of plain words"),
        ));
    }
    pages
}

/// Private pages of another tenant, all saying `alpha` (and long, to move the average length).
fn tenant_b_pages(from: usize, count: usize) -> Vec<Change> {
    (from..from + count)
        .map(|n| Change::Write {
            path: RepoPath::parse(&format!("Private{n}.md")).expect("path"),
            content: format!("alpha private {}", "secret words ".repeat(40)).into_bytes(),
        })
        .collect()
}

#[tokio::test]
async fn finding_8_other_tenants_pages_cannot_change_scores_or_order() {
    let f = Fixture::new().await;
    let a = f.wiki("a", &tenant_a());
    let b = f.wiki("b", &[("Home.md".to_string(), "welcome to b".to_string())]);
    f.index.sync("b", &b).await.expect("sync");
    let before = f.everything(&a).await;
    assert_eq!(
        before[0].1.first().map(|h| h.0.as_str()),
        Some("Alpha"),
        "{before:?}"
    );

    b.commit(CommitRequest {
        author: author(),
        message: "private pages".into(),
        base: None,
        changes: tenant_b_pages(0, 60),
    })
    .expect("commit");
    f.index.sync("b", &b).await.expect("sync");
    f.embed_all().await;
    let after = f.everything(&a).await;
    for (was, now) in before.iter().zip(&after) {
        assert_eq!(was, now, "another tenant's pages changed what A sees");
    }

    // And gone again: forgetting B changes nothing for A either.
    f.index.forget("b").await.expect("forget");
    assert_eq!(before, f.everything(&a).await);
}

#[tokio::test]
async fn shown_bm25_scores_are_coarse() {
    let f = Fixture::new().await;
    let a = f.wiki("a", &tenant_a());
    // Hybrid scores are reciprocal-rank sums: a function of ranks only, shown as they are.
    let everything = f.everything(&a).await;
    let bm25 = everything
        .iter()
        .filter(|(search, _)| !search.starts_with("Hybrid"));
    for (_, shown) in bm25 {
        for &(_, score) in shown {
            assert_eq!(score, (score * 100.0).round() / 100.0, "{score} is coarse");
        }
    }
}

#[tokio::test]
async fn a_forgotten_wiki_leaves_no_tables() {
    let f = Fixture::new().await;
    let a = f.wiki("a", &tenant_a());
    let b = f.wiki("b", &[("Home.md", "alpha")]);
    f.index.sync("a", &a).await.expect("sync");
    let alone = f.tables().await;
    f.index.sync("b", &b).await.expect("sync");
    assert!(
        f.tables().await.len() > alone.len(),
        "B has tables of its own"
    );
    f.index.forget("b").await.expect("forget");
    assert_eq!(f.tables().await, alone);
    assert!(
        f.pages(&b, "alpha").await.len() == 1,
        "synced again on demand"
    );
}

#[tokio::test]
async fn a_wiki_deleted_while_no_indexer_listened_is_forgotten_on_start() {
    let f = Fixture::new().await;
    let a = f.wiki("a", &tenant_a());
    let b = f.wiki("b", &[("Home.md", "alpha")]);
    f.index.sync("a", &a).await.expect("sync");
    let alone = f.tables().await;
    f.index.sync("b", &b).await.expect("sync");
    f.store.delete_wiki("b").expect("delete");
    let _indexer = Indexer::start(Arc::clone(&f.index), Arc::clone(&f.store), None);
    for _ in 0..100 {
        if f.index.indexed_head("b").await.expect("head").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(f.index.indexed_head("b").await.expect("head"), None);
    assert_eq!(f.tables().await, alone);
}

#[tokio::test]
async fn an_index_with_shared_tables_is_rebuilt_with_tables_per_wiki() {
    let f = Fixture::new().await;
    let a = f.wiki("a", &tenant_a());
    drop(f.index);
    let path = f.dir.path().join("old.db");
    {
        // The last schema with one FTS table for all wikis.
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .expect("open");
        for statement in [
            "CREATE VIRTUAL TABLE fts_pages USING fts5(slug UNINDEXED, path UNINDEXED, title, body)",
            "CREATE VIRTUAL TABLE fts_chunks USING fts5(context, text)",
            "CREATE TABLE fts_state (slug TEXT PRIMARY KEY, head TEXT NOT NULL)",
            "INSERT INTO fts_pages VALUES ('b', 'Secret', 'Secret', 'alpha alpha')",
            "PRAGMA user_version = 3",
        ] {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        }
        conn.close().await.expect("close");
    }
    let index = SearchIndex::open(&path).await.expect("index");
    index.sync("a", &a).await.expect("sync");
    let (hits, _) = index
        .search("a", "alpha", &SearchFilter::default(), 10, 0)
        .await
        .expect("search");
    assert_eq!(hits.len(), 3, "{hits:?}");
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .expect("open");
    let shared: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('fts_pages', 'fts_chunks')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(shared, 0, "the shared tables are gone");
}
