//! Rendered pages, cached by what decides their HTML: a page view costs a hash lookup and one
//! existence check per WikiLink target, not a render.
//!
//! The HTML of a stored page depends on its text (the blob), on its path (`./relative` links
//! resolve against it) and on which of its WikiLink targets exist (missing ones are styled
//! `wikilink missing`). Nothing else: so the key is (page, blob), and each entry remembers the
//! answers the renderer got when it asked whether a page exists. A later view asks the same
//! questions again; if every answer is unchanged the cached HTML is exactly what a new render
//! would give. A commit elsewhere in the wiki therefore keeps the hit; creating or deleting a
//! page this one links to does not. (Keying on the head commit, as this cache once did, threw
//! every page's render away on every commit.)
//!
//! Entries are evicted oldest-first once the cache is full.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use robot_wiki::{PagePath, Rendered};

/// Whether a page exists, as the renderer asks it.
pub type PageExists<'a> = &'a dyn Fn(&PagePath) -> bool;

/// A bounded map from (page, blob) to rendered HTML and the link-target answers it depends on.
pub struct RenderCache {
    capacity: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often the cache answered, so tests and operators can see that it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that rendered.
    pub misses: u64,
}

type Key = (String, String);

/// One render and the existence answers it was made with.
struct Entry {
    links: Vec<(PagePath, bool)>,
    rendered: Arc<Rendered>,
}

impl Entry {
    /// Whether rendering again now would give the same HTML.
    fn is_current(&self, exists: PageExists<'_>) -> bool {
        self.links.iter().all(|(page, was)| exists(page) == *was)
    }
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Arc<Entry>>,
    order: VecDeque<Key>,
}

impl RenderCache {
    /// A cache holding at most `capacity` rendered pages.
    pub fn new(capacity: usize) -> Self {
        RenderCache {
            capacity,
            inner: Mutex::new(Inner::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Hits and misses since the cache was made.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// The render of `page` whose text is blob `blob_id`: cached while every page it links to
    /// exists as it did, else `render` is called with an existence check to pass to the
    /// renderer (it records the answers) and the result is stored.
    pub fn get_or_render(
        &self,
        page: &PagePath,
        blob_id: &str,
        exists: PageExists<'_>,
        render: impl FnOnce(PageExists<'_>) -> Rendered,
    ) -> Arc<Rendered> {
        let key = (page.lookup_key(), blob_id.to_string());
        // Checked outside the lock: each answer is a store lookup.
        let cached = self.lock().map.get(&key).cloned();
        if let Some(entry) = cached.filter(|entry| entry.is_current(exists)) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Arc::clone(&entry.rendered);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // A map, not a list searched per answer: a page may link thousands of targets.
        let asked = RefCell::new(HashMap::<PagePath, bool>::new());
        let recording = |target: &PagePath| {
            let answer = exists(target);
            asked.borrow_mut().entry(target.clone()).or_insert(answer);
            answer
        };
        let rendered = Arc::new(render(&recording));
        let entry = Arc::new(Entry {
            links: asked.into_inner().into_iter().collect(),
            rendered: Arc::clone(&rendered),
        });
        let mut inner = self.lock();
        if inner.map.insert(key.clone(), entry).is_none() {
            inner.order.push_back(key);
        }
        while inner.order.len() > self.capacity {
            if let Some(old) = inner.order.pop_front() {
                inner.map.remove(&old);
            }
        }
        rendered
    }

    /// Drops every entry (a wiki was deleted; its pages must not outlive it in memory).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent, so keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use robot_wiki::{RenderOptions, render};

    use super::*;

    fn page(name: &str) -> PagePath {
        PagePath::parse(name).expect("page")
    }

    fn view(
        cache: &RenderCache,
        at: &str,
        text: &str,
        blob: &str,
        pages: &HashSet<PagePath>,
    ) -> Arc<Rendered> {
        let exists = |p: &PagePath| pages.contains(p);
        let at = page(at);
        cache.get_or_render(&at, blob, &exists, |exists| {
            render(
                text,
                &RenderOptions {
                    page: Some(&at),
                    page_exists: exists,
                },
            )
        })
    }

    #[test]
    fn unrelated_pages_keep_the_hit_link_targets_do_not() {
        let cache = RenderCache::new(8);
        let text = "See [[Target]].\n";
        let mut pages: HashSet<PagePath> = [page("Home")].into();
        let missing = view(&cache, "Home", text, "b1", &pages);
        assert!(missing.html.contains("missing"), "{}", missing.html);
        pages.insert(page("Unrelated"));
        view(&cache, "Home", text, "b1", &pages);
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 1 });
        pages.insert(page("Target"));
        let found = view(&cache, "Home", text, "b1", &pages);
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 2 });
        assert!(!found.html.contains("missing"), "{}", found.html);
    }

    #[test]
    fn the_same_text_at_another_path_is_its_own_entry() {
        let cache = RenderCache::new(8);
        let pages = HashSet::new();
        view(&cache, "A", "[x](./file.png)\n", "b1", &pages);
        view(&cache, "Folder/B", "[x](./file.png)\n", "b1", &pages);
        assert_eq!(cache.stats().misses, 2, "relative links resolve per page");
    }

    #[test]
    fn oldest_entries_go_first() {
        let cache = RenderCache::new(1);
        let pages = HashSet::new();
        view(&cache, "A", "a\n", "b1", &pages);
        view(&cache, "B", "b\n", "b2", &pages);
        view(&cache, "A", "a\n", "b1", &pages);
        assert_eq!(cache.stats(), CacheStats { hits: 0, misses: 3 });
    }
}
