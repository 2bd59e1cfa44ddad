//! Git-backed wiki storage: one bare repository per wiki, one commit per change.
//!
//! - [`Store`] owns the directory of repositories (`{root}/{slug}.git`) and hands out cached
//!   [`WikiRepo`] handles.
//! - [`WikiRepo::commit`] is the only code that moves a branch: writers are serialized per wiki in
//!   this process, and `refs/heads/main` is moved with a compare-and-swap so that other processes
//!   sharing the repository never lose commits either. A stale `base` is merged three-way, or
//!   refused with [`StoreError::Conflict`] when edits overlap.
//! - Reads ([`WikiRepo::files`], [`WikiRepo::read`], [`WikiRepo::resolve_page`]) are served from a
//!   per-commit catalog cache; history, diff, blame and revert sit on top.
//! - Quotas ([`Quota`]) are enforced by that same write path, under the writer lock, before
//!   anything is written; [`WikiRepo::usage`] measures the repository incrementally, and
//!   listeners added with [`Store::on_change`] hear about every commit (search indexing, usage).
//! - Pushes ([`WikiRepo::receive_push`]) run `git receive-pack` under the same writer lock, are
//!   admitted against the quota first, and are announced to the same listeners.
//! - Inputs are parsed before git sees them: [`RepoPath`] cannot escape the repository, and
//!   [`Revision`] is only `HEAD` or a hex id.

#![warn(missing_docs)]

mod backup;
mod blame;
mod catalog;
mod diff;
mod disk_usage;
mod error;
mod head;
mod history;
mod import;
mod maintenance;
mod merge_text;
mod observer;
mod page_log;
mod pages;
mod pool;
mod push;
mod quota;
mod ref_lock;
mod repo;
mod repo_path;
mod revision;
mod store;
mod tree_edit;
mod work;
mod write;

pub use blame::BlameChunk;
pub use catalog::FileEntry;
pub use diff::{DiffLine, FileDiff, Hunk, LineKind};
pub use disk_usage::ObjectCounts;
pub use error::StoreError;
pub use history::{ChangeStatus, ChangedFile, CommitInfo, LogQuery};
pub use maintenance::{LOOSE_OBJECTS_LIMIT, MaintenanceReport, PACKS_LIMIT};
pub use merge_text::{CURRENT_LABEL, MergedText, YOUR_LABEL, has_conflict_markers, merge_text};
pub use pages::Attachment;
pub use push::{PushBudget, PushOutcome};
pub use quota::{Quota, QuotaExceeded, Usage, human_bytes};
pub use repo::{FileBlob, MAIN_REF, WikiRepo};
pub use repo_path::RepoPath;
pub use revision::{CommitId, Revision};
pub use store::Store;
pub use work::WorkCount;
pub use write::{Author, Change, CommitOutcome, CommitRequest};
