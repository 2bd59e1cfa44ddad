//! The full-text index against real repositories: ranking, query syntax, isolation, and sync.

use std::sync::Arc;

use robot_search::{Hit, SearchFilter, SearchIndex, SyncOutcome};
use robot_store::{Author, Change, CommitRequest, RepoPath, Store, WikiRepo};

fn author() -> Author {
    Author::new("Tester", "tester@example.org")
}

fn seed(pages: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    pages
        .iter()
        .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
        .collect()
}

fn commit(wiki: &WikiRepo, changes: Vec<Change>) {
    wiki.commit(CommitRequest {
        author: author(),
        message: "edit".into(),
        base: None,
        changes,
    })
    .expect("commit");
}

fn write(path: &str, text: &str) -> Change {
    Change::Write {
        path: RepoPath::parse(path).expect("path"),
        content: text.as_bytes().to_vec(),
    }
}

fn delete(path: &str) -> Change {
    Change::Delete {
        path: RepoPath::parse(path).expect("path"),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    index: SearchIndex,
}

impl Fixture {
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().join("wikis")).expect("store");
        let index = SearchIndex::open(&dir.path().join("search.db"))
            .await
            .expect("index");
        Fixture {
            _dir: dir,
            store,
            index,
        }
    }

    fn wiki(&self, slug: &str, pages: &[(&str, &str)]) -> Arc<WikiRepo> {
        self.store
            .create_wiki(slug, &seed(pages), &author(), "seed")
            .expect("wiki")
    }

    async fn search(&self, wiki: &Arc<WikiRepo>, query: &str) -> (Vec<Hit>, usize) {
        self.index.sync(wiki.slug(), wiki).await.expect("sync");
        self.index
            .search(wiki.slug(), query, &SearchFilter::default(), 50, 0)
            .await
            .expect("search")
    }

    async fn paths(&self, wiki: &Arc<WikiRepo>, query: &str) -> Vec<String> {
        self.search(wiki, query)
            .await
            .0
            .into_iter()
            .map(|h| h.path)
            .collect()
    }
}

#[tokio::test]
async fn title_matches_outrank_body_matches() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[
            (
                "Notes.md",
                "# Musings\n\nOur roadmap is long. The roadmap has many roadmap items.",
            ),
            ("Roadmap.md", "# Roadmap\n\nEverything we plan."),
            ("Other.md", "Nothing to see."),
        ],
    );
    let (hits, total) = f.search(&wiki, "roadmap").await;
    assert_eq!(total, 2);
    assert_eq!(
        f.paths(&wiki, "notes").await,
        ["Notes"],
        "found by its name"
    );
    assert_eq!(hits[0].path, "Roadmap");
    assert_eq!(hits[0].title, "Roadmap");
    assert_eq!(hits[0].score, 1.0, "the best hit scores 1");
    assert!(hits[1].score > 0.0 && hits[1].score < 1.0, "{hits:?}");
    let body = &hits[1];
    assert!(body.snippet.contains("roadmap has many"), "{body:?}");
    assert!(!body.highlights.is_empty());
    for range in &body.highlights {
        assert_eq!(body.snippet[range.clone()].to_lowercase(), "roadmap");
    }
}

#[tokio::test]
async fn phrases_prefixes_and_diacritics() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[
            ("A.md", "the big plan for otters"),
            ("B.md", "a plan that is big"),
            ("C.md", "Café crème and otterhounds"),
        ],
    );
    assert_eq!(f.paths(&wiki, "\"big plan\"").await, ["A"]);
    let mut both = f.paths(&wiki, "big plan").await;
    both.sort();
    assert_eq!(both, ["A", "B"]);
    let mut prefixed = f.paths(&wiki, "otter*").await;
    prefixed.sort();
    assert_eq!(prefixed, ["A", "C"]);
    assert!(f.paths(&wiki, "otter").await.is_empty(), "no stemming");
    assert_eq!(f.paths(&wiki, "otters").await, ["A"]);
    assert_eq!(f.paths(&wiki, "cafe CREME").await, ["C"]);
    // No page has every term: pages with any term are returned instead.
    let mut any = f.paths(&wiki, "otters zebra").await;
    any.sort();
    assert_eq!(any, ["A"]);
}

#[tokio::test]
async fn fts5_syntax_is_plain_text() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[
            ("A.md", "alpha beta gamma"),
            ("B.md", "title: secret body: words, NEAR the AND OR NOT end"),
        ],
    );
    for query in [
        "\"",
        "\"\"\"",
        "*",
        "alpha\"",
        "NEAR(alpha beta)",
        "NEAR(",
        "alpha AND OR NOT",
        "title:alpha",
        "body:alpha",
        "-alpha",
        "^alpha",
        "alpha + (beta",
        "{title body}: alpha",
        "'; DROP TABLE fts_pages; --",
    ] {
        let result = f
            .index
            .search("w", query, &SearchFilter::default(), 10, 0)
            .await;
        assert!(result.is_ok(), "{query}: {result:?}");
    }
    f.index.sync("w", &wiki).await.expect("sync");
    // Operators are words: only the page containing them matches.
    assert_eq!(f.paths(&wiki, "AND OR NOT").await, ["B"]);
    assert_eq!(f.paths(&wiki, "NEAR(the").await, ["B"]);
    // A column filter is two words, not a filter.
    assert_eq!(f.paths(&wiki, "title:secret").await, ["B"]);
    assert!(f.paths(&wiki, "title:alpha").await.iter().all(|p| p == "A"));
    assert_eq!(f.search(&wiki, "\" * ( :").await.1, 0);
    assert_eq!(f.paths(&wiki, "gamma").await, ["A"], "the table survived");
}

#[tokio::test]
async fn wikis_are_isolated() {
    let f = Fixture::new().await;
    let a = f.wiki(
        "a",
        &[("Shared.md", "common words"), ("OnlyA.md", "apples")],
    );
    let b = f.wiki(
        "b",
        &[("Shared.md", "common words"), ("OnlyB.md", "bananas")],
    );
    assert!(f.paths(&a, "bananas").await.is_empty());
    assert!(f.paths(&b, "apples").await.is_empty());
    assert_eq!(f.paths(&b, "bananas").await, ["OnlyB"]);
    assert_eq!(f.search(&a, "common").await.1, 1);
    assert!(f.paths(&a, "banan*").await.is_empty());
    f.index.forget("b").await.expect("forget");
    assert_eq!(f.index.indexed_head("b").await.expect("head"), None);
    assert_eq!(f.paths(&a, "common").await, ["Shared"]);
}

#[tokio::test]
async fn path_prefix_filter_is_case_insensitive_and_pages() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[
            ("Topics/Otters.md", "river animals"),
            ("Topics/Rivers.md", "river water"),
            ("Other.md", "river bank"),
        ],
    );
    f.index.sync("w", &wiki).await.expect("sync");
    let filter = SearchFilter {
        path_prefix: Some("topics/".into()),
        ..SearchFilter::default()
    };
    let (hits, total) = f
        .index
        .search("w", "river", &filter, 1, 0)
        .await
        .expect("search");
    assert_eq!(total, 2);
    assert_eq!(hits.len(), 1);
    let (rest, _) = f
        .index
        .search("w", "river", &filter, 5, 1)
        .await
        .expect("search");
    assert_eq!(rest.len(), 1);
    assert_ne!(rest[0].path, hits[0].path);
    assert!(rest[0].path.starts_with("Topics/"));
    let (past, total) = f
        .index
        .search("w", "river", &filter, 5, 10)
        .await
        .expect("search");
    assert!(past.is_empty());
    assert_eq!(total, 2, "the total is known past the last page");
}

/// Every (path, title, snippet) the index returns for a set of queries.
async fn snapshot(index: &SearchIndex, slug: &str) -> Vec<(String, Vec<(String, String, String)>)> {
    let mut out = Vec::new();
    for query in ["alpha", "beta", "gamma", "delta", "moved", "title", "page*"] {
        let (hits, _) = index
            .search(slug, query, &SearchFilter::default(), 100, 0)
            .await
            .expect("search");
        let mut rows: Vec<_> = hits
            .into_iter()
            .map(|h| (h.path, h.title, h.snippet))
            .collect();
        rows.sort();
        out.push((query.to_string(), rows));
    }
    out
}

#[tokio::test]
async fn incremental_sync_equals_a_full_rebuild() {
    let f = Fixture::new().await;
    let wiki = f.wiki(
        "w",
        &[
            ("One.md", "alpha page"),
            ("Two.md", "---\ntitle: Second Title\n---\nbeta page"),
            ("Folder/Three.md", "# Three\ngamma page"),
            ("notes.txt", "alpha but not a page"),
        ],
    );
    assert!(matches!(
        f.index.sync("w", &wiki).await.expect("sync"),
        SyncOutcome::Rebuilt { pages: 3 }
    ));
    assert_eq!(
        f.index.sync("w", &wiki).await.expect("sync"),
        SyncOutcome::Current
    );

    commit(&wiki, vec![write("One.md", "alpha delta page, edited")]);
    commit(&wiki, vec![write("Four.md", "delta page")]);
    commit(&wiki, vec![delete("Two.md")]);
    // A rename (same content at a new path) and a page turned into a non-page.
    commit(
        &wiki,
        vec![
            delete("Folder/Three.md"),
            write("Moved/Three.md", "# Three\ngamma page"),
        ],
    );
    commit(
        &wiki,
        vec![delete("Four.md"), write("Four.txt", "delta page")],
    );
    commit(
        &wiki,
        vec![write("Title.md", "---\ntitle: Moved Title\n---\nalpha")],
    );
    assert!(matches!(
        f.index.sync("w", &wiki).await.expect("sync"),
        SyncOutcome::Updated { .. }
    ));
    let incremental = snapshot(&f.index, "w").await;

    let fresh = SearchIndex::in_memory().await.expect("index");
    assert!(matches!(
        fresh.sync("w", &wiki).await.expect("sync"),
        SyncOutcome::Rebuilt { pages: 3 }
    ));
    assert_eq!(incremental, snapshot(&fresh, "w").await);
    assert!(
        incremental
            .iter()
            .any(|(q, rows)| q == "gamma" && rows.iter().any(|r| r.0 == "Moved/Three")),
        "{incremental:?}"
    );
    assert!(
        incremental
            .iter()
            .all(|(_, rows)| rows.iter().all(|r| r.0 != "Two" && r.0 != "Four"))
    );
}

#[tokio::test]
async fn a_commit_from_another_store_is_picked_up() {
    let f = Fixture::new().await;
    let wiki = f.wiki("w", &[("Home.md", "welcome")]);
    assert!(f.paths(&wiki, "otters").await.is_empty());
    let other = Store::open(f.store.root()).expect("second store");
    let same = other.wiki("w").expect("wiki");
    commit(&same, vec![write("Otters.md", "otters swim")]);
    assert_eq!(f.paths(&wiki, "otters").await, ["Otters"]);
}

#[tokio::test]
async fn a_recreated_wiki_is_rebuilt() {
    let f = Fixture::new().await;
    let wiki = f.wiki("w", &[("Old.md", "ancient words")]);
    assert_eq!(f.paths(&wiki, "ancient").await, ["Old"]);
    f.store.delete_wiki("w").expect("delete");
    let wiki = f.wiki("w", &[("New.md", "fresh words")]);
    assert!(f.paths(&wiki, "ancient").await.is_empty());
    assert_eq!(f.paths(&wiki, "words").await, ["New"]);
}
