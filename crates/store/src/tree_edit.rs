//! Applying a list of [`Change`]s to a tree, in memory.
//!
//! Writes and deletes of separate files (every save, from every surface) edit the base tree in
//! place: only the folders on the changed paths are read and written again
//! (`git_tree_create_updated`), so a save costs the same in a wiki of ten pages or ten thousand.
//! Everything else (moves, folder deletes, several changes on one path, the first commit) loads
//! the tree into an in-memory `git2::Index` (never the repository's index file, which a bare
//! repository does not have), whose tree cache re-hashes only the folders that changed but
//! which reads every folder of the tree first.

use std::collections::BTreeSet;
use std::path::Path;

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Index, IndexEntry, IndexTime, ObjectType, Oid, Repository, Tree};

use crate::error::StoreError;
use crate::repo_path::RepoPath;
use crate::write::Change;

const MODE_FILE: u32 = 0o100644;
const MODE_EXECUTABLE: u32 = 0o100755;

/// Applies `changes` in order to `base` (or to the empty tree) and writes the resulting tree.
pub(crate) fn apply_changes(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    changes: &[Change],
) -> Result<Oid, StoreError> {
    if let Some(base) = base
        && let Some(edits) = separate_file_edits(changes)
    {
        return edit_in_place(repo, base, &edits);
    }
    apply_through_index(repo, base, changes)
}

/// A write or delete of one file.
enum FileEdit<'a> {
    Write(&'a RepoPath, &'a [u8]),
    Delete(&'a RepoPath),
}

impl FileEdit<'_> {
    fn path(&self) -> &RepoPath {
        match self {
            FileEdit::Write(path, _) | FileEdit::Delete(path) => path,
        }
    }
}

/// `changes` as file edits when they are only writes and deletes, no path twice and none
/// inside another: then each can be checked against the base tree alone, and the result does
/// not depend on their order.
fn separate_file_edits(changes: &[Change]) -> Option<Vec<FileEdit<'_>>> {
    let edits = changes
        .iter()
        .map(|change| match change {
            Change::Write { path, content } => Some(FileEdit::Write(path, content)),
            Change::Delete { path } => Some(FileEdit::Delete(path)),
            Change::DeleteTree { .. } | Change::Move { .. } => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let mut paths = BTreeSet::new();
    if !edits.iter().all(|edit| paths.insert(edit.path().as_str())) {
        return None;
    }
    let nested = edits.iter().any(|edit| {
        edit.path()
            .ancestors()
            .any(|ancestor| paths.contains(ancestor))
    });
    (!nested).then_some(edits)
}

/// [`apply_changes`] for [`separate_file_edits`]: the same checks and errors as the index path,
/// answered by path lookups in `base`, then one `git_tree_create_updated`.
fn edit_in_place(
    repo: &Repository,
    base: &Tree<'_>,
    edits: &[FileEdit<'_>],
) -> Result<Oid, StoreError> {
    let mut updates = TreeUpdateBuilder::new();
    for edit in edits {
        match *edit {
            FileEdit::Write(path, content) => {
                for ancestor in path.ancestors() {
                    if entry_kind(base, ancestor).is_some_and(|(kind, _)| kind != ObjectType::Tree)
                    {
                        return Err(StoreError::InvalidPath(format!(
                            "`{ancestor}` is a file, so `{path}` cannot be created inside it; choose another name"
                        )));
                    }
                }
                let mode = match entry_kind(base, path.as_str()) {
                    Some((ObjectType::Tree, _)) => {
                        return Err(StoreError::InvalidPath(format!(
                            "`{path}` is a folder; choose another file name"
                        )));
                    }
                    Some((_, mode)) if mode == MODE_EXECUTABLE as i32 => FileMode::BlobExecutable,
                    _ => FileMode::Blob,
                };
                updates.upsert(path.as_str(), repo.blob(content)?, mode);
            }
            FileEdit::Delete(path) => {
                match entry_kind(base, path.as_str()) {
                    Some((kind, _)) if kind != ObjectType::Tree => {}
                    _ => return Err(StoreError::NotFound(path.to_string())),
                }
                updates.remove(path.as_str());
            }
        }
    }
    Ok(updates.create_updated(repo, base)?)
}

/// The kind and file mode of the entry at `path` in `tree`, if there is one.
fn entry_kind(tree: &Tree<'_>, path: &str) -> Option<(ObjectType, i32)> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    Some((entry.kind()?, entry.filemode()))
}

/// [`apply_changes`] through an in-memory index: any list of changes, applied in order.
fn apply_through_index(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    changes: &[Change],
) -> Result<Oid, StoreError> {
    let mut index = Index::new()?;
    if let Some(tree) = base {
        index.read_tree(tree)?;
    }
    for change in changes {
        match change {
            Change::Write { path, content } => {
                ensure_creatable(&index, path)?;
                let mode = match index.get_path(Path::new(path.as_str()), 0) {
                    Some(old) if old.mode == MODE_EXECUTABLE => MODE_EXECUTABLE,
                    _ => MODE_FILE,
                };
                let id = repo.blob(content)?;
                index.add(&entry(path.as_str(), id, mode, content.len()))?;
            }
            Change::Delete { path } => {
                if index.get_path(Path::new(path.as_str()), 0).is_none() {
                    return Err(StoreError::NotFound(path.to_string()));
                }
                index.remove(Path::new(path.as_str()), 0)?;
            }
            Change::DeleteTree { prefix } => {
                if dir_entries(&index, prefix).is_empty() {
                    return Err(StoreError::NotFound(prefix.to_string()));
                }
                index.remove_dir(Path::new(prefix.as_str()), 0)?;
            }
            Change::Move { from, to } => move_path(&mut index, from, to)?,
        }
    }
    Ok(index.write_tree_to(repo)?)
}

/// A file may be written at `path` unless a folder is there or one of its folders is a file.
fn ensure_creatable(index: &Index, path: &RepoPath) -> Result<(), StoreError> {
    for ancestor in path.ancestors() {
        if index.get_path(Path::new(ancestor), 0).is_some() {
            return Err(StoreError::InvalidPath(format!(
                "`{ancestor}` is a file, so `{path}` cannot be created inside it; choose another name"
            )));
        }
    }
    if !dir_entries(index, path).is_empty() {
        return Err(StoreError::InvalidPath(format!(
            "`{path}` is a folder; choose another file name"
        )));
    }
    Ok(())
}

/// Every entry inside the folder `dir` (not `dir` itself), in index order.
fn dir_entries(index: &Index, dir: &RepoPath) -> Vec<IndexEntry> {
    let prefix = format!("{dir}/");
    let Ok(start) = index.find_prefix(prefix.as_str()) else {
        return Vec::new();
    };
    (start..index.len())
        .map_while(|i| index.get(i))
        .take_while(|e| e.path.starts_with(prefix.as_bytes()))
        .collect()
}

/// Moves a file, or a whole folder, from `from` to `to`.
fn move_path(index: &mut Index, from: &RepoPath, to: &RepoPath) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    if let Some(file) = index.get_path(Path::new(from.as_str()), 0) {
        if index.get_path(Path::new(to.as_str()), 0).is_some() {
            return Err(StoreError::PageExists(to.to_string()));
        }
        ensure_creatable(index, to)?;
        index.remove(Path::new(from.as_str()), 0)?;
        index.add(&IndexEntry {
            path: to.as_str().as_bytes().to_vec(),
            ..file
        })?;
        return Ok(());
    }
    let moved = dir_entries(index, from);
    if moved.is_empty() {
        return Err(StoreError::NotFound(from.to_string()));
    }
    if to.starts_with(from) {
        return Err(StoreError::InvalidPath(format!(
            "cannot move the folder `{from}` into itself (`{to}`)"
        )));
    }
    if index.get_path(Path::new(to.as_str()), 0).is_some() {
        return Err(StoreError::PageExists(to.to_string()));
    }
    for ancestor in to.ancestors() {
        if index.get_path(Path::new(ancestor), 0).is_some() {
            return Err(StoreError::InvalidPath(format!(
                "`{ancestor}` is a file, so `{to}` cannot be created inside it"
            )));
        }
    }
    let from_prefix = from.as_str().len() + 1;
    let mut targets = Vec::with_capacity(moved.len());
    for e in &moved {
        let rest = String::from_utf8_lossy(&e.path[from_prefix..]);
        let target = format!("{to}/{rest}");
        // Moving into an existing folder is fine as long as no file would be overwritten.
        if index.get_path(Path::new(&target), 0).is_some() {
            return Err(StoreError::PageExists(target));
        }
        targets.push(target);
    }
    index.remove_dir(Path::new(from.as_str()), 0)?;
    for (e, target) in moved.into_iter().zip(targets) {
        index.add(&IndexEntry {
            path: target.into_bytes(),
            ..e
        })?;
    }
    Ok(())
}

fn entry(path: &str, id: Oid, mode: u32, len: usize) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode,
        uid: 0,
        gid: 0,
        file_size: u32::try_from(len).unwrap_or(u32::MAX),
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Paths the random edits pick from: nested, sharing folders, one a prefix-lookalike.
    const PATHS: [&str; 8] = [
        "Home.md",
        "a/One.md",
        "a/Two.md",
        "a/b/Three.md",
        "a/b/c/Four.md",
        "ab.md",
        "z/Five.md",
        "a",
    ];

    fn base_tree(repo: &Repository, files: &[(usize, u8)]) -> Oid {
        let changes: Vec<Change> = files
            .iter()
            .map(|&(i, byte)| Change::Write {
                path: RepoPath::parse(PATHS[i]).expect("path"),
                content: vec![byte; 3],
            })
            .collect();
        apply_through_index(repo, None, &changes).expect("base")
    }

    fn outcome(result: Result<Oid, StoreError>) -> Result<Oid, String> {
        // Same kind of refusal; messages may name the first failing path in another order.
        result.map_err(|e| match e {
            StoreError::NotFound(_) => "not found".to_string(),
            StoreError::InvalidPath(_) => "invalid path".to_string(),
            other => format!("{other}"),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Editing in place gives the very tree (or the same refusal) that the index gives, on
        /// random trees and random separate writes and deletes, empty folders included.
        #[test]
        fn in_place_edits_equal_the_index(
            files in proptest::collection::vec((0usize..7, any::<u8>()), 1..6),
            edits in proptest::collection::vec((0usize..8, proptest::option::of(any::<u8>())), 1..4),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let repo = Repository::init_bare(dir.path()).expect("repo");
            // A file at `a` and files under `a/` cannot both exist: the base keeps whichever
            // the index accepts, by building it change by change.
            let mut kept: Vec<(usize, u8)> = Vec::new();
            for file in files {
                let mut trial = kept.clone();
                trial.push(file);
                if apply_through_index(&repo, None, &trial.iter().map(|&(i, b)| Change::Write {
                    path: RepoPath::parse(PATHS[i]).expect("path"),
                    content: vec![b; 3],
                }).collect::<Vec<_>>()).is_ok() {
                    kept = trial;
                }
            }
            let base = repo.find_tree(base_tree(&repo, &kept)).expect("tree");
            let changes: Vec<Change> = edits
                .iter()
                .map(|&(i, byte)| {
                    let path = RepoPath::parse(PATHS[i]).expect("path");
                    match byte {
                        Some(b) => Change::Write { path, content: vec![b; 2] },
                        None => Change::Delete { path },
                    }
                })
                .collect();
            let Some(edits) = separate_file_edits(&changes) else {
                return Ok(());
            };
            let fast = outcome(edit_in_place(&repo, &base, &edits));
            let slow = outcome(apply_through_index(&repo, Some(&base), &changes));
            prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn only_separate_file_edits_take_the_in_place_path() {
        let p = |s: &str| RepoPath::parse(s).expect("path");
        let write = |s: &str| Change::Write {
            path: p(s),
            content: b"x".to_vec(),
        };
        assert!(separate_file_edits(&[write("a/One.md"), write("b/Two.md")]).is_some());
        assert!(
            separate_file_edits(&[write("a.md"), write("a.md")]).is_none(),
            "a path twice"
        );
        assert!(
            separate_file_edits(&[write("a"), write("a/One.md")]).is_none(),
            "one inside another"
        );
        assert!(
            separate_file_edits(&[Change::Move {
                from: p("a.md"),
                to: p("b.md")
            }])
            .is_none()
        );
        assert!(separate_file_edits(&[Change::DeleteTree { prefix: p("a") }]).is_none());
    }
}
