//! Whole page views served from what is already known: a validator (`ETag`) computed before any
//! work, and the HTML of views kept by that validator.
//!
//! A page view at the branch head is a pure function of: the head commit (page text, rendered
//! links, last change, sidebar listing), the URL, the wiki's settings (name, description, access
//! levels), the viewer's permissions, who is signed in (name, CSRF token in the logout form),
//! the theme cookie, and the binary (templates). [`view_etag`] hashes exactly those, with a
//! random value drawn when the process starts standing in for the binary, so a browser that
//! already has the page gets `304 Not Modified` after one ref read, and a visitor who comes back
//! to a page gets the stored HTML without rendering anything. The validator names the viewer
//! (anonymous, or the user, their CSRF token and permissions), so a stored page is only ever
//! answered to the viewer it was rendered for. A one-shot flash message is never cached. A commit moves the head and so changes every validator of the wiki: nothing is
//! ever served stale, and old entries simply age out of the cache.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use axum::body::Bytes;
use robot_store::CommitId;
use sha2::{Digest, Sha256};

use crate::context::WikiCtx;

/// Bytes of HTML kept for views by default (about a thousand 64 KB pages).
pub const DEFAULT_CAPACITY_BYTES: usize = 64 * 1024 * 1024;

/// The `ETag` of the view of `raw_path?query` at `head` for this request's viewer, or `None`
/// when the view must not be cached (it carries a one-shot message).
pub fn view_etag(ctx: &WikiCtx, head: &CommitId, raw_path: &str, query: &str) -> Option<String> {
    if ctx.flash.is_some() {
        return None;
    }
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(process_nonce());
    part(ctx.wiki.slug.as_str().as_bytes());
    part(head.as_str().as_bytes());
    part(raw_path.as_bytes());
    part(query.as_bytes());
    part(ctx.wiki.display_name.as_bytes());
    part(ctx.wiki.description.as_bytes());
    part(ctx.url.as_bytes());
    let perms = ctx.perms;
    part(&[
        u8::from(perms.read),
        u8::from(perms.write),
        u8::from(perms.upload),
        u8::from(perms.admin),
    ]);
    part(ctx.theme.as_deref().unwrap_or("").as_bytes());
    match &ctx.user {
        // Signed-in pages show the name and carry the CSRF token in the logout form.
        Some(user) => {
            part(&user.id.to_le_bytes());
            part(user.display_name.as_bytes());
            part(ctx.csrf.as_bytes());
        }
        None => part(b"anonymous"),
    }
    let digest = hash.finalize();
    // Weak: the same view may be sent gzipped or not.
    Some(format!("W/\"{}\"", hex::encode(&digest[..16])))
}

/// True when `if_none_match` (the request header) names `etag`.
/// Compared weakly (RFC 9110 §13.1.2): `W/` prefixes are ignored on both sides.
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag)
}

/// Drawn once per process: a new binary (new templates) never answers an old validator.
fn process_nonce() -> &'static [u8] {
    static NONCE: OnceLock<[u8; 16]> = OnceLock::new();
    NONCE.get_or_init(rand::random)
}

/// The HTML of views by validator, least recently used out first.
#[derive(Debug)]
pub struct ViewCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    views: HashMap<String, (Bytes, u64)>,
    bytes: usize,
    clock: u64,
}

impl ViewCache {
    /// An empty cache holding up to `capacity` bytes of HTML.
    pub fn new(capacity: usize) -> ViewCache {
        ViewCache {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    /// The stored view for `etag`.
    pub fn get(&self, etag: &str) -> Option<Bytes> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let (body, used) = inner.views.get_mut(etag)?;
        *used = now;
        Some(body.clone())
    }

    /// Stores a view; the least recently used ones leave to make room. Views larger than a
    /// quarter of the capacity are not kept.
    pub fn put(&self, etag: String, body: Bytes) {
        if body.len() > self.capacity / 4 {
            return;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        inner.bytes += body.len();
        if let Some((old, _)) = inner.views.insert(etag, (body, now)) {
            inner.bytes -= old.len();
        }
        while inner.bytes > self.capacity {
            let Some(oldest) = inner
                .views
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(etag, _)| etag.clone())
            else {
                break;
            };
            if let Some((gone, _)) = inner.views.remove(&oldest) {
                inner.bytes -= gone.len();
            }
        }
    }

    /// Bytes of HTML held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        assert!(matches("\"a\"", "\"a\""));
        assert!(matches("W/\"a\"", "W/\"a\""));
        assert!(matches("\"a\"", "W/\"a\""));
        assert!(matches("\"b\", W/\"a\"", "\"a\""));
        assert!(matches("*", "\"a\""));
        assert!(!matches("\"b\"", "\"a\""));
        assert!(!matches("", "\"a\""));
    }

    #[test]
    fn least_recently_used_views_leave_first() {
        let cache = ViewCache::new(40);
        cache.put("a".into(), Bytes::from(vec![0; 10]));
        cache.put("b".into(), Bytes::from(vec![0; 10]));
        cache.put("c".into(), Bytes::from(vec![0; 10]));
        assert!(cache.get("a").is_some(), "a is used again");
        cache.put("d".into(), Bytes::from(vec![0; 10]));
        cache.put("e".into(), Bytes::from(vec![0; 10]));
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some());
        assert!(cache.bytes() <= 40);
        cache.put("huge".into(), Bytes::from(vec![0; 11]));
        assert!(
            cache.get("huge").is_none(),
            "over a quarter of the capacity"
        );
    }
}
