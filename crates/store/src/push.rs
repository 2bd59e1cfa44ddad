//! Pushes: `git receive-pack` moves the branch itself, so the store cannot build the commit as it
//! does for every other write. It still owns what every write needs:
//!
//! - **the writer lock**, so no in-process commit interleaves with a push (and the branch's
//!   compare-and-swap in `write.rs` keeps other processes honest);
//! - **the quota**: the pack's size is admitted against the byte quota before git sees it; the
//!   bytes left and the page limit are handed to the caller's ref check (the pre-receive hook),
//!   which measures what the push wrote — the pack git kept and indexed, completed with any base
//!   objects a thin pack left out — and counts the head's pages while the pushed objects are
//!   still quarantined, so a refused push leaves nothing behind;
//! - **the change notification**, so search, usage and every other listener follow a push —
//!   of one commit or fifty — exactly as they follow a commit.

use crate::error::StoreError;
use crate::pool::lock;
use crate::quota::QuotaExceeded;
use crate::repo::{WikiRepo, head_oid};
use crate::revision::CommitId;

/// The room a push has, decided under the writer lock just before `receive-pack` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushBudget {
    /// Most pages the pushed head may hold (`None`: no limit).
    pub max_pages: Option<u64>,
    /// Most bytes the push may add to the repository on disk (`None`: no limit). The request's
    /// size does not bound what a push writes (git completes thin packs and indexes them), so
    /// the caller must check what was written, before any ref moves, against this.
    pub max_bytes: Option<u64>,
}

/// Where the branch was before and after a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// Head before the push.
    pub before: Option<CommitId>,
    /// Head after it (equal to `before` when the push was refused or changed nothing).
    pub after: Option<CommitId>,
}

impl PushOutcome {
    /// Whether the push moved the branch.
    pub fn moved(&self) -> bool {
        self.before != self.after
    }
}

impl WikiRepo {
    /// Bytes a push may still bring before the wiki reaches its byte quota (`None`: no quota).
    /// A hint for refusing oversized bodies early; [`WikiRepo::receive_push`] decides.
    pub fn push_room(&self) -> Result<Option<u64>, StoreError> {
        match self.quota() {
            Some(quota) => Ok(Some(
                quota
                    .max_bytes
                    .saturating_sub(self.usage_for_write()?.bytes),
            )),
            None => Ok(None),
        }
    }

    /// Runs `receive` — which runs `git receive-pack` on [`WikiRepo::path`] with a pack of
    /// `pack_bytes` bytes — under the writer lock, after admitting the pack against the byte
    /// quota. `receive` gets the bytes still left, and must refuse a push that wrote more
    /// (the pack is a lower bound of what lands on disk). Afterwards the repository is measured
    /// again (the pack landed outside the store's running estimate) and, when the branch moved,
    /// the store's listeners are told.
    pub fn receive_push<T>(
        &self,
        pack_bytes: u64,
        receive: impl FnOnce(PushBudget) -> T,
    ) -> Result<(T, PushOutcome), StoreError> {
        let writer = lock(&self.writer);
        // receive-pack would refuse to move a branch a crashed writer left locked.
        self.clear_stale_ref_lock();
        let before = self.pool.with(head_oid)?;
        let budget = match self.quota() {
            Some(quota) => {
                let used = self.usage_for_write()?.bytes;
                if used.saturating_add(pack_bytes) > quota.max_bytes {
                    return Err(StoreError::OverQuota(QuotaExceeded::Bytes {
                        used,
                        incoming: pack_bytes,
                        limit: quota.max_bytes,
                    }));
                }
                PushBudget {
                    max_pages: Some(quota.max_pages),
                    max_bytes: Some(quota.max_bytes.saturating_sub(used)),
                }
            }
            None => PushBudget {
                max_pages: None,
                max_bytes: None,
            },
        };
        let value = receive(budget);
        if let Err(err) = lock(&self.disk).measure(self.path()) {
            // The push is done either way; the next write walks the repository again.
            tracing::warn!(wiki = self.slug(), %err, "measuring after a push failed");
        }
        let after = self.pool.with(head_oid)?;
        drop(writer);
        let outcome = PushOutcome {
            before: before.map(CommitId::from_oid),
            after: after.map(CommitId::from_oid),
        };
        if outcome.moved() {
            self.after_head_moved();
            self.observer.notify(self.slug());
        }
        Ok((value, outcome))
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::quota::Quota;
    use crate::store::Store;
    use crate::write::{Author, Change, CommitRequest};
    use crate::{RepoPath, StoreError};

    fn author() -> Author {
        Author {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        }
    }

    fn git(dir: &std::path::Path, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn a_push_that_moves_the_branch_is_announced_and_measured() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::open(root.path().join("wikis")).expect("store");
        let heard = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&heard);
        store.on_change(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let wiki = store
            .create_wiki(
                "notes",
                &[("Home.md".into(), b"# Home".to_vec())],
                &author(),
                "seed",
            )
            .expect("wiki");
        heard.store(0, Ordering::SeqCst);
        let usage_before = wiki.usage().expect("usage").bytes;

        // A plain `git push` from a clone plays the part of receive-pack.
        let clone = root.path().join("clone");
        let url = wiki.path().to_string_lossy().to_string();
        git(root.path(), &["clone", "-q", &url, "clone"]);
        std::fs::write(clone.join("Pushed.md"), "x".repeat(20_000)).expect("write");
        git(&clone, &["add", "."]);
        git(&clone, &["commit", "-qm", "pushed"]);
        let ((), outcome) = wiki
            .receive_push(0, |_| git(&clone, &["push", "-q", "origin", "main"]))
            .expect("push");

        assert!(outcome.moved());
        assert_eq!(wiki.head().expect("head"), outcome.after);
        assert_eq!(heard.load(Ordering::SeqCst), 1, "listeners hear the push");
        assert!(wiki.usage().expect("usage").bytes > usage_before);
        let path = RepoPath::parse("Pushed.md").expect("path");
        assert!(
            wiki.read(&path, None).expect("read").is_some(),
            "reads see the pushed page"
        );

        // A push that changes nothing is not announced.
        let (_, outcome) = wiki.receive_push(0, |_| ()).expect("no-op");
        assert!(!outcome.moved());
        assert_eq!(heard.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_push_clears_a_branch_lock_a_crashed_writer_left() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::open(root.path().join("wikis")).expect("store");
        let wiki = store
            .create_wiki(
                "notes",
                &[("Home.md".into(), b"# Home".to_vec())],
                &author(),
                "seed",
            )
            .expect("wiki");
        let clone = root.path().join("clone");
        let url = wiki.path().to_string_lossy().to_string();
        git(root.path(), &["clone", "-q", &url, "clone"]);
        std::fs::write(clone.join("New.md"), "new").expect("write");
        git(&clone, &["add", "."]);
        git(&clone, &["commit", "-qm", "new"]);
        let lock = wiki.path().join("refs/heads/main.lock");
        std::fs::write(&lock, "").expect("lock");
        std::fs::File::options()
            .write(true)
            .open(&lock)
            .and_then(|f| {
                f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(600))
            })
            .expect("age the lock");
        let (_, outcome) = wiki
            .receive_push(0, |_| git(&clone, &["push", "-q", "origin", "main"]))
            .expect("push");
        assert!(outcome.moved());
        assert!(!lock.exists());
    }

    #[test]
    fn a_pack_larger_than_the_room_left_is_refused_before_git_runs() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::open(root.path()).expect("store");
        let wiki = store
            .create_wiki(
                "notes",
                &[("Home.md".into(), b"# Home".to_vec())],
                &author(),
                "seed",
            )
            .expect("wiki");
        let used = wiki.usage().expect("usage").bytes;
        wiki.set_quota(Some(Quota {
            max_bytes: used + 1000,
            max_pages: 7,
        }));
        assert_eq!(wiki.push_room().expect("room"), Some(1000));

        let mut ran = false;
        let refused = wiki.receive_push(1001, |_| ran = true);
        assert!(matches!(refused, Err(StoreError::OverQuota(_))));
        assert!(!ran, "git never saw the pack");

        let (budget, _) = wiki.receive_push(1000, |budget| budget).expect("fits");
        assert_eq!(budget.max_pages, Some(7));
        assert_eq!(budget.max_bytes, Some(1000), "the hook gets what is left");

        // Writes through the store after a push still work (the lock was released).
        wiki.commit(CommitRequest {
            author: author(),
            message: "after".into(),
            base: None,
            changes: vec![Change::Write {
                path: RepoPath::parse("After.md").expect("path"),
                content: b"ok".to_vec(),
            }],
        })
        .expect("commit");
    }
}
