//! One wiki's bare repository: opening, the head, revision resolution and reading files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::{Commit, ErrorCode, ObjectType, Oid, Repository};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::disk_usage::DiskUsage;
use crate::error::StoreError;
use crate::head::HeadCache;
use crate::observer::CommitObserver;
use crate::page_log::PageLog;
use crate::pool::RepoPool;
use crate::quota::Quota;
use crate::repo_path::RepoPath;
use crate::revision::{CommitId, Revision};
use crate::work::{Work, WorkCount};

/// The one branch every wiki has; `HEAD` points at it.
pub const MAIN_REF: &str = "refs/heads/main";

/// A file read from the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileBlob {
    /// Where the file lives.
    pub path: RepoPath,
    /// The raw content.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// The git blob id (40 hex), a stable cache key for the content.
    pub blob_id: String,
    /// Size in bytes.
    pub size: u64,
}

/// One wiki's bare git repository. Cheap to share: hand out `Arc<WikiRepo>`.
///
/// Reads may run in parallel; writes go through [`WikiRepo::commit`] (see `write.rs`), which
/// serializes writers in this process and compare-and-swaps the branch against other processes.
pub struct WikiRepo {
    slug: String,
    pub(crate) pool: RepoPool,
    /// Serializes writers within this process. Guards no data: the branch itself is the state.
    pub(crate) writer: Mutex<()>,
    /// Recently used file catalogs, most recent last.
    pub(crate) catalogs: Mutex<Vec<Arc<Catalog>>>,
    /// Told about every commit this handle makes.
    pub(crate) observer: CommitObserver,
    /// The limits writes are checked against (`None`: unlimited).
    pub(crate) quota: Mutex<Option<Quota>>,
    /// Cached sizes of the object directories, for cheap re-measuring after writes.
    pub(crate) disk: Mutex<DiskUsage>,
    /// `(commit, pages)` for the last head whose pages were counted.
    pub(crate) page_total: Mutex<Option<(Oid, u64)>>,
    /// The history index shared by the store's wikis.
    pub(crate) page_log: Arc<PageLog>,
    /// One maintenance run at a time (see `maintenance.rs`); writers never take it.
    pub(crate) maintenance: Mutex<()>,
    /// Serializes bringing this wiki's page log up to date in this process.
    pub(crate) page_log_sync: Mutex<()>,
    /// What this handle has done, for tests that count work instead of timing it.
    pub(crate) work: Arc<Work>,
    /// The branch head, while the ref files are unchanged (see `head.rs`).
    pub(crate) head: HeadCache,
}

impl std::fmt::Debug for WikiRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WikiRepo")
            .field("slug", &self.slug)
            .field("path", &self.pool.path())
            .finish_non_exhaustive()
    }
}

impl WikiRepo {
    /// Opens an existing bare repository.
    pub(crate) fn open(
        slug: &str,
        path: PathBuf,
        observer: CommitObserver,
        page_log: Arc<PageLog>,
    ) -> Result<WikiRepo, StoreError> {
        let repo = Repository::open_bare(&path)?;
        let work = Arc::new(Work::default());
        let head = HeadCache::new(&path);
        Ok(WikiRepo {
            observer,
            slug: slug.to_string(),
            pool: RepoPool::new(path, repo, work.clone()),
            page_log,
            page_log_sync: Mutex::new(()),
            maintenance: Mutex::new(()),
            work,
            writer: Mutex::new(()),
            catalogs: Mutex::new(Vec::new()),
            quota: Mutex::new(None),
            disk: Mutex::new(DiskUsage::default()),
            page_total: Mutex::new(None),
            head,
        })
    }

    /// The git work this handle has done so far (see [`WorkCount`]).
    pub fn work(&self) -> WorkCount {
        self.work.count()
    }

    /// The wiki's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The repository directory (`{root}/{slug}.git`).
    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// The commit `refs/heads/main` points at, or `None` before the first commit.
    pub fn head(&self) -> Result<Option<CommitId>, StoreError> {
        let stamp = self.head.stamp();
        if let Some(head) = stamp.and_then(|stamp| self.head.get(stamp)) {
            return Ok(head.map(CommitId::from_oid));
        }
        let head = self.pool.with(head_oid)?;
        if let Some(stamp) = stamp {
            self.head.put(stamp, head);
        }
        Ok(head.map(CommitId::from_oid))
    }

    /// Resolves a parsed revision to a commit of this wiki.
    pub fn resolve(&self, rev: &Revision) -> Result<CommitId, StoreError> {
        self.pool
            .with(|repo| resolve_in(repo, rev).map(CommitId::from_oid))
    }

    /// Reads one file at `at` (default: head). `None` when it does not exist or is a folder.
    pub fn read(
        &self,
        path: &RepoPath,
        at: Option<&CommitId>,
    ) -> Result<Option<FileBlob>, StoreError> {
        self.pool.with(|repo| {
            let Some(commit) = commit_at(repo, at)? else {
                return Ok(None);
            };
            let tree = commit.tree()?;
            let entry = match tree.get_path(Path::new(path.as_str())) {
                Ok(entry) => entry,
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            if entry.kind() != Some(ObjectType::Blob) {
                return Ok(None);
            }
            let blob = repo.find_blob(entry.id())?;
            Ok(Some(FileBlob {
                path: path.clone(),
                bytes: blob.content().to_vec(),
                blob_id: entry.id().to_string(),
                size: blob.size() as u64,
            }))
        })
    }
}

/// The id `refs/heads/main` points at, read fresh from disk (another process may have moved it).
pub(crate) fn head_oid(repo: &Repository) -> Result<Option<Oid>, StoreError> {
    match repo.find_reference(MAIN_REF) {
        Ok(reference) => Ok(reference.target()),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The commit at `at`, or the head commit; `None` only for an empty repository and `at == None`.
pub(crate) fn commit_at<'r>(
    repo: &'r Repository,
    at: Option<&CommitId>,
) -> Result<Option<Commit<'r>>, StoreError> {
    match at {
        Some(id) => find_commit(repo, id.oid()?, id.as_str()).map(Some),
        None => match head_oid(repo)? {
            Some(oid) => Ok(Some(repo.find_commit(oid)?)),
            None => Ok(None),
        },
    }
}

/// Looks up a commit, mapping "no such commit" to [`StoreError::RevisionNotFound`].
pub(crate) fn find_commit<'r>(
    repo: &'r Repository,
    oid: Oid,
    shown: &str,
) -> Result<Commit<'r>, StoreError> {
    repo.find_commit(oid)
        .map_err(|e| not_found_as_revision(e, shown))
}

pub(crate) fn resolve_in(repo: &Repository, rev: &Revision) -> Result<Oid, StoreError> {
    match rev.hex() {
        None => head_oid(repo)?.ok_or(StoreError::EmptyRepository),
        Some(hex) if hex.len() == 40 => Ok(find_commit(repo, Oid::from_str(hex)?, hex)?.id()),
        Some(hex) => match repo.find_commit_by_prefix(hex) {
            Ok(commit) => Ok(commit.id()),
            Err(e) if e.code() == ErrorCode::Ambiguous => Err(StoreError::RevisionNotFound(
                format!("{hex} (ambiguous: give more characters)"),
            )),
            Err(e) => Err(not_found_as_revision(e, hex)),
        },
    }
}

fn not_found_as_revision(e: git2::Error, shown: &str) -> StoreError {
    match e.code() {
        ErrorCode::NotFound | ErrorCode::InvalidSpec | ErrorCode::Invalid => {
            StoreError::RevisionNotFound(shown.to_string())
        }
        _ => StoreError::Git(e),
    }
}
