//! Per-wiki quotas, enforced by the write path itself so that no surface can forget them.
//!
//! A wiki may hold at most [`Quota::max_bytes`] on disk (the whole bare repository: objects,
//! packs, refs, reflogs) and [`Quota::max_pages`] pages (`.md` files at head). Every write through
//! [`WikiRepo::commit`] (and therefore rename, delete, revert) is checked under the wiki's writer
//! lock, so two writes cannot both squeeze under the limit:
//!
//! 1. **Before anything is written**, from the change set: a change that adds content is refused
//!    when the repository is already at or over its byte quota, or when the content it brings
//!    would push it over; a change that creates pages is refused when there is no room for them.
//!    Refusing here keeps refused uploads off the disk entirely.
//! 2. **After the new tree is built**, from the exact difference to head (this also covers
//!    reverts and merges): the page count may not grow past the limit, and over the byte quota
//!    only pure deletions pass.
//!
//! Deleting is always allowed, so an owner over quota can get back under it. A write that keeps
//! the page count where it is (an edit, a rename) passes the page check even at the limit.

use git2::{Delta, DiffOptions, Oid, Repository};
use serde::Serialize;

use crate::error::StoreError;
use crate::pool::lock;
use crate::repo::{WikiRepo, head_oid};
use crate::revision::CommitId;
use crate::write::Change;

/// How much one wiki may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// Largest on-disk size of the repository, in bytes.
    pub max_bytes: u64,
    /// Most pages (`.md` files) at head.
    pub max_pages: u64,
}

/// What one wiki holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// On-disk size of the bare repository, in bytes.
    pub bytes: u64,
    /// Pages (`.md` files) at head.
    pub pages: u64,
}

/// Why a write was refused: which limit, how much is used, and how much the write wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaExceeded {
    /// Not enough room on disk.
    Bytes {
        /// On-disk size before the write.
        used: u64,
        /// Bytes of content the write brings (0 when it is refused because the wiki is full).
        incoming: u64,
        /// The byte quota.
        limit: u64,
    },
    /// Too many pages.
    Pages {
        /// Pages before the write.
        pages: u64,
        /// Pages the write would add.
        adding: u64,
        /// The page quota.
        limit: u64,
    },
}

impl std::fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            QuotaExceeded::Bytes {
                used,
                incoming,
                limit,
            } if incoming == 0 || used >= limit => write!(
                f,
                "this wiki is full: it uses {} of its {} storage quota (git history included), \
                 so nothing was saved. Deleting pages and attachments still works, but history \
                 keeps their space: ask the operator for a larger quota",
                human_bytes(used),
                human_bytes(limit)
            ),
            QuotaExceeded::Bytes {
                used,
                incoming,
                limit,
            } => write!(
                f,
                "this change adds {} but the wiki has only {} left of its {} storage quota ({} \
                 used, git history included), so nothing was saved. Save something smaller, or \
                 ask the operator for a larger quota",
                human_bytes(incoming),
                human_bytes(limit.saturating_sub(used)),
                human_bytes(limit),
                human_bytes(used)
            ),
            QuotaExceeded::Pages {
                pages,
                adding,
                limit,
            } => write!(
                f,
                "this wiki has {pages} pages and its quota is {limit}, so the {} you are creating \
                 cannot be added and nothing was saved. Delete pages you no longer need (deleting \
                 always works) or ask the operator for a larger quota",
                if adding == 1 {
                    "page".to_string()
                } else {
                    format!("{adding} pages")
                }
            ),
        }
    }
}

/// `1.5 MiB`, `512 KiB`, `800 B`.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.0} KiB", b / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// What a write does to a wiki's size, as far as the quota cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Growth {
    /// True when the write only removes files; such writes always pass.
    pub(crate) only_removes: bool,
    /// Bytes of new content.
    pub(crate) bytes: u64,
    /// Pages added minus pages removed (may be negative).
    pub(crate) pages: i64,
}

impl Growth {
    /// No declared growth: only the exact check on the built tree decides.
    pub(crate) fn decided_by_tree() -> Growth {
        Growth {
            only_removes: true,
            ..Growth::default()
        }
    }

    /// The growth a change set declares, judged against the files at head.
    pub(crate) fn of_changes(changes: &[Change], exists: impl Fn(&str) -> bool) -> Growth {
        let mut growth = Growth {
            only_removes: true,
            ..Growth::default()
        };
        for change in changes {
            match change {
                Change::Write { path, content } => {
                    growth.only_removes = false;
                    growth.bytes = growth.bytes.saturating_add(content.len() as u64);
                    if is_page(path.as_str()) && !exists(path.as_str()) {
                        growth.pages += 1;
                    }
                }
                Change::Move { .. } => growth.only_removes = false,
                Change::Delete { .. } | Change::DeleteTree { .. } => {}
            }
        }
        growth
    }

    /// The exact growth from tree `before` to tree `after` (content already written).
    pub(crate) fn of_trees(
        repo: &Repository,
        before: Option<Oid>,
        after: Oid,
    ) -> Result<Growth, StoreError> {
        let before = before.map(|id| repo.find_tree(id)).transpose()?;
        let after = repo.find_tree(after)?;
        let mut opts = DiffOptions::new();
        opts.skip_binary_check(true);
        let diff = repo.diff_tree_to_tree(before.as_ref(), Some(&after), Some(&mut opts))?;
        let mut growth = Growth {
            only_removes: true,
            ..Growth::default()
        };
        for delta in diff.deltas() {
            let path = |file: git2::DiffFile<'_>| {
                file.path()
                    .and_then(|p| p.to_str())
                    .map(is_page)
                    .unwrap_or(false)
            };
            match delta.status() {
                Delta::Deleted => {
                    if path(delta.old_file()) {
                        growth.pages -= 1;
                    }
                }
                Delta::Added | Delta::Copied => {
                    growth.only_removes = false;
                    if path(delta.new_file()) {
                        growth.pages += 1;
                    }
                }
                _ => growth.only_removes = false,
            }
        }
        Ok(growth)
    }
}

/// A page is a `.md` file, as the catalog counts them.
fn is_page(path: &str) -> bool {
    path.ends_with(".md")
}

/// Checks `growth` against `quota` given the wiki's `usage` before the write.
pub(crate) fn admit(quota: &Quota, usage: &Usage, growth: &Growth) -> Result<(), QuotaExceeded> {
    if growth.only_removes {
        return Ok(());
    }
    if usage.bytes >= quota.max_bytes {
        return Err(QuotaExceeded::Bytes {
            used: usage.bytes,
            incoming: 0,
            limit: quota.max_bytes,
        });
    }
    if usage.bytes.saturating_add(growth.bytes) > quota.max_bytes {
        return Err(QuotaExceeded::Bytes {
            used: usage.bytes,
            incoming: growth.bytes,
            limit: quota.max_bytes,
        });
    }
    if growth.pages > 0 {
        let after = usage.pages.saturating_add(growth.pages.unsigned_abs());
        if after > quota.max_pages {
            return Err(QuotaExceeded::Pages {
                pages: usage.pages,
                adding: growth.pages.unsigned_abs(),
                limit: quota.max_pages,
            });
        }
    }
    Ok(())
}

impl WikiRepo {
    /// Sets the limits every later write of this wiki is checked against (`None`: unlimited).
    /// The platform calls this with the wiki's effective quota before it writes.
    pub fn set_quota(&self, quota: Option<Quota>) {
        *lock(&self.quota) = quota;
    }

    /// The limits writes are checked against now.
    pub fn quota(&self) -> Option<Quota> {
        *lock(&self.quota)
    }

    /// What the wiki holds now: the repository's on-disk size (incrementally re-measured, see
    /// `disk_usage.rs`) and the number of pages at head (from the cached catalog).
    pub fn usage(&self) -> Result<Usage, StoreError> {
        let bytes = lock(&self.disk).measure(self.path())?;
        let head = self.pool.with(head_oid)?;
        // The writer noted the count of the commit it made; no catalog is built per record.
        let pages = self.pages_at(head)?;
        Ok(Usage { bytes, pages })
    }

    /// The usage a writer checks against: [`WikiRepo::usage`] at most a second old, plus what
    /// this process has written since (see `disk_usage.rs`), so busy wikis do not walk their
    /// repository on every write. The background usage recorder reads this too.
    pub fn usage_for_write(&self) -> Result<Usage, StoreError> {
        let bytes = lock(&self.disk).current(self.path())?;
        let head = self.pool.with(head_oid)?;
        let pages = self.pages_at(head)?;
        Ok(Usage { bytes, pages })
    }

    /// Pages at commit `head`: remembered from the last write, else counted from the catalog.
    pub(crate) fn pages_at(&self, head: Option<Oid>) -> Result<u64, StoreError> {
        let Some(head) = head else {
            return Ok(0);
        };
        if let Some((id, pages)) = *lock(&self.page_total)
            && id == head
        {
            return Ok(pages);
        }
        let pages = self.page_count(Some(&CommitId::from_oid(head)))?;
        self.note_pages(head, pages);
        Ok(pages)
    }

    /// Remembers that commit `id` has `pages` pages (a write computed it from its diff).
    pub(crate) fn note_pages(&self, id: Oid, pages: u64) {
        *lock(&self.page_total) = Some((id, pages));
    }

    /// Checks, without writing, whether a change bringing `incoming_bytes` of content and
    /// `new_pages` pages fits the quota. For writers that do not go through
    /// [`WikiRepo::commit`], e.g. a git push, which must refuse the pack before accepting it.
    pub fn admit_growth(&self, incoming_bytes: u64, new_pages: u64) -> Result<(), StoreError> {
        let Some(quota) = self.quota() else {
            return Ok(());
        };
        let growth = Growth {
            only_removes: false,
            bytes: incoming_bytes,
            pages: i64::try_from(new_pages).unwrap_or(i64::MAX),
        };
        admit(&quota, &self.usage_for_write()?, &growth).map_err(StoreError::OverQuota)
    }

    /// Pages (`.md` files) at `at` (default: head).
    pub(crate) fn page_count(&self, at: Option<&CommitId>) -> Result<u64, StoreError> {
        let catalog = self.catalog(at)?;
        Ok(catalog.pages.values().map(|v| v.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: Quota = Quota {
        max_bytes: 1000,
        max_pages: 3,
    };

    fn growth(only_removes: bool, bytes: u64, pages: i64) -> Growth {
        Growth {
            only_removes,
            bytes,
            pages,
        }
    }

    fn usage(bytes: u64, pages: u64) -> Usage {
        Usage { bytes, pages }
    }

    #[test]
    fn room_is_admitted() {
        assert_eq!(
            admit(&QUOTA, &usage(500, 2), &growth(false, 500, 1)),
            Ok(())
        );
        // Edits and renames keep the page count: fine at the page limit.
        assert_eq!(admit(&QUOTA, &usage(10, 3), &growth(false, 5, 0)), Ok(()));
        assert_eq!(admit(&QUOTA, &usage(10, 9), &growth(false, 5, -1)), Ok(()));
    }

    #[test]
    fn full_or_overflowing_wikis_refuse_growth() {
        assert_eq!(
            admit(&QUOTA, &usage(1000, 0), &growth(false, 0, 0)),
            Err(QuotaExceeded::Bytes {
                used: 1000,
                incoming: 0,
                limit: 1000
            })
        );
        assert_eq!(
            admit(&QUOTA, &usage(900, 0), &growth(false, 101, 0)),
            Err(QuotaExceeded::Bytes {
                used: 900,
                incoming: 101,
                limit: 1000
            })
        );
        assert_eq!(
            admit(&QUOTA, &usage(10, 3), &growth(false, 5, 1)),
            Err(QuotaExceeded::Pages {
                pages: 3,
                adding: 1,
                limit: 3
            })
        );
    }

    #[test]
    fn deleting_always_passes() {
        assert_eq!(
            admit(&QUOTA, &usage(5000, 50), &growth(true, 0, -1)),
            Ok(())
        );
    }

    #[test]
    fn messages_say_usage_limit_and_what_to_do() {
        let full = QuotaExceeded::Bytes {
            used: 52 * 1024 * 1024,
            incoming: 0,
            limit: 50 * 1024 * 1024,
        }
        .to_string();
        assert!(full.contains("52.0 MiB of its 50.0 MiB"), "{full}");
        assert!(full.contains("still works"), "{full}");
        let big = QuotaExceeded::Bytes {
            used: 900,
            incoming: 2048,
            limit: 1000,
        }
        .to_string();
        assert!(
            big.contains("adds 2 KiB") && big.contains("only 100 B left"),
            "{big}"
        );
        let pages = QuotaExceeded::Pages {
            pages: 500,
            adding: 1,
            limit: 500,
        }
        .to_string();
        assert!(pages.contains("500 pages and its quota is 500"), "{pages}");
    }

    #[test]
    fn change_sets_declare_their_growth() -> Result<(), StoreError> {
        use crate::repo_path::RepoPath;
        let write = |p: &str, n: usize| -> Result<Change, StoreError> {
            Ok(Change::Write {
                path: RepoPath::parse(p)?,
                content: vec![b'x'; n],
            })
        };
        let exists = |p: &str| p == "Home.md";
        let g = Growth::of_changes(
            &[
                write("Home.md", 3)?,
                write("New.md", 4)?,
                write("New/a.png", 5)?,
            ],
            exists,
        );
        assert_eq!(g, growth(false, 12, 1));
        let delete = Change::Delete {
            path: RepoPath::parse("Home.md")?,
        };
        assert_eq!(Growth::of_changes(&[delete], exists), growth(true, 0, 0));
        Ok(())
    }
}
