//! The file catalog of one commit: every file, plus case-insensitive page and folder lookups.
//!
//! Listing files and resolving page names is on the page-view and write hot paths, so the
//! catalog is made once per commit and shared as an `Arc`: from the catalog of a commit already
//! known plus the diff between the two trees (a save changes one file, so a new head costs its
//! change, not a walk of every folder), or by one recursive tree walk when none is known.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};
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
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Catalog {
    pub(crate) commit: Option<Oid>,
    pub(crate) files: Arc<Vec<FileEntry>>,
    /// Every folder, sorted.
    pub(crate) dirs: Vec<RepoPath>,
    /// Page lookup key → the `.md` files with that key, sorted.
    pub(crate) pages: HashMap<String, Vec<RepoPath>>,
    /// Folder lookup key → the folders with that key, sorted.
    pub(crate) dir_keys: HashMap<String, Vec<RepoPath>>,
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
        let mut pages: HashMap<String, Vec<RepoPath>> = HashMap::new();
        for file in &files {
            if let Some(key) = page_key(&file.path) {
                pages.entry(key).or_default().push(file.path.clone());
            }
        }
        let mut dir_keys: HashMap<String, Vec<RepoPath>> = HashMap::new();
        for dir in &dirs {
            dir_keys
                .entry(lookup_key(dir.as_str()))
                .or_default()
                .push(dir.clone());
        }
        Ok(Catalog {
            commit: Some(commit),
            files: Arc::new(files),
            dirs,
            pages,
            dir_keys,
        })
    }

    /// The catalog of `commit` made from this one (another commit's) and the diff between the
    /// two trees: what [`Catalog::build`] would give, at the cost of the change.
    fn updated(&self, repo: &Repository, commit: Oid) -> Result<Catalog, StoreError> {
        let Some(known) = self.commit else {
            return Catalog::build(repo, commit);
        };
        let old_tree = repo.find_commit(known)?.tree()?;
        let new_tree = repo.find_commit(commit)?.tree()?;
        let diff = repo.diff_tree_to_tree(Some(&old_tree), Some(&new_tree), None)?;
        let odb = repo.odb()?;
        let mut next = Catalog {
            commit: Some(commit),
            files: Arc::new(self.files.as_ref().clone()),
            dirs: self.dirs.clone(),
            pages: self.pages.clone(),
            dir_keys: self.dir_keys.clone(),
        };
        let files = Arc::make_mut(&mut next.files);
        // Folders on a changed path: whether each is still a folder is asked of the new tree.
        let mut folders = BTreeSet::new();
        for delta in diff.deltas() {
            for side in [delta.old_file(), delta.new_file()] {
                if let Some(path) = side.path_bytes() {
                    folders.extend(utf8_ancestors(path));
                }
            }
            if let Some(path) = catalogued(&delta.old_file()) {
                if let Ok(at) = files.binary_search_by(|f| f.path.cmp(&path)) {
                    files.remove(at);
                }
                if let Some(key) = page_key(&path) {
                    remove_sorted(&mut next.pages, key, &path);
                }
            }
            if let Some(path) = catalogued(&delta.new_file()) {
                let (size, _) = odb.read_header(delta.new_file().id())?;
                let entry = FileEntry {
                    path: path.clone(),
                    size: size as u64,
                    blob_id: delta.new_file().id().to_string(),
                };
                match files.binary_search_by(|f| f.path.cmp(&path)) {
                    Ok(at) => files[at] = entry,
                    Err(at) => files.insert(at, entry),
                }
                if let Some(key) = page_key(&path) {
                    insert_sorted(&mut next.pages, key, path);
                }
            }
        }
        for folder in folders {
            let Ok(path) = RepoPath::parse(&folder) else {
                continue;
            };
            let is_folder = is_tree(&new_tree, &folder);
            match (next.dirs.binary_search(&path), is_folder) {
                (Err(at), true) => {
                    next.dirs.insert(at, path.clone());
                    insert_sorted(&mut next.dir_keys, lookup_key(&folder), path);
                }
                (Ok(at), false) => {
                    next.dirs.remove(at);
                    remove_sorted(&mut next.dir_keys, lookup_key(&folder), &path);
                }
                _ => {}
            }
        }
        Ok(next)
    }

    /// The `.md` file for a page lookup key; `exact` (the page's own spelling) wins over other
    /// spellings, then the first in sort order, so the answer is stable.
    pub(crate) fn page(&self, key: &str, exact: &str) -> Option<&RepoPath> {
        pick(self.pages.get(key)?.iter(), exact)
    }

    /// The folder for a folder lookup key, preferring the exact spelling.
    pub(crate) fn dir(&self, key: &str, exact: &str) -> Option<&RepoPath> {
        pick(self.dir_keys.get(key)?.iter(), exact)
    }
}

/// The path of a diff side when the full build would list it: a regular file whose path is a
/// valid [`RepoPath`].
fn catalogued(side: &git2::DiffFile<'_>) -> Option<RepoPath> {
    if !side.exists() || !matches!(u32::from(side.mode()), 0o100644 | 0o100755) {
        return None;
    }
    RepoPath::parse(side.path()?.to_str()?).ok()
}

/// Every folder above a path, as text (folders whose names are not UTF-8 are not in the wiki).
fn utf8_ancestors(path: &[u8]) -> impl Iterator<Item = String> + '_ {
    path.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'/')
        .filter_map(|(i, _)| std::str::from_utf8(&path[..i]).ok().map(String::from))
}

fn is_tree(tree: &Tree<'_>, path: &str) -> bool {
    tree.get_path(std::path::Path::new(path))
        .is_ok_and(|e| e.kind() == Some(ObjectType::Tree))
}

/// The page lookup key of a `.md` file.
fn page_key(path: &RepoPath) -> Option<String> {
    path.as_str().strip_suffix(".md").map(lookup_key)
}

fn insert_sorted(map: &mut HashMap<String, Vec<RepoPath>>, key: String, path: RepoPath) {
    let paths = map.entry(key).or_default();
    if let Err(at) = paths.binary_search(&path) {
        paths.insert(at, path);
    }
}

fn remove_sorted(map: &mut HashMap<String, Vec<RepoPath>>, key: String, path: &RepoPath) {
    if let Some(paths) = map.get_mut(&key) {
        paths.retain(|p| p != path);
        if paths.is_empty() {
            map.remove(&key);
        }
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
        // The most recently used catalog is the best base: usually the head before this one.
        let base = lock(&self.catalogs).last().cloned();
        // Built outside the lock: two threads may build the same catalog once, never block readers.
        let built = Arc::new(self.pool.with(|repo| match &base {
            Some(base) => base.updated(repo, commit),
            None => Catalog::build(repo, commit),
        })?);
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

#[cfg(test)]
mod tests {
    use git2::FileMode;
    use git2::build::TreeUpdateBuilder;
    use proptest::prelude::*;

    use super::*;
    use crate::tree_edit::apply_changes;
    use crate::write::Change;

    /// Paths the random steps pick from: nested folders, names that share a lookup key, a
    /// name that is a file in one commit and a folder in another.
    const PATHS: [&str; 9] = [
        "Home.md",
        "home.md",
        "a/One.md",
        "a/b/Two.md",
        "A/one.md",
        "a/b/c/Three.md",
        "a/b",
        "z/image.png",
        "Big_Page.md",
    ];

    #[derive(Debug, Clone)]
    enum Step {
        Write(usize, u8),
        Delete(usize),
        MoveFolder(bool),
        Symlink(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0usize..PATHS.len(), any::<u8>()).prop_map(|(i, b)| Step::Write(i, b)),
            2 => (0usize..PATHS.len()).prop_map(Step::Delete),
            1 => any::<bool>().prop_map(Step::MoveFolder),
            1 => (0usize..PATHS.len()).prop_map(Step::Symlink),
        ]
    }

    /// The tree after `step`, or `None` when the step does not apply to `tree`.
    fn apply(repo: &Repository, tree: &Tree<'_>, step: &Step) -> Option<Oid> {
        let p = |i: usize| RepoPath::parse(PATHS[i]).expect("path");
        match step {
            Step::Write(i, b) => apply_changes(
                repo,
                Some(tree),
                &[Change::Write {
                    path: p(*i),
                    content: vec![*b; usize::from(*b % 7) + 1],
                }],
            )
            .ok(),
            Step::Delete(i) => {
                apply_changes(repo, Some(tree), &[Change::Delete { path: p(*i) }]).ok()
            }
            Step::MoveFolder(forward) => {
                let (from, to) = if *forward {
                    ("a", "moved/a")
                } else {
                    ("moved/a", "a")
                };
                let change = Change::Move {
                    from: p_str(from),
                    to: p_str(to),
                };
                apply_changes(repo, Some(tree), &[change]).ok()
            }
            Step::Symlink(i) => {
                let target = repo.blob(b"Home.md").ok()?;
                TreeUpdateBuilder::new()
                    .upsert(PATHS[*i], target, FileMode::Link)
                    .create_updated(repo, tree)
                    .ok()
            }
        }
    }

    fn p_str(s: &str) -> RepoPath {
        RepoPath::parse(s).expect("path")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]

        /// A catalog made from the previous commit's catalog and the diff equals the catalog
        /// built by walking the tree, commit after commit (so no difference accumulates).
        #[test]
        fn updated_catalogs_equal_built_ones(steps in proptest::collection::vec(step(), 1..25)) {
            let dir = tempfile::tempdir().expect("tempdir");
            let repo = Repository::init_bare(dir.path()).expect("repo");
            let sig = git2::Signature::now("T", "t@example.org").expect("sig");
            let first = apply_changes(&repo, None, &[Change::Write { path: p_str("Home.md"), content: b"home".to_vec() }]).expect("tree");
            let mut commit = repo
                .commit(None, &sig, &sig, "first", &repo.find_tree(first).expect("tree"), &[])
                .expect("commit");
            let mut catalog = Catalog::build(&repo, commit).expect("build");
            for step in &steps {
                let parent = repo.find_commit(commit).expect("commit");
                let Some(tree) = apply(&repo, &parent.tree().expect("tree"), step) else {
                    continue;
                };
                commit = repo
                    .commit(None, &sig, &sig, "step", &repo.find_tree(tree).expect("tree"), &[&parent])
                    .expect("commit");
                let updated = catalog.updated(&repo, commit).expect("updated");
                let built = Catalog::build(&repo, commit).expect("built");
                prop_assert_eq!(&updated, &built, "after {:?}", step);
                catalog = updated;
            }
        }
    }
}
