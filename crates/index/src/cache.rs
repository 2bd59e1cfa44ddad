//! The latest catalog of every wiki, checked against git's head on every call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use robot_store::WikiRepo;

use crate::build::Refresh;
use crate::catalog::Catalog;
use crate::error::IndexError;

/// Wikis whose catalogs [`CatalogCache::new`] keeps before evicting the least recently used.
pub const DEFAULT_CAPACITY: usize = 1024;

/// The latest [`Catalog`] per wiki slug, built lazily on first use and brought up to date from
/// git on every call.
///
/// Correct whatever moved the branch (any surface, `git push`, another process), because each
/// call compares the cached catalog's head with the head read from disk. A call costs that read
/// plus a hash lookup when nothing changed; otherwise the catalog is updated incrementally (see
/// [`Catalog::update`]) while other readers of the wiki keep the old snapshot. Builders of one
/// wiki are serialized, so a burst of requests after a commit updates it once. Blocking: call it
/// from `spawn_blocking`.
#[derive(Debug)]
pub struct CatalogCache {
    wikis: Mutex<HashMap<String, Arc<Slot>>>,
    capacity: usize,
    clock: AtomicU64,
    hits: AtomicU64,
    incremental: AtomicU64,
    full: AtomicU64,
    evictions: AtomicU64,
}

/// Counters since the cache was created, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Calls answered with the cached catalog (the head had not moved).
    pub hits: u64,
    /// Catalogs updated from the previous one.
    pub incremental: u64,
    /// Catalogs built from scratch (first use, eviction, or a rewritten or merged history).
    pub full: u64,
    /// Wikis whose catalog was dropped to stay within the capacity.
    pub evictions: u64,
}

#[derive(Debug, Default)]
struct Slot {
    current: Mutex<Option<Arc<Catalog>>>,
    /// Serializes builders of this wiki; readers only take `current`.
    build: Mutex<()>,
    /// The cache's clock at the last use, for LRU eviction.
    used: AtomicU64,
}

impl Default for CatalogCache {
    fn default() -> Self {
        CatalogCache::new()
    }
}

impl CatalogCache {
    /// An empty cache keeping up to [`DEFAULT_CAPACITY`] wikis.
    pub fn new() -> Self {
        CatalogCache::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty cache keeping the catalogs of up to `wikis` wikis (at least one); the least
    /// recently used is dropped beyond that and rebuilt when next asked for.
    pub fn with_capacity(wikis: usize) -> Self {
        CatalogCache {
            wikis: Mutex::new(HashMap::new()),
            capacity: wikis.max(1),
            clock: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            incremental: AtomicU64::new(0),
            full: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    /// The catalog of `repo`'s current head. `slug` names the wiki in the cache; `repo` must be
    /// that wiki.
    pub fn catalog(&self, slug: &str, repo: &WikiRepo) -> Result<Arc<Catalog>, IndexError> {
        let head = repo.head()?;
        let slot = self.slot(slug);
        if let Some(cached) = current(&slot)
            && cached.head == head
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(cached);
        }
        let _building = lock(&slot.build);
        // Another caller may have brought it up to date while we waited.
        let base = current(&slot);
        if let Some(cached) = &base
            && cached.head == repo.head()?
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(cached.clone());
        }
        let (fresh, how) = match base {
            Some(base) => base.refresh(repo)?,
            None => (Catalog::build(repo)?, Refresh::Full),
        };
        let counter = match how {
            Refresh::Unchanged => &self.hits,
            Refresh::Incremental => &self.incremental,
            Refresh::Full => &self.full,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let fresh = Arc::new(fresh);
        *lock(&slot.current) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Drops the wiki's catalog (the wiki was deleted, or its memory is wanted back).
    pub fn forget(&self, slug: &str) {
        lock(&self.wikis).remove(slug);
    }

    /// Counters since the cache was created.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            incremental: self.incremental.load(Ordering::Relaxed),
            full: self.full.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The wiki's slot, created (evicting the least recently used one if full) on first use.
    fn slot(&self, slug: &str) -> Arc<Slot> {
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut wikis = lock(&self.wikis);
        if let Some(slot) = wikis.get(slug) {
            slot.used.store(now, Ordering::Relaxed);
            return slot.clone();
        }
        if wikis.len() >= self.capacity
            && let Some(oldest) = wikis
                .iter()
                .min_by_key(|(_, s)| s.used.load(Ordering::Relaxed))
                .map(|(slug, _)| slug.clone())
        {
            wikis.remove(&oldest);
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
        let slot = Arc::new(Slot {
            used: AtomicU64::new(now),
            ..Slot::default()
        });
        wikis.insert(slug.to_owned(), slot.clone());
        slot
    }
}

fn current(slot: &Slot) -> Option<Arc<Catalog>> {
    lock(&slot.current).clone()
}

/// Locks a mutex, ignoring poisoning: the guarded values are replaced wholesale, never left
/// half-updated.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
