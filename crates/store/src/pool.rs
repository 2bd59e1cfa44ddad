//! A small pool of open `git2::Repository` handles for one repository.
//!
//! `Repository` is `Send` but not `Sync`, so each call borrows a handle exclusively. Reusing
//! handles avoids re-reading the repository config on every page view, and a pool (rather than
//! one handle behind a mutex) lets readers of one wiki run in parallel.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use std::sync::Arc;

use git2::Repository;

use crate::error::StoreError;
use crate::work::Work;

/// Idle handles kept per repository; more concurrent callers open extra handles and drop them.
const MAX_IDLE: usize = 4;

pub(crate) struct RepoPool {
    path: PathBuf,
    idle: Mutex<Vec<Repository>>,
    work: Arc<Work>,
}

impl RepoPool {
    pub(crate) fn new(path: PathBuf, first: Repository, work: Arc<Work>) -> RepoPool {
        RepoPool {
            path,
            idle: Mutex::new(vec![first]),
            work,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with a handle of its own.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&Repository) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.work.handle();
        let taken = lock(&self.idle).pop();
        let repo = match taken {
            Some(repo) => repo,
            None => Repository::open_bare(&self.path)?,
        };
        let result = f(&repo);
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE {
            idle.push(repo);
        }
        result
    }
}

/// Locks a mutex, ignoring poisoning: every structure we guard stays consistent across a panic
/// (caches are replaced wholesale, the writer lock guards no data).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
