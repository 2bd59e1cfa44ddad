//! What the search integration tests start from: a temporary store and index, wikis seeded with
//! pages, commits, and the deterministic bag-of-words embedder standing in for the model.

#![allow(dead_code)]

use std::sync::Arc;

use robot_embed::{Embedder, HashingEmbedder};
use robot_search::SearchIndex;
use robot_store::{Author, Change, CommitRequest, RepoPath, Store, WikiRepo};

pub fn author() -> Author {
    Author::new("Tester", "tester@example.com")
}

/// Commits `changes` to `wiki` (on its head).
pub fn commit(wiki: &WikiRepo, changes: Vec<Change>) {
    wiki.commit(CommitRequest {
        author: author(),
        message: "edit".into(),
        base: None,
        changes,
    })
    .expect("commit");
}

pub fn write(path: &str, text: &str) -> Change {
    Change::Write {
        path: RepoPath::parse(path).expect("path"),
        content: text.as_bytes().to_vec(),
    }
}

/// A store of wikis and a search index in one temporary directory.
pub struct Fixture {
    /// The directory (`wikis/`, `search.db`); gone with the fixture.
    pub dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub index: Arc<SearchIndex>,
    pub embedder: Arc<dyn Embedder>,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(dir.path().join("wikis")).expect("store"));
        let index = Arc::new(
            SearchIndex::open(&dir.path().join("search.db"))
                .await
                .expect("index"),
        );
        Fixture {
            dir,
            store,
            index,
            embedder: Arc::new(HashingEmbedder::new(256, "hashing-256")),
        }
    }

    /// A new wiki `slug` seeded with `pages` (path, text).
    pub fn wiki(&self, slug: &str, pages: &[(impl AsRef<str>, impl AsRef<str>)]) -> Arc<WikiRepo> {
        let seed: Vec<(String, Vec<u8>)> = pages
            .iter()
            .map(|(p, t)| (p.as_ref().to_string(), t.as_ref().as_bytes().to_vec()))
            .collect();
        self.store
            .create_wiki(slug, &seed, &author(), "seed")
            .expect("wiki")
    }

    /// Embeds every pending chunk, in small batches; returns how many.
    pub async fn embed_all(&self) -> usize {
        let mut total = 0;
        loop {
            let n = self
                .index
                .embed_pending(&self.embedder, 7)
                .await
                .expect("embed");
            if n == 0 {
                return total;
            }
            total += n;
        }
    }
}
