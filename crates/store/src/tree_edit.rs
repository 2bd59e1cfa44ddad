//! Applying a list of [`Change`]s to a tree, in memory.
//!
//! The tree is loaded into an in-memory `git2::Index` (never the repository's index file, which a
//! bare repository does not have). Its tree cache means writing the result only re-hashes the
//! folders that changed.

use std::path::Path;

use git2::{Index, IndexEntry, IndexTime, Oid, Repository, Tree};

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
