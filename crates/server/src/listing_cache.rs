//! Every wiki's page listing (pages and folders, sorted and titled) for the sidebar and the A–Z
//! index, built once per head commit.
//!
//! Building it parses every file path into a page name (sanitizing and Unicode-normalizing each
//! one) and sorts them: most of a page view's time on a 1,000-page wiki when done per request.
//! A listing depends only on the tree of the head commit, so it is kept per wiki with the head
//! it was built for; any commit (from any surface or process) moves the head, and the next view
//! builds it again. Views of an unchanged wiki cost one ref read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use robot_store::{CommitId, WikiRepo};

use crate::templates::IndexEntry;

/// A listing and the head commit it was built from (`None`: an empty wiki).
type Built = (Option<CommitId>, Arc<Vec<IndexEntry>>);

/// Listings by wiki slug, each with the head commit it reflects.
#[derive(Default)]
pub struct ListingCache {
    listings: Mutex<HashMap<String, Built>>,
}

impl ListingCache {
    /// An empty cache.
    pub fn new() -> ListingCache {
        ListingCache::default()
    }

    /// The listing of `slug` at its current head, built from `repo` when the head has moved
    /// since the last one. Blocking (git reads): call from `spawn_blocking`.
    pub fn listing(
        &self,
        slug: &str,
        repo: &WikiRepo,
    ) -> Result<Arc<Vec<IndexEntry>>, robot_store::StoreError> {
        let head = repo.head()?;
        if let Some((built_for, listing)) = self.lock().get(slug)
            && *built_for == head
        {
            return Ok(Arc::clone(listing));
        }
        // Built from the head read above, so the listing and the head it is stored under agree
        // even when a commit lands meanwhile (the next view sees the newer head and rebuilds).
        let files = repo.files(head.as_ref())?;
        let listing = Arc::new(crate::views::helpers::catalog(&files));
        self.lock()
            .insert(slug.to_string(), (head, Arc::clone(&listing)));
        Ok(listing)
    }

    /// Drops a deleted wiki's listing.
    pub fn forget(&self, slug: &str) {
        self.lock().remove(slug);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Built>> {
        // A panic while holding the lock leaves a map that is still consistent (each insert is
        // one statement), so a poisoned lock is recovered rather than failing every view.
        self.listings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use robot_store::{Author, Change, CommitRequest, RepoPath, Store};

    use super::ListingCache;

    fn write(path: &str) -> Change {
        Change::Write {
            path: RepoPath::parse(path).expect("path"),
            content: b"text\n".to_vec(),
        }
    }

    #[test]
    fn a_listing_is_built_once_per_head_and_follows_every_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        let author = Author::new("Ada", "ada@example.org");
        let seed = vec![
            ("Home.md".to_string(), b"home\n".to_vec()),
            ("Notes/Plan.md".to_string(), b"plan\n".to_vec()),
        ];
        let repo = store
            .create_wiki("notes", &seed, &author, "seed")
            .expect("wiki");
        let cache = ListingCache::new();
        let first = cache.listing("notes", &repo).expect("listing");
        let urls: Vec<&str> = first.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["/Home", "/Notes", "/Notes/Plan"]);
        let again = cache.listing("notes", &repo).expect("listing");
        assert!(Arc::ptr_eq(&first, &again), "same head, same listing");

        repo.commit(CommitRequest {
            author,
            message: "add".into(),
            base: None,
            changes: vec![write("Zebra.md")],
        })
        .expect("commit");
        let after = cache.listing("notes", &repo).expect("listing");
        assert!(!Arc::ptr_eq(&first, &after));
        assert_eq!(after.last().map(|e| e.url.as_str()), Some("/Zebra"));

        cache.forget("notes");
        let rebuilt = cache.listing("notes", &repo).expect("listing");
        assert!(
            !Arc::ptr_eq(&after, &rebuilt),
            "forgotten listings are rebuilt"
        );
    }
}
