//! The catalog snapshot and its page queries (lookup and list filters).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use robot_store::CommitId;
use robot_wiki::{PagePath, lookup_key_for_file};

use crate::page::{Key, Page, PageEntry};

/// The pages and WikiLink graph of one wiki at one commit.
///
/// Immutable and cheap to share behind an `Arc`. Equal commits give equal catalogs however they
/// were built (from scratch or updated from an older one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The commit this catalog reflects; `None` for a wiki without commits.
    pub head: Option<CommitId>,
    /// Lookup key → the page with that key. Its `links` are the page's outgoing edges, resolved
    /// by key: a target key with no page here is a missing ("wanted") page.
    pub(crate) pages: BTreeMap<Key, Arc<Page>>,
    /// Lookup key → the other files with the same key (`foo.md` next to `Foo.md`), in rank
    /// order. They are not pages (every link and lookup reaches the winner), but they are kept
    /// so that removing the winner promotes the next one without re-reading the tree.
    pub(crate) shadowed: BTreeMap<Key, Vec<Arc<Page>>>,
    /// Target lookup key → keys of the pages linking to it (existing target or not).
    pub(crate) incoming: HashMap<Key, Arc<BTreeSet<Key>>>,
}

/// Which pages [`Catalog::list`] returns; every set field must match (AND). Empty or
/// whitespace-only strings are ignored, so query parameters can be passed through as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageFilter {
    /// Pages whose path starts with this text, case-insensitively and with `_` and space alike
    /// (`projects/big_` matches `Projects/Big Plan`); a leading `/` is ignored.
    pub prefix: Option<String>,
    /// Pages whose frontmatter `category` equals this, case-insensitively.
    pub category: Option<String>,
    /// Pages with this frontmatter tag, case-insensitively.
    pub tag: Option<String>,
    /// Pages whose last change is at or after this time (seconds since the Unix epoch).
    pub updated_since: Option<i64>,
}

impl Catalog {
    /// The number of pages.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// True when the wiki has no pages.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Every page, sorted by lookup key (case-insensitive path order).
    pub fn pages(&self) -> impl Iterator<Item = &PageEntry> {
        self.pages.values().map(|p| &p.entry)
    }

    /// The page named `page`, found case-insensitively with `_` and space alike.
    pub fn get(&self, page: &PagePath) -> Option<&PageEntry> {
        self.pages.get(page.lookup_key().as_str()).map(|p| &p.entry)
    }

    /// The pages matching `filter`, sorted by lookup key.
    pub fn list(&self, filter: &PageFilter) -> Vec<&PageEntry> {
        let prefix = given(&filter.prefix).map(|p| lookup_key_for_file(p.trim_start_matches('/')));
        let category = given(&filter.category).map(str::to_lowercase);
        let tag = given(&filter.tag).map(str::to_lowercase);
        self.pages
            .values()
            .filter(|p| prefix.as_deref().is_none_or(|pre| p.key.starts_with(pre)))
            .map(|p| &p.entry)
            .filter(|e| {
                category.as_deref().is_none_or(|want| {
                    e.category
                        .as_deref()
                        .is_some_and(|c| c.trim().to_lowercase() == want)
                })
            })
            .filter(|e| {
                tag.as_deref()
                    .is_none_or(|want| e.tags.iter().any(|t| t.to_lowercase() == want))
            })
            .filter(|e| filter.updated_since.is_none_or(|t| e.last_updated >= t))
            .collect()
    }
}

/// A filter string that is set and not blank, trimmed.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
