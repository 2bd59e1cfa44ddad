//! The on-disk size of a bare repository, kept current cheaply.
//!
//! A wiki's byte quota counts everything git keeps on disk (loose objects, packs, refs, reflogs,
//! config), as `du -sb` would. Walking every loose object after every write would cost O(objects),
//! so the walk caches the total of each object fan-out directory (`objects/ab/`) together with the
//! directory's modification time. Loose objects are immutable and appear or disappear by renames
//! and unlinks, which always touch the directory's mtime, so an unchanged mtime means unchanged
//! contents. Only the fan-out directories changed since the last walk are listed again; everything
//! else (refs, logs, packs, a few dozen files) is stat'ed each time. A refresh after a write
//! therefore costs about 256 directory stats plus a listing of the directories the write touched.
//!
//! File-system timestamps are coarse (one clock tick, a few milliseconds, on Linux; a second or
//! two on old file systems), so two changes to one directory within one tick could leave its
//! mtime unchanged. As git does for its index, a listing is only trusted later when the
//! directory's mtime was at least one [`racy_window`] older than the listing itself.
//!
//! Even so, a walk costs a few hundred `stat` calls (1–3 ms on a slow disk), too much for every
//! write of a busy agent. Writers therefore use [`DiskUsage::current`]: the last walk plus what
//! this process has written since, re-walked when older than [`REMEASURE_AFTER`]. Writes of other
//! processes (a git push in another server) are seen within that delay.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How old the last walk may be before a writer walks again.
pub(crate) const REMEASURE_AFTER: Duration = Duration::from_secs(1);

/// How much older than its listing a directory's mtime must be for the listing to be trusted:
/// a clock tick on file systems with sub-second timestamps, two seconds on the others.
fn racy_window(mtime: SystemTime) -> Duration {
    let subsec = mtime
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    if subsec == 0 {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(100)
    }
}

/// One listed fan-out directory.
#[derive(Debug, Clone, Copy)]
struct Listed {
    mtime: SystemTime,
    listed_at: SystemTime,
    bytes: u64,
    /// Loose objects in it.
    files: u64,
}

impl Listed {
    fn still_valid(&self, mtime: SystemTime) -> bool {
        self.mtime == mtime
            && self
                .listed_at
                .duration_since(self.mtime)
                .is_ok_and(|age| age >= racy_window(self.mtime))
    }
}

/// Cached sizes of one repository's object fan-out directories, and the last total.
#[derive(Debug, Default)]
pub(crate) struct DiskUsage {
    /// `objects/xx` → its last listing.
    fanout: HashMap<PathBuf, Listed>,
    /// When the last walk ran, and its total plus what was noted since.
    last: Option<(Instant, u64)>,
    /// What the last walk counted: loose objects and packs (for maintenance).
    objects: ObjectCounts,
}

/// How a repository's objects are stored, as of the last walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjectCounts {
    /// Objects in their own files (`objects/xx/…`): one file open and inflate per read.
    pub loose: u64,
    /// Pack files (`objects/pack/*.pack`): each one is searched on a lookup.
    pub packs: u64,
}

impl DiskUsage {
    /// The size for a writer's quota check: the last walk plus what this process wrote since,
    /// or a new walk when the last one is older than [`REMEASURE_AFTER`].
    pub(crate) fn current(&mut self, root: &Path) -> io::Result<u64> {
        match self.last {
            Some((at, bytes)) if at.elapsed() < REMEASURE_AFTER => Ok(bytes),
            _ => self.measure(root),
        }
    }

    /// What the last walk counted.
    pub(crate) fn counts(&self) -> ObjectCounts {
        self.objects
    }

    /// Adds what a write just put on disk (an upper estimate) to the running total.
    pub(crate) fn note_written(&mut self, bytes: u64) {
        if let Some((_, total)) = &mut self.last {
            *total = total.saturating_add(bytes);
        }
    }

    /// Walks `root` now: the total size in bytes of every file under it, reusing the listings of
    /// fan-out directories that have not changed.
    pub(crate) fn measure(&mut self, root: &Path) -> io::Result<u64> {
        let listed_at = SystemTime::now();
        let objects = root.join("objects");
        let mut seen = HashSet::new();
        let mut total = 0;
        self.objects = ObjectCounts::default();
        for entry in read_dir_or_empty(root)? {
            let entry = entry?;
            let path = entry.path();
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                // Removed while we walked (a lock file, a ref being rewritten).
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if meta.is_dir() && path == objects {
                total += self.objects(&path, listed_at, &mut seen)?;
            } else if meta.is_dir() {
                total += plain_dir_size(&path)?;
            } else {
                total += meta.len();
            }
        }
        // Fan-out directories that disappeared (a `git gc` prune) leave the cache.
        self.fanout.retain(|dir, _| seen.contains(dir));
        self.last = Some((Instant::now(), total));
        Ok(total)
    }

    fn objects(
        &mut self,
        objects: &Path,
        listed_at: SystemTime,
        seen: &mut HashSet<PathBuf>,
    ) -> io::Result<u64> {
        let mut total = 0;
        for entry in read_dir_or_empty(objects)? {
            let entry = entry?;
            let path = entry.path();
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if !meta.is_dir() {
                total += meta.len();
                continue;
            }
            if !is_fanout(&path) {
                // `pack/` and `info/`: few files, packs can be replaced in place by a repack.
                total += plain_dir_size(&path)?;
                if path.file_name().is_some_and(|n| n == "pack") {
                    self.objects.packs += count_packs(&path)?;
                }
                continue;
            }
            let mtime = meta.modified()?;
            let listed = match self.fanout.get(&path) {
                Some(listed) if listed.still_valid(mtime) => *listed,
                _ => {
                    let (bytes, files) = dir_size_and_files(&path)?;
                    let listed = Listed {
                        mtime,
                        listed_at,
                        bytes,
                        files,
                    };
                    self.fanout.insert(path.clone(), listed);
                    listed
                }
            };
            total += listed.bytes;
            self.objects.loose += listed.files;
            seen.insert(path);
        }
        Ok(total)
    }
}

/// `objects/ab`: two lowercase hex digits.
fn is_fanout(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The total size and number of the files directly in a fan-out directory.
fn dir_size_and_files(dir: &Path) -> io::Result<(u64, u64)> {
    let (mut bytes, mut files) = (0, 0);
    for entry in read_dir_or_empty(dir)? {
        match entry?.metadata() {
            Ok(meta) => {
                bytes += meta.len();
                files += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((bytes, files))
}

/// The `*.pack` files in `objects/pack`.
fn count_packs(dir: &Path) -> io::Result<u64> {
    let mut packs = 0;
    for entry in read_dir_or_empty(dir)? {
        if entry?.path().extension().is_some_and(|e| e == "pack") {
            packs += 1;
        }
    }
    Ok(packs)
}

/// The total size of every file under `dir`, recursively; symlinks count as themselves.
fn plain_dir_size(dir: &Path) -> io::Result<u64> {
    let mut total = 0;
    for entry in read_dir_or_empty(dir)? {
        let entry = entry?;
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            total += plain_dir_size(&entry.path())?;
        } else {
            total += meta.len();
        }
    }
    Ok(total)
}

/// The entries of `dir`; none when it vanished (a directory emptied by a concurrent prune).
fn read_dir_or_empty(dir: &Path) -> io::Result<Box<dyn Iterator<Item = io::Result<fs::DirEntry>>>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(Box::new(entries)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Box::new(std::iter::empty())),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_walk(dir: &Path) -> u64 {
        plain_dir_size(dir).expect("walk")
    }

    #[test]
    fn matches_a_full_walk_and_sees_new_and_removed_objects() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("objects/ab"))?;
        fs::create_dir_all(root.join("objects/pack"))?;
        fs::create_dir_all(root.join("refs/heads"))?;
        fs::write(root.join("HEAD"), "ref: refs/heads/main\n")?;
        fs::write(root.join("objects/ab/cdef"), vec![0u8; 1000])?;
        fs::write(root.join("objects/pack/p.pack"), vec![0u8; 500])?;
        fs::write(root.join("refs/heads/main"), "0".repeat(41))?;
        let mut usage = DiskUsage::default();
        assert_eq!(usage.measure(root)?, full_walk(root));
        assert_eq!(usage.measure(root)?, 1000 + 500 + 41 + 21);
        assert_eq!(usage.counts(), ObjectCounts { loose: 1, packs: 1 });

        // A new object in a directory listed within the racy window: listed again.
        fs::write(root.join("objects/ab/0123"), vec![0u8; 7])?;
        fs::create_dir_all(root.join("objects/cd"))?;
        fs::write(root.join("objects/cd/4567"), vec![0u8; 3])?;
        assert_eq!(usage.measure(root)?, full_walk(root));

        assert_eq!(usage.counts().loose, 3);

        fs::remove_file(root.join("objects/ab/cdef"))?;
        fs::remove_dir_all(root.join("objects/cd"))?;
        assert_eq!(usage.measure(root)?, full_walk(root));
        assert_eq!(usage.counts().loose, 1);
        assert_eq!(usage.fanout.len(), 1);
        Ok(())
    }

    #[test]
    fn trusts_old_directories_and_relists_changed_ones() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        let fan = root.join("objects/ab");
        fs::create_dir_all(&fan)?;
        fs::write(fan.join("x"), vec![0u8; 10])?;
        let mut usage = DiskUsage::default();
        let old = SystemTime::now() - Duration::from_secs(60);
        fs::File::open(&fan)?.set_modified(old)?;
        assert_eq!(usage.measure(root)?, 10);
        // A made-up cache entry with the directory's real (old) mtime is trusted: proof that the
        // cache, not a listing, answered.
        if let Some(listed) = usage.fanout.get_mut(&fan) {
            listed.bytes = 999;
        }
        assert_eq!(usage.measure(root)?, 999);
        assert_eq!(usage.current(root)?, 999);
        usage.note_written(1);
        assert_eq!(usage.current(root)?, 1000, "writers see the running total");
        // A changed mtime forces a listing.
        fs::write(fan.join("y"), vec![0u8; 5])?;
        assert_eq!(usage.measure(root)?, 15);
        Ok(())
    }
}
