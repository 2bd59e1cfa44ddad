//! Errors of the search index.

/// What went wrong while indexing or searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search database could not be opened, read or written. It is derived data: deleting
    /// `search.db` forces a rebuild.
    #[error("search index database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The wiki's repository could not be read.
    #[error("cannot read the wiki repository for indexing: {0}")]
    Store(#[from] robot_store::StoreError),
    /// A blocking indexing task panicked or was cancelled.
    #[error("indexing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The embedding model failed.
    #[error(transparent)]
    Embed(#[from] robot_embed::EmbedError),
}
