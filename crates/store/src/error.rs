//! The one error type of the store: every variant says what went wrong and what to do next.

use crate::quota::QuotaExceeded;
use crate::revision::CommitId;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No wiki repository exists under this slug.
    #[error("wiki `{0}` does not exist; create or import it first")]
    WikiNotFound(String),
    /// A wiki repository already exists under this slug.
    #[error("wiki `{0}` already exists; choose another name or delete it first")]
    WikiExists(String),
    /// The slug cannot name a repository directory.
    #[error("`{0}` is not a valid wiki name; use lowercase letters, digits and dashes")]
    InvalidSlug(String),
    /// A repository path was rejected (escapes the repository, or collides with a file or folder).
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// The revision is not `HEAD` or a 4 to 40 character hex commit id.
    #[error("`{0}` is not a revision; use `HEAD` or a commit id of 4 to 40 hex characters")]
    InvalidRevision(String),
    /// The revision is well formed but names no commit in this wiki.
    #[error("revision `{0}` was not found in this wiki; check the id in the history")]
    RevisionNotFound(String),
    /// The file, folder or page to act on does not exist.
    #[error("`{0}` does not exist; check the name or reload the page list")]
    NotFound(String),
    /// The target of a create, move or rename already exists.
    #[error("`{0}` already exists; choose another name")]
    PageExists(String),
    /// A concurrent change overlaps with this one; nothing was written.
    #[error("{}", conflict_message(head, paths))]
    Conflict {
        /// The head the change was tried against.
        head: CommitId,
        /// Repository paths that conflict (empty when the branch kept moving under us).
        paths: Vec<String>,
    },
    /// The wiki has no commits yet, so there is nothing to read at `HEAD`.
    #[error("the wiki has no commits yet; save a page first")]
    EmptyRepository,
    /// A change set that would produce an empty first commit.
    #[error("nothing to commit: the change set adds no files")]
    NothingToCommit,
    /// The source given to an import is not a usable git repository.
    #[error("cannot import `{path}`: {reason}")]
    ImportSource {
        /// The source as given.
        path: String,
        /// Why it was rejected, and what to do about it.
        reason: String,
    },
    /// The write would take the wiki over its quota; nothing was written.
    #[error("{0}")]
    OverQuota(QuotaExceeded),
    /// An error from libgit2.
    #[error("git error: {0}")]
    Git(#[from] git2::Error),
    /// The page log (the history index beside the repositories) could not be read or written.
    #[error("history index error: {0}; it is derived from git and rebuilt when deleted")]
    Index(String),
    /// Packing the repository failed; nothing was lost (maintenance only adds packs before it
    /// removes what they hold).
    #[error("repository maintenance failed: {0}")]
    Maintenance(String),
    /// A file-system error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Index(e.to_string())
    }
}

fn conflict_message(head: &CommitId, paths: &[String]) -> String {
    if paths.is_empty() {
        format!(
            "the wiki is busy: other writers kept changing it (now at {}); nothing was saved, try again",
            head.short()
        )
    } else {
        format!(
            "the wiki changed since the revision you edited (now at {}) and the changes overlap in: {}; \
             nothing was saved: reload, reapply your edit and save again",
            head.short(),
            paths.join(", ")
        )
    }
}
