//! A consistent copy of a live repository, for backups.
//!
//! Git writes objects before the refs that point at them, and never deletes objects here (the
//! server runs no `gc`). So copying the refs first and the objects second gives a copy in which
//! every ref points at objects that are there — while writers keep going — without the `git`
//! binary and without stopping the server. The copy is checked by resolving its head.

use std::fs;
use std::io;
use std::path::Path;

use git2::Repository;

use crate::error::StoreError;
use crate::repo::{WikiRepo, head_oid};
use crate::revision::CommitId;

impl WikiRepo {
    /// Copies the repository to `dest` (which must not exist) and returns the head the copy
    /// holds.
    pub fn copy_to(&self, dest: &Path) -> Result<Option<CommitId>, StoreError> {
        if dest.exists() {
            return Err(StoreError::Io(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already exists", dest.display()),
            )));
        }
        fs::create_dir_all(dest)?;
        let source = self.path();
        // Everything but the objects first: HEAD, config, packed-refs, refs/.
        for entry in fs::read_dir(source)? {
            let entry = entry?;
            if entry.file_name() != "objects" {
                copy_tree(&entry.path(), &dest.join(entry.file_name()))?;
            }
        }
        copy_tree(&source.join("objects"), &dest.join("objects"))?;
        let copy = Repository::open_bare(dest)?;
        Ok(head_oid(&copy)?.map(CommitId::from_oid))
    }
}

/// Copies a file or a directory tree, leaving out what belongs to writes in progress: lock
/// files and the quarantine directories of pushes (`incoming-*`, `tmp_objdir-*`).
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let name = from
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.ends_with(".lock") || name.starts_with("incoming-") || name.starts_with("tmp_objdir") {
        return Ok(());
    }
    let meta = match fs::symlink_metadata(from) {
        Ok(meta) => meta,
        // Removed while we walked (a lock released, a ref packed).
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else if meta.is_file() {
        match fs::copy(from, to) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    } else {
        // Repositories hold no symlinks or special files of their own; leave them out.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;
    use crate::write::{Author, Change, CommitRequest};
    use crate::{RepoPath, StoreError};

    #[test]
    fn a_copy_holds_the_same_history_and_reads_like_the_original() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::open(root.path().join("wikis")).expect("store");
        let author = Author {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        };
        let wiki = store
            .create_wiki(
                "notes",
                &[("Home.md".into(), b"# Home".to_vec())],
                &author,
                "seed",
            )
            .expect("wiki");
        wiki.commit(CommitRequest {
            author,
            message: "more".into(),
            base: None,
            changes: vec![Change::Write {
                path: RepoPath::parse("Ideas.md").expect("path"),
                content: b"# Ideas".to_vec(),
            }],
        })
        .expect("commit");

        let backup = root.path().join("backup");
        let dest = backup.join("notes.git");
        let head = wiki.copy_to(&dest).expect("copy");
        assert_eq!(head, wiki.head().expect("head"));
        let copy = Store::open(&backup).expect("backup store");
        let restored = copy.wiki("notes").expect("opens");
        let path = RepoPath::parse("Ideas.md").expect("path");
        assert_eq!(
            restored.read(&path, None).expect("read").map(|f| f.bytes),
            Some(b"# Ideas".to_vec())
        );
        assert!(
            matches!(wiki.copy_to(&dest), Err(StoreError::Io(_))),
            "never overwrites"
        );
    }
}
