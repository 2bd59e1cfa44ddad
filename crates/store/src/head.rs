//! The branch head, remembered while the files that hold it are unchanged.
//!
//! Every page view asks for the head (it names the cached view), and reading it through libgit2
//! opens, reads and closes `refs/heads/main` each time: 15% of an anonymous view's CPU. Git and
//! libgit2 only ever move a ref by writing a lock file and renaming it over the ref, and `git
//! pack-refs` rewrites `packed-refs` the same way, so each move gives the file a new inode. The
//! identity of both files (inode, size, modification and change times) is therefore a stamp of
//! the head: two `stat` calls tell whether the remembered head still holds, also when another
//! process (a push, the CLI, maintenance) moved it.
//!
//! The stamp is taken *before* the head is read: a move in between leaves an old stamp with the
//! new head, which the next call sees as changed and reads again; the other order could pair a
//! new stamp with an old head and keep it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::Oid;

use crate::repo::MAIN_REF;

/// What identifies one version of a file: device, inode, size, modification and change times.
type FileId = (u64, u64, u64, i64, i64, i64, i64);

/// A file's [`FileId`], `None` when the file does not exist.
type FileStamp = Option<FileId>;

/// The stamp of the branch: its loose ref file, or the packed refs when there is none (a loose
/// ref wins over a packed one, so while it exists the packed file cannot change the head).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefStamp {
    Loose(FileId),
    Packed(FileStamp),
}

/// `Some(None)` for a missing file, `None` when it cannot be examined.
fn file_stamp(path: &Path) -> Option<FileStamp> {
    match std::fs::metadata(path) {
        Ok(meta) => Some(Some((
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        ))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Some(None),
        Err(_) => None,
    }
}

/// Where a repository's head lives, and the last head read with the stamp taken before it.
#[derive(Debug)]
pub(crate) struct HeadCache {
    loose: PathBuf,
    packed: PathBuf,
    last: Mutex<Option<(RefStamp, Option<Oid>)>>,
}

impl HeadCache {
    /// The cache of the repository at `repo`.
    pub(crate) fn new(repo: &Path) -> HeadCache {
        HeadCache {
            loose: repo.join(MAIN_REF),
            packed: repo.join("packed-refs"),
            last: Mutex::new(None),
        }
    }

    /// The current stamp, or `None` when a file cannot be examined (then the head is read
    /// without the cache). One `stat` while the loose ref exists, two after refs are packed.
    pub(crate) fn stamp(&self) -> Option<RefStamp> {
        match file_stamp(&self.loose)? {
            Some(loose) => Some(RefStamp::Loose(loose)),
            None => Some(RefStamp::Packed(file_stamp(&self.packed)?)),
        }
    }

    /// The head remembered under `stamp`, if that is still the stamp it was read under.
    pub(crate) fn get(&self, stamp: RefStamp) -> Option<Option<Oid>> {
        let cached = self.last.lock().ok()?;
        cached
            .as_ref()
            .filter(|(seen, _)| *seen == stamp)
            .map(|(_, head)| *head)
    }

    /// Remembers `head`, read after `stamp` was taken.
    pub(crate) fn put(&self, stamp: RefStamp, head: Option<Oid>) {
        if let Ok(mut cached) = self.last.lock() {
            *cached = Some((stamp, head));
        }
    }
}
