//! Rendered pages cached by (head commit, blob id): a page view costs a hash lookup, not a render.
//!
//! The head is part of the key because rendering depends on which pages exist (missing WikiLinks
//! look different). Entries are evicted oldest-first once the cache is full.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use robot_wiki::Rendered;

/// A bounded map from (head, blob) to rendered HTML.
pub struct RenderCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<(String, String), Arc<Rendered>>,
    order: VecDeque<(String, String)>,
}

impl RenderCache {
    /// A cache holding at most `capacity` rendered pages.
    pub fn new(capacity: usize) -> Self {
        RenderCache {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Returns the cached render, or computes, stores and returns it.
    pub fn get_or_render(
        &self,
        head: &str,
        blob_id: &str,
        render: impl FnOnce() -> Rendered,
    ) -> Arc<Rendered> {
        let key = (head.to_string(), blob_id.to_string());
        if let Some(hit) = self.lock().map.get(&key) {
            return Arc::clone(hit);
        }
        let rendered = Arc::new(render());
        let mut inner = self.lock();
        if inner
            .map
            .insert(key.clone(), Arc::clone(&rendered))
            .is_none()
        {
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
