//! The one write path: every change to a wiki is one commit made here.
//!
//! 1. The wiki's writer mutex serializes writers inside this process.
//! 2. Under it, the head is read fresh from disk and the new tree is built from it: the changes
//!    applied to head's tree, or, when the caller edited an older `base`, a three-way merge of
//!    (base, head, base + changes).
//! 3. The commit object is written and `refs/heads/main` is moved with a compare-and-swap on the
//!    head read in step 2. If another process moved the branch in between, the CAS fails and the
//!    whole build is retried on the new head, so no one's commit is ever overwritten.
//!
//! When the wiki has a [`crate::Quota`], the change is checked against it under the same lock,
//! before anything is written and again on the built tree (see `quota.rs`). After a commit, the
//! store's listeners (`Store::on_change`) are told, outside the lock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use git2::{Commit, ErrorCode, MergeOptions, Oid, Repository, Signature, Tree};
use serde::Serialize;

use crate::error::StoreError;
use crate::pool::lock;
use crate::quota::{Growth, Usage, admit};
use crate::repo::{MAIN_REF, WikiRepo, find_commit, head_oid, resolve_in};
use crate::repo_path::RepoPath;
use crate::revision::{CommitId, Revision};
use crate::tree_edit::apply_changes;

/// Committer of every commit; the author is the acting user.
const COMMITTER_NAME: &str = "robot.wtf";
const COMMITTER_EMAIL: &str = "system@robot.wtf";
/// Author email used when the user has none (git requires one).
const NO_EMAIL: &str = "noreply@robot.wtf";
/// Room a commit object and its reflog line take, for the running usage estimate.
const COMMIT_OVERHEAD: u64 = 512;
/// How often a build is retried when another process keeps moving the branch.
const MAX_ATTEMPTS: u32 = 50;

/// The person (or agent) a change is attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    /// Display name; `Anonymous` is used when empty.
    pub name: String,
    /// Email; `noreply@robot.wtf` is used when empty, since git requires one.
    pub email: String,
}

impl Author {
    /// An author from a display name and an email.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Author {
        Author {
            name: name.into(),
            email: email.into(),
        }
    }

    /// A git signature for now; characters git cannot store (`<`, `>`, newlines, NUL) are dropped.
    pub(crate) fn signature(&self) -> Result<Signature<'static>, StoreError> {
        let name = clean_ident(&self.name);
        let email = clean_ident(&self.email);
        Ok(Signature::now(
            if name.is_empty() { "Anonymous" } else { &name },
            if email.is_empty() { NO_EMAIL } else { &email },
        )?)
    }
}

fn clean_ident(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '<' | '>') && !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// One change to the tree, applied in order within a [`CommitRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create or replace a file. Fails with [`StoreError::InvalidPath`] when a folder is at `path`
    /// or a folder on the way is a file.
    Write {
        /// Where to write.
        path: RepoPath,
        /// The new content.
        content: Vec<u8>,
    },
    /// Delete one file ([`StoreError::NotFound`] if it is not there).
    Delete {
        /// The file to delete.
        path: RepoPath,
    },
    /// Delete a folder and everything in it ([`StoreError::NotFound`] if it is empty or missing).
    DeleteTree {
        /// The folder to delete.
        prefix: RepoPath,
    },
    /// Move a file, or a whole folder, to a new path. Never overwrites: an existing target file
    /// is [`StoreError::PageExists`]. A folder may be moved into an existing folder when no file
    /// collides.
    Move {
        /// Current path.
        from: RepoPath,
        /// New path.
        to: RepoPath,
    },
}

/// A change set to commit.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    /// Who made the change.
    pub author: Author,
    /// The commit message.
    pub message: String,
    /// The revision the user started editing from; `None` applies the changes to the current
    /// head as they are. When it is older than head, non-overlapping edits are merged and
    /// overlapping ones are refused with [`StoreError::Conflict`].
    pub base: Option<CommitId>,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommitOutcome {
    /// A new commit is now the head.
    Committed {
        /// The new commit.
        id: CommitId,
        /// True when the change was three-way merged onto a head newer than its base.
        merged: bool,
    },
    /// The change left the tree as it was; no commit was made.
    Unchanged {
        /// The head, unchanged.
        head: CommitId,
    },
}

impl CommitOutcome {
    /// The head after the write: the new commit, or the unchanged head.
    pub fn id(&self) -> &CommitId {
        match self {
            CommitOutcome::Committed { id, .. } => id,
            CommitOutcome::Unchanged { head } => head,
        }
    }

    /// True when a commit was made.
    pub fn is_committed(&self) -> bool {
        matches!(self, CommitOutcome::Committed { .. })
    }
}

/// A tree built by a write, before it is committed.
pub(crate) struct Built {
    pub(crate) tree: Oid,
    pub(crate) merged: bool,
}

impl WikiRepo {
    /// Commits a change set as one commit on `refs/heads/main`; see the module docs.
    pub fn commit(&self, req: CommitRequest) -> Result<CommitOutcome, StoreError> {
        let base = req.base.as_ref().map(CommitId::oid).transpose()?;
        let declared = match self.quota() {
            // Judged against head's tree by path lookups (no catalog build on the write path).
            Some(_) => self.pool.with(|repo| {
                let tree = match head_oid(repo)? {
                    Some(oid) => Some(repo.find_commit(oid)?.tree()?),
                    None => None,
                };
                Ok(Growth::of_changes(&req.changes, |path| {
                    tree.as_ref()
                        .is_some_and(|t| t.get_path(std::path::Path::new(path)).is_ok())
                }))
            })?,
            None => Growth::default(),
        };
        self.write_with(&req.author, &req.message, declared, |repo, head| {
            build_tree(repo, head, base, &req.changes)
        })
    }

    /// Makes a new commit on top of head that undoes `rev`. [`StoreError::Conflict`] when later
    /// changes touch the same lines; [`CommitOutcome::Unchanged`] when it is already undone.
    pub fn revert(
        &self,
        rev: &Revision,
        author: &Author,
        message: &str,
    ) -> Result<CommitOutcome, StoreError> {
        // A revert can bring back anything or only remove; the exact check on the built tree
        // decides.
        self.write_with(author, message, Growth::decided_by_tree(), |repo, head| {
            let head = head.ok_or(StoreError::EmptyRepository)?;
            let target = repo.find_commit(resolve_in(repo, rev)?)?;
            let mainline = if target.parent_count() > 1 { 1 } else { 0 };
            let mut index = repo.revert_commit(&target, head, mainline, None)?;
            if index.has_conflicts() {
                return Err(conflict(head.id(), &index)?);
            }
            Ok(Built {
                tree: index.write_tree_to(repo)?,
                merged: false,
            })
        })
    }

    /// The engine behind every write: lock, check the quota against the `declared` growth, build
    /// from the fresh head, check the built tree, commit, compare-and-swap, tell the hook.
    pub(crate) fn write_with(
        &self,
        author: &Author,
        message: &str,
        declared: Growth,
        build: impl FnMut(&Repository, Option<&Commit<'_>>) -> Result<Built, StoreError>,
    ) -> Result<CommitOutcome, StoreError> {
        let writer = lock(&self.writer);
        let outcome = self.write_locked(author, message, declared, build);
        drop(writer);
        if let Ok(CommitOutcome::Committed { .. }) = &outcome {
            self.after_head_moved();
            self.observer.notify(self.slug());
        }
        outcome
    }

    fn write_locked(
        &self,
        author: &Author,
        message: &str,
        declared: Growth,
        mut build: impl FnMut(&Repository, Option<&Commit<'_>>) -> Result<Built, StoreError>,
    ) -> Result<CommitOutcome, StoreError> {
        let author = author.signature()?;
        let committer = Signature::now(COMMITTER_NAME, COMMITTER_EMAIL)?;
        let message = clean_message(message);
        // The size is taken before anything of this write reaches the disk.
        let budget = match self.quota() {
            Some(quota) => Some((quota, lock(&self.disk).current(self.path())?)),
            None => None,
        };
        self.pool.with(|repo| {
            let mut last_head = None;
            for attempt in 0..MAX_ATTEMPTS {
                let head = match head_oid(repo)? {
                    Some(oid) => Some(repo.find_commit(oid)?),
                    None => None,
                };
                let before = match &budget {
                    Some((quota, bytes)) => {
                        let usage = Usage {
                            bytes: *bytes,
                            pages: self.pages_at(head.as_ref().map(Commit::id))?,
                        };
                        admit(quota, &usage, &declared).map_err(StoreError::OverQuota)?;
                        Some(usage)
                    }
                    None => None,
                };
                let built = match build(repo, head.as_ref()) {
                    Err(StoreError::Git(e)) if object_dir_vanished(&e) => {
                        backoff(attempt);
                        continue;
                    }
                    built => built?,
                };
                match &head {
                    Some(h) if h.tree_id() == built.tree => {
                        return Ok(CommitOutcome::Unchanged {
                            head: CommitId::from_oid(h.id()),
                        });
                    }
                    None if built.tree == empty_tree(repo)? => {
                        return Err(StoreError::NothingToCommit);
                    }
                    _ => {}
                }
                let mut pages_after = None;
                if let (Some((quota, _)), Some(before)) = (&budget, &before) {
                    let exact =
                        Growth::of_trees(repo, head.as_ref().map(Commit::tree_id), built.tree)?;
                    admit(quota, before, &exact).map_err(StoreError::OverQuota)?;
                    pages_after = Some(before.pages.saturating_add_signed(exact.pages));
                }
                let tree = repo.find_tree(built.tree)?;
                let parents: Vec<&Commit<'_>> = head.iter().collect();
                let new = match repo.commit(None, &author, &committer, &message, &tree, &parents) {
                    Err(e) if object_dir_vanished(&e) => {
                        backoff(attempt);
                        continue;
                    }
                    new => new?,
                };
                let expected = head.as_ref().map_or(Oid::ZERO_SHA1, Commit::id);
                let reflog = format!("commit: {}", message.lines().next().unwrap_or_default());
                match repo.reference_matching(MAIN_REF, new, true, expected, &reflog) {
                    Ok(_) => {
                        if let Some(pages) = pages_after {
                            self.note_written(repo, &declared, built.tree);
                            self.note_pages(new, pages);
                        }
                        return Ok(CommitOutcome::Committed {
                            id: CommitId::from_oid(new),
                            merged: built.merged,
                        });
                    }
                    // Another process moved (or is moving) the branch: rebuild on its new head.
                    Err(e)
                        if matches!(
                            e.code(),
                            ErrorCode::Modified | ErrorCode::Locked | ErrorCode::Exists
                        ) =>
                    {
                        tracing::debug!(
                            wiki = self.slug(),
                            attempt,
                            "branch moved under us; retrying"
                        );
                        if e.code() == ErrorCode::Locked {
                            self.clear_stale_ref_lock();
                        }
                        last_head = head.map(|h| h.id());
                        backoff(attempt);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let head = head_oid(repo)?
                .or(last_head)
                .ok_or(StoreError::EmptyRepository)?;
            Err(StoreError::Conflict {
                head: CommitId::from_oid(head),
                paths: Vec::new(),
            })
        })
    }
}

impl WikiRepo {
    /// Adds an upper estimate of what a commit put on disk to the running usage: its content
    /// (uncompressed, git stores it compressed), the root tree it rewrote and the commit object.
    /// Never fails: the commit is made, and the next walk corrects any estimate.
    fn note_written(&self, repo: &Repository, declared: &Growth, tree: Oid) {
        let tree_bytes = repo
            .odb()
            .and_then(|odb| odb.read_header(tree))
            .map_or(0, |(size, _)| size);
        let estimate = declared
            .bytes
            .saturating_add(tree_bytes as u64)
            .saturating_add(COMMIT_OVERHEAD);
        lock(&self.disk).note_written(estimate);
    }
}

/// The new tree for a change set: applied to head, or merged when `base` is older than head.
fn build_tree(
    repo: &Repository,
    head: Option<&Commit<'_>>,
    base: Option<Oid>,
    changes: &[Change],
) -> Result<Built, StoreError> {
    match (base, head) {
        (Some(base), Some(head)) if base != head.id() => {
            let base_tree = find_commit(repo, base, &base.to_string())?.tree()?;
            let head_tree = head.tree()?;
            if untouched_between(&base_tree, &head_tree, changes) {
                // Nothing the writer's changes touch moved since their base (other pages did):
                // the changes apply to the head as they are, and nothing was merged. Saying
                // "merged" here told agents something untrue on nearly every save.
                return Ok(Built {
                    tree: apply_changes(repo, Some(&head_tree), changes)?,
                    merged: false,
                });
            }
            let theirs = repo.find_tree(apply_changes(repo, Some(&base_tree), changes)?)?;
            let mut opts = MergeOptions::new();
            opts.find_renames(true);
            let mut index = repo.merge_trees(&base_tree, &head_tree, &theirs, Some(&opts))?;
            if index.has_conflicts() {
                return Err(conflict(head.id(), &index)?);
            }
            Ok(Built {
                tree: index.write_tree_to(repo)?,
                merged: true,
            })
        }
        (Some(base), None) => Err(StoreError::RevisionNotFound(base.to_string())),
        _ => {
            let tree = head.map(Commit::tree).transpose()?;
            Ok(Built {
                tree: apply_changes(repo, tree.as_ref(), changes)?,
                merged: false,
            })
        }
    }
}

/// Whether every path `changes` touch (both ends of a move, a deleted folder as a whole) is
/// the same entry in `base` and `head`.
fn untouched_between(base: &Tree<'_>, head: &Tree<'_>, changes: &[Change]) -> bool {
    let same = |path: &RepoPath| {
        let at = |tree: &Tree<'_>| {
            tree.get_path(std::path::Path::new(path.as_str()))
                .ok()
                .map(|e| (e.id(), e.filemode()))
        };
        at(base) == at(head)
    };
    changes.iter().all(|change| match change {
        Change::Write { path, .. } | Change::Delete { path } => same(path),
        Change::DeleteTree { prefix } => same(prefix),
        Change::Move { from, to } => same(from) && same(to),
    })
}

/// A [`StoreError::Conflict`] listing the conflicting paths of a merge index.
fn conflict(head: Oid, index: &git2::Index) -> Result<StoreError, StoreError> {
    let mut paths = Vec::new();
    for c in index.conflicts()? {
        let c = c?;
        if let Some(entry) = c.our.or(c.their).or(c.ancestor) {
            paths.push(String::from_utf8_lossy(&entry.path).into_owned());
        }
    }
    paths.sort();
    paths.dedup();
    Ok(StoreError::Conflict {
        head: CommitId::from_oid(head),
        paths,
    })
}

fn empty_tree(repo: &Repository) -> Result<Oid, StoreError> {
    Ok(repo.treebuilder(None)?.write()?)
}

/// Git stores messages with a trailing newline and cannot store NUL.
fn clean_message(message: &str) -> String {
    let mut m: String = message
        .chars()
        .filter(|&c| c != '\0')
        .collect::<String>()
        .trim_end()
        .to_string();
    m.push('\n');
    m
}

/// True when writing a loose object failed because its fan-out folder (`objects/ab/`) was
/// removed between libgit2 creating it and renaming the object into it: `git prune-packed`
/// (run by maintenance beside writers) removes the folders it empties. git's own writers
/// retry in that case; so do we (objects are content-addressed and no ref has moved, so
/// building again is safe). The message is libgit2's, with the C library's `strerror` text
/// (Rust programs run in the C locale).
fn object_dir_vanished(e: &git2::Error) -> bool {
    e.class() == git2::ErrorClass::Os && e.message().contains("No such file or directory")
}

/// A short, jittered pause so two processes retrying the same branch stop colliding.
fn backoff(attempt: u32) {
    let jitter = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        % 1000;
    let micros = 200 * u64::from(attempt.min(20) + 1) + u64::from(jitter);
    std::thread::sleep(Duration::from_micros(micros));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_end_with_one_newline_and_lose_nul() {
        assert_eq!(clean_message("Saved\0 page \n\n"), "Saved page\n");
        assert_eq!(clean_message(""), "\n");
    }

    #[test]
    fn identities_lose_what_git_cannot_store() -> Result<(), StoreError> {
        assert_eq!(clean_ident(" <a>\nb "), "a\nb".replace('\n', ""));
        let sig = Author::new("", "").signature()?;
        assert_eq!(sig.name(), Ok("Anonymous"));
        assert_eq!(sig.email(), Ok(NO_EMAIL));
        Ok(())
    }
}
