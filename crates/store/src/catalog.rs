//! The file catalog of one commit: every file, plus case-insensitive page and folder lookups.
//!
//! Listing files and resolving page names is on the page-view hot path, so the catalog is built
//! once per commit (one recursive tree walk) and shared as an `Arc`.

use std::collections::HashMap;
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use serde::Serialize;

use crate::error::StoreError;
use crate::pool::lock;
use crate::repo::{WikiRepo, commit_at, head_oid};
use crate::repo_path::RepoPath;
use crate::revision::CommitId;

/// Catalogs kept per wiki (head plus a few historic revisions being browsed).
const CACHED_CATALOGS: usize = 4;

/// One file in a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Where the file lives.
    pub path: RepoPath,
    /// Size in bytes.
    pub size: u64,
    /// The git blob id (40 hex), a stable cache key for the content.
    pub blob_id: String,
}

/// Everything derived from one commit's tree.
pub(crate) struct Catalog {
    pub(crate) commit: Option<Oid>,
    pub(crate) files: Arc<Vec<FileEntry>>,
    /// Every folder, sorted.
    pub(crate) dirs: Vec<RepoPath>,
    /// Page lookup key → indices into `files` of the `.md` files with that key.
    pub(crate) pages: HashMap<String, Vec<usize>>,
    /// Folder lookup key → indices into `dirs`.
    pub(crate) dir_keys: HashMap<String, Vec<usize>>,
}

impl Catalog {
    fn empty() -> Catalog {
        Catalog {
            commit: None,
            files: Arc::new(Vec::new()),
            dirs: Vec::new(),
            pages: HashMap::new(),
            dir_keys: HashMap::new(),
        }
    }

    fn build(repo: &Repository, commit: Oid) -> Result<Catalog, StoreError> {
        let tree = repo.find_commit(commit)?.tree()?;
        let odb = repo.odb()?;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let mut failure = None;
        tree.walk(TreeWalkMode::PreOrder, |root, entry| {
            let Ok(name) = entry.name() else {
                // Not UTF-8: no page or URL can name it, so it is not part of the wiki.
                return TreeWalkResult::Skip;
            };
            // Paths a `RepoPath` would refuse (imported oddities) are left out of the wiki.
            let Ok(path) = RepoPath::parse(&format!("{root}{name}")) else {
                return TreeWalkResult::Skip;
            };
            match entry.kind() {
                Some(ObjectType::Tree) => dirs.push(path),
                // Regular files only: symlinks and submodules are not wiki content.
                Some(ObjectType::Blob) if matches!(entry.filemode(), 0o100644 | 0o100755) => {
                    match odb.read_header(entry.id()) {
                        Ok((size, _)) => files.push(FileEntry {
                            path,
                            size: size as u64,
                            blob_id: entry.id().to_string(),
                        }),
                        Err(e) => {
                            failure = Some(e);
                            return TreeWalkResult::Abort;
                        }
                    }
                }
                _ => {}
            }
            TreeWalkResult::Ok
        })?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        dirs.sort();
        let mut pages: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, file) in files.iter().enumerate() {
            if let Some(stem) = file.path.as_str().strip_suffix(".md") {
                pages.entry(lookup_key(stem)).or_default().push(i);
            }
        }
        let mut dir_keys: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, dir) in dirs.iter().enumerate() {
            dir_keys
                .entry(lookup_key(dir.as_str()))
                .or_default()
                .push(i);
        }
        Ok(Catalog {
            commit: Some(commit),
            files: Arc::new(files),
            dirs,
            pages,
            dir_keys,
        })
    }

    /// The `.md` file for a page lookup key; `exact` (the page's own spelling) wins over other
    /// spellings, then the first in sort order, so the answer is stable.
    pub(crate) fn page(&self, key: &str, exact: &str) -> Option<&RepoPath> {
        let candidates = self.pages.get(key)?;
        let paths = candidates
            .iter()
            .filter_map(|&i| self.files.get(i))
            .map(|f| &f.path);
        pick(paths, exact)
    }

    /// The folder for a folder lookup key, preferring the exact spelling.
    pub(crate) fn dir(&self, key: &str, exact: &str) -> Option<&RepoPath> {
        let candidates = self.dir_keys.get(key)?;
        pick(candidates.iter().filter_map(|&i| self.dirs.get(i)), exact)
    }
}

fn pick<'a>(
    mut paths: impl Iterator<Item = &'a RepoPath> + Clone,
    exact: &str,
) -> Option<&'a RepoPath> {
    paths
        .clone()
        .find(|p| p.as_str() == exact)
        .or_else(|| paths.next())
}

/// The case- and `_`/space-insensitive key shared with page names.
pub(crate) fn lookup_key(path: &str) -> String {
    robot_wiki::lookup_key_for_file(path)
}

impl WikiRepo {
    /// Every regular file at `at` (default: head), sorted by path. Cached per commit.
    pub fn files(&self, at: Option<&CommitId>) -> Result<Arc<Vec<FileEntry>>, StoreError> {
        Ok(self.catalog(at)?.files.clone())
    }

    /// The catalog of `at` (default: head), from the cache when possible.
    pub(crate) fn catalog(&self, at: Option<&CommitId>) -> Result<Arc<Catalog>, StoreError> {
        let commit = self.pool.with(|repo| match at {
            // The hot path: only the ref is read; the commit is loaded when building.
            None => head_oid(repo),
            Some(_) => Ok(commit_at(repo, at)?.map(|c| c.id())),
        })?;
        let Some(commit) = commit else {
            return Ok(Arc::new(Catalog::empty()));
        };
        {
            let mut cache = lock(&self.catalogs);
            if let Some(pos) = cache.iter().position(|c| c.commit == Some(commit)) {
                let hit = cache.remove(pos);
                cache.push(hit.clone());
                return Ok(hit);
            }
        }
        // Built outside the lock: two threads may build the same catalog once, never block readers.
        let built = Arc::new(self.pool.with(|repo| Catalog::build(repo, commit))?);
        let mut cache = lock(&self.catalogs);
        if !cache.iter().any(|c| c.commit == Some(commit)) {
            if cache.len() >= CACHED_CATALOGS {
                cache.remove(0);
            }
            cache.push(built.clone());
        }
        Ok(built)
    }
}
