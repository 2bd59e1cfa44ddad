//! Repository maintenance: git's own repack, run beside writers, so that reads stay one pack
//! lookup instead of a file open + inflate per loose object, and the quota counts packed bytes.
//!
//! Why this is safe without the writer lock: `git repack -d --geometric=2` only ever *adds* a
//! pack holding every object of the packs it rolls up and every loose object (reachable or not:
//! nothing is dropped), then deletes those packs and the loose objects now packed
//! (`prune-packed`). An object a writer is writing at the same moment is either still loose or
//! already in a pack: it is never missing. libgit2 re-reads the pack directory when an object is
//! not found, so readers holding an old pack list find it in the new pack. Pushes (which hold
//! the writer lock and add a pack of their own) are likewise never disturbed: a pack that
//! appears during a repack is left alone. So writes never wait for maintenance, and
//! maintenance never waits for writes.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::disk_usage::ObjectCounts;
use crate::error::StoreError;
use crate::pool::lock;
use crate::repo::WikiRepo;

/// Loose objects past which a wiki is packed: well under git's own `gc.auto` (6,700), so a
/// reader never inflates more than a few loose files per lookup.
pub const LOOSE_OBJECTS_LIMIT: u64 = 1_000;
/// Packs past which they are rolled up (each lookup may search every pack).
pub const PACKS_LIMIT: u64 = 16;

/// What one maintenance run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Objects before and after.
    pub before: ObjectCounts,
    /// Objects after.
    pub after: ObjectCounts,
    /// Bytes on disk before.
    pub bytes_before: u64,
    /// Bytes on disk after.
    pub bytes_after: u64,
    /// How long git took.
    pub took: Duration,
}

impl WikiRepo {
    /// True when the repository holds more loose objects or packs than maintenance allows, as
    /// of a measure at most a second old (see `disk_usage.rs`).
    pub fn maintenance_due(&self) -> Result<bool, StoreError> {
        let mut disk = lock(&self.disk);
        disk.current(self.path())?;
        let objects = disk.counts();
        Ok(objects.loose > LOOSE_OBJECTS_LIMIT || objects.packs > PACKS_LIMIT)
    }

    /// How the repository's objects are stored, measured now.
    pub fn object_counts(&self) -> Result<ObjectCounts, StoreError> {
        let mut disk = lock(&self.disk);
        disk.measure(self.path())?;
        Ok(disk.counts())
    }

    /// Packs loose objects and rolls small packs up (`git repack -d --geometric=2`). Runs
    /// beside readers and writers (see the module docs); one run per wiki at a time. Listeners
    /// hear about it so usage is recorded again. (No commit-graph: no read of ours walks
    /// history, and writing one cost the writers beside it more than it saved.)
    pub fn maintain(&self) -> Result<MaintenanceReport, StoreError> {
        let _one = lock(&self.maintenance);
        let (bytes_before, before) = {
            let mut disk = lock(&self.disk);
            (disk.measure(self.path())?, disk.counts())
        };
        let started = Instant::now();
        git(
            self.path(),
            &[
                "repack",
                "-d",
                "-q",
                "--geometric=2",
                "--no-write-bitmap-index",
            ],
        )?;
        let took = started.elapsed();
        let (bytes_after, after) = {
            let mut disk = lock(&self.disk);
            (disk.measure(self.path())?, disk.counts())
        };
        self.observer.notify(self.slug());
        Ok(MaintenanceReport {
            before,
            after,
            bytes_before,
            bytes_after,
            took,
        })
    }
}

/// Runs `git <args>` on the bare repository with a scrubbed environment (no system or user
/// configuration, no prompts, no automatic gc of its own).
fn git(repo: &Path, args: &[&str]) -> Result<(), StoreError> {
    let output = Command::new("git")
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
        )
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .arg("--git-dir")
        .arg(repo)
        .args(["-c", "gc.auto=0", "-c", "maintenance.auto=false"])
        .args(args)
        .output()
        .map_err(|e| StoreError::Maintenance(format!("cannot run git (is it installed?): {e}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StoreError::Maintenance(format!(
            "git {} failed ({}): {}",
            args.first().copied().unwrap_or_default(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}
