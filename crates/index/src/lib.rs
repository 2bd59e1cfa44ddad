//! Derived per-wiki indexes, always in step with git: the page catalog (title, frontmatter,
//! size, words, last change of every page) and the WikiLink graph (links, backlinks, orphans,
//! wanted pages).
//!
//! - A [`Catalog`] is an immutable snapshot of one wiki at one commit (its `head`). It is a pure
//!   function of that commit: [`Catalog::build`] from scratch and [`Catalog::update`] from an
//!   older snapshot give equal values (`PartialEq`), which the tests check after random edits.
//! - [`CatalogCache`] keeps the latest snapshot per wiki. Because it is keyed on the branch head
//!   read from disk on every call, it is correct whatever wrote the commit (browser, REST, MCP,
//!   `git push`, import, another process) and can never go stale: a request costs a head read
//!   and a hash lookup when nothing changed, an incremental update (only the changed pages
//!   re-read) when something did.
//!
//! Everything here does blocking git IO: call it from `tokio::task::spawn_blocking`.

#![warn(missing_docs)]

mod build;
mod cache;
mod catalog;
mod error;
mod graph;
mod history;
mod page;

pub use cache::{CacheStats, CatalogCache, DEFAULT_CAPACITY};
pub use catalog::{Catalog, PageFilter};
pub use error::IndexError;
pub use page::PageEntry;
