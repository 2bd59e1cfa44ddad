//! The pure wiki domain, free of IO: page naming rules ([`PagePath`]), WikiLinks (extract and
//! rewrite on rename), and the markdown dialect rendered to sanitised HTML ([`render()`]).
//!
//! Everything here is deterministic and side-effect free so the store and the server can rely on
//! it from any thread and tests can cover it exhaustively.

#![warn(missing_docs)]

mod html_nesting;
pub mod links;
pub mod page_path;
pub mod render;
pub mod sanitize;
mod syntax;

pub use links::{WikiLink, rewrite_links, wikilinks};
pub use page_path::{
    PageNameError, PagePath, display_title, lookup_key_for_file, sanitize_attachment_name,
};
pub use render::{
    Frontmatter, RenderOptions, Rendered, TocEntry, first_heading, heading_anchor, render, slug,
};
pub use sanitize::{ID_PREFIX, sanitize_html};
