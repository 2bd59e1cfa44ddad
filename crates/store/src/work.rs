//! Counters of the git work a repository handle does, so tests can check that a read costs the
//! same however long the history is (a count, not a timing: exact on any machine).

use std::sync::atomic::{AtomicU64, Ordering};

/// Running totals since the handle was opened.
#[derive(Debug, Default)]
pub(crate) struct Work {
    handles: AtomicU64,
    commits_read: AtomicU64,
    commits_diffed: AtomicU64,
}

/// A snapshot of [`Work`]; subtract two to get the work in between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkCount {
    /// Repository handles borrowed (one per store call that touches git).
    pub handles: u64,
    /// Commits loaded by history walks and the page log.
    pub commits_read: u64,
    /// Commits whose changes were computed for the page log.
    pub commits_diffed: u64,
}

impl std::ops::Sub for WorkCount {
    type Output = WorkCount;

    fn sub(self, earlier: WorkCount) -> WorkCount {
        WorkCount {
            handles: self.handles.saturating_sub(earlier.handles),
            commits_read: self.commits_read.saturating_sub(earlier.commits_read),
            commits_diffed: self.commits_diffed.saturating_sub(earlier.commits_diffed),
        }
    }
}

impl Work {
    pub(crate) fn handle(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn commit_read(&self) {
        self.commits_read.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn commit_diffed(&self) {
        self.commits_diffed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count(&self) -> WorkCount {
        WorkCount {
            handles: self.handles.load(Ordering::Relaxed),
            commits_read: self.commits_read.load(Ordering::Relaxed),
            commits_diffed: self.commits_diffed.load(Ordering::Relaxed),
        }
    }
}
