//! Free space on the filesystem that holds the data directory, for the status page: a full disk
//! stops every commit, so operators should see it coming.

use std::path::Path;

/// Below this share of free space the status page warns.
pub const LOW_FREE_PERCENT: u64 = 10;

/// Space on one filesystem, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskSpace {
    /// Bytes an unprivileged process may still write (root's reserve left out).
    pub free: u64,
    /// Size of the filesystem.
    pub total: u64,
}

impl DiskSpace {
    /// Free space as a whole percentage of the total (0 for an empty or unknown total).
    pub fn free_percent(&self) -> u64 {
        if self.total == 0 {
            return 0;
        }
        u64::try_from(u128::from(self.free) * 100 / u128::from(self.total)).unwrap_or(100)
    }

    /// Whether less than [`LOW_FREE_PERCENT`] of the filesystem is free.
    pub fn is_low(&self) -> bool {
        u128::from(self.free) * 100 < u128::from(self.total) * u128::from(LOW_FREE_PERCENT)
    }
}

/// The space of the filesystem holding `path` (statvfs), or `None` when it cannot be read.
/// Blocking: call it from `spawn_blocking`.
#[cfg(unix)]
pub fn disk_space(path: &Path) -> Option<DiskSpace> {
    let stats = rustix::fs::statvfs(path)
        .map_err(|err| tracing::warn!(path = %path.display(), %err, "statvfs failed"))
        .ok()?;
    // Block counts are in fragment-size units (`f_frsize`), not `f_bsize`.
    let unit = stats.f_frsize;
    Some(DiskSpace {
        free: stats.f_bavail.saturating_mul(unit),
        total: stats.f_blocks.saturating_mul(unit),
    })
}

/// Not measured on platforms without statvfs.
#[cfg(not(unix))]
pub fn disk_space(_path: &Path) -> Option<DiskSpace> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_ten_percent_free_is_low() {
        let space = |free, total| DiskSpace { free, total };
        assert!(space(99, 1000).is_low());
        assert!(!space(100, 1000).is_low());
        assert!(!space(500, 1000).is_low());
        assert!(space(0, 1000).is_low());
        assert_eq!(space(99, 1000).free_percent(), 9);
        assert_eq!(space(u64::MAX, u64::MAX).free_percent(), 100);
        assert_eq!(space(0, 0).free_percent(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn reads_the_filesystem_of_a_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let space = disk_space(dir.path()).expect("statvfs");
        assert!(space.total > 0);
        assert!(space.free <= space.total);
        assert_eq!(disk_space(&dir.path().join("missing")), None);
    }
}
