//! Stale branch locks. Git (and libgit2) move a ref by creating `refs/heads/main.lock`, writing
//! the new id and renaming it into place; a process killed between the two leaves the lock
//! behind, and every later write to the wiki would fail. A ref update takes milliseconds, so a
//! lock older than [`STALE_AFTER`] belongs to no live writer and is removed.

use std::path::Path;
use std::time::Duration;

use crate::repo::{MAIN_REF, WikiRepo};

/// Age past which a branch lock is considered abandoned.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(60);

impl WikiRepo {
    /// Removes the branch's lock file when it is older than [`STALE_AFTER`]; returns whether it
    /// did. Called when a write finds the branch locked, and before a push.
    pub(crate) fn clear_stale_ref_lock(&self) -> bool {
        let lock = self.path().join(format!("{MAIN_REF}.lock"));
        if !is_stale(&lock) {
            return false;
        }
        match std::fs::remove_file(&lock) {
            Ok(()) => {
                tracing::warn!(
                    wiki = self.slug(),
                    "removed a branch lock left by a crashed writer"
                );
                true
            }
            // Released (or removed by another process) meanwhile.
            Err(_) => false,
        }
    }
}

fn is_stale(lock: &Path) -> bool {
    std::fs::metadata(lock)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER)
}
