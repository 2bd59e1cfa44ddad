//! The index's error type.

use robot_store::StoreError;

/// Why a catalog could not be built or updated.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the repository failed; the store's message says what to do.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The branch was rewritten again and again while the history was being read.
    #[error(
        "the history of wiki `{slug}` kept being rewritten while its page index was built; \
         try again once pushes to it have finished"
    )]
    HistoryRewritten {
        /// The wiki being indexed.
        slug: String,
    },
}
