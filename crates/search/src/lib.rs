//! Ranked full-text search over wiki pages, derived from git and kept in step with it.
//!
//! [`SearchIndex`] keeps one SQLite file (FTS5, WAL) holding every wiki's pages, each wiki's in
//! FTS5 tables of its own, so ranking statistics are per wiki: no other tenant's pages can change
//! a wiki's scores or order. Each wiki's rows reflect one commit, recorded next to them;
//! [`SearchIndex::sync`] brings a wiki up to its current head by re-indexing only the page files
//! changed since the recorded commit (or rebuilding the wiki when there is no usable recorded
//! commit), in one transaction with the new head. Calling `sync` before every search makes
//! results correct right after any write, whoever wrote it, because the head check is one ref
//! read and one indexed row lookup.
//!
//! The file is derived data: delete it and it is rebuilt wiki by wiki on the next searches.

mod chunk;
mod chunk_search;
mod chunk_store;
mod document;
mod error;
mod index;
mod query;
mod score;
mod tables;
mod vectors;
mod worker;

pub use chunk::{Chunk, chunk_page};
pub use chunk_search::{ChunkHit, ChunkSearch, QueryVector, SearchMode};
pub use document::Document;
pub use error::SearchError;
pub use index::{Hit, SearchFilter, SearchIndex, SyncOutcome};
pub use query::MatchQuery;
pub use vectors::VectorLag;
pub use worker::{IDLE_RECHECK, Indexer, ReindexRunning, ReindexStatus};
