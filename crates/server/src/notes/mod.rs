//! The notes service: everything an agent or API client can do with a wiki's pages, transport
//! neutral. REST (`crate::api`) and MCP (`crate::mcp`) are thin shells over it.
//!
//! # Using it
//!
//! ```ignore
//! let notes = Notes::new(&state, &ctx, Surface::Mcp);
//! let page = notes.read(&notes::page_path("Projects/Plan")?, None, None).await?;
//! let out = notes
//!     .write(&page_path, "# Plan\n", Some(&page.revision), None)
//!     .await?;
//! ```
//!
//! A [`Notes`] is built per request from the [`AppState`] and the request's [`WikiCtx`] (wiki,
//! principal, permissions). Every method checks permissions first (`read` for reads, `write` for
//! page changes, `upload` for attachment uploads and deletions), then validates its input, and
//! writes nothing when anything is wrong.
//!
//! # Names and revisions
//!
//! - Pages are [`PagePath`]s. Parse agent input with [`page_path`] (strict: refuses `..`, `.`,
//!   `? | $ ! # \`, control characters instead of silently dropping them; a trailing `.md` is
//!   fine) and URL paths with [`page_path_from_url`]. Lookups are case-insensitive, `_` = space.
//! - A page's `revision` is the full id of the last commit that touched it. Pass it back as
//!   `base_revision` on writes; prefixes of 7+ hex characters are accepted.
//!
//! # Writes and concurrency
//!
//! Each write is one commit authored by the caller (`ctx.author()`), made through the store's
//! writer with `base` = the caller's revision, so the check cannot race: if the page changed
//! since, non-overlapping edits are merged (`merged: true` in the outcome) and overlapping ones
//! fail with [`NotesError::Conflict`], which carries the page's `current_revision` and a unified
//! diff of what changed since the caller's base. Overwriting an existing page with
//! [`Notes::write`] needs a base revision ([`NotesError::RevisionRequired`]). Without one,
//! [`Notes::edit`] applies to the current head, atomically.
//!
//! Commit messages: the caller's, else `[api] Create: path` / `[mcp] Edit: path` … by
//! [`Surface`] (the otterwiki-api convention).
//!
//! # Methods (all `async fn … -> NotesResult<T>` except `whoami`, which is a plain `fn`)
//!
//! | method | returns |
//! |---|---|
//! | `whoami()` | [`WhoAmI`] |
//! | `read(page, revision, section)` | [`Note`] |
//! | `sections(page)` | [`SectionList`] |
//! | `write(page, content, base_revision, message)` | [`WriteOutcome`] |
//! | `edit(page, &EditOp, base_revision, message)` | [`WriteOutcome`] |
//! | `delete(page, base_revision, recursive, message)` | [`DeleteOutcome`] |
//! | `rename(from, to, rewrite_links, message)` | [`RenameOutcome`] |
//! | `list(&ListFilter, Start, limit)` | [`PageList`] |
//! | `history(page, limit, offset)` | [`History`] |
//! | `changelog(&ChangeQuery)` | [`Changelog`] |
//! | `restore(page, to, base_revision, message)` | [`WriteOutcome`] |
//! | `context(page, &ContextQuery)` | [`Context`] |
//! | `tree(prefix, depth)` | [`Tree`] |
//! | `diff(page, from, to)` | [`NoteDiff`] |
//! | `links(page)`, `graph()`, `orphans()` | [`Links`], [`Graph`], [`Orphans`] |
//! | `attachments(page)` | [`AttachmentList`] |
//! | `attachment_get(page, name)` | [`AttachmentData`] (bytes) |
//! | `attachment_put(page, name, bytes, message)` | [`AttachmentStored`] |
//! | `attachment_delete(page, name, message)` | [`AttachmentDeleted`] |
//! | `search(query, limit)` | [`SearchResults`] |
//! | `usage()` | [`crate::limits::quota::UsageReport`] |
//!
//! Errors are [`NotesError`]: [`NotesError::code`] is a stable machine code, `Display` is a
//! message that says what to do next.

mod attachments;
pub mod context;
pub mod edit;
pub mod error;
pub mod frontmatter;
mod history;
mod index;
mod pages;
pub mod search;
pub mod sections;
mod types;
mod usage;

use std::sync::Arc;

use robot_store::{CommitId, CommitInfo, RepoPath, Revision, StoreError, WikiRepo};
use robot_wiki::PagePath;

pub use context::{Context, ContextQuery, Tree};
pub use edit::EditOp;
pub use error::{ConflictInfo, NotesError, NotesResult};
pub use history::ChangeQuery;
pub use types::*;

use crate::context::WikiCtx;
use crate::state::AppState;

/// Largest page accepted, in bytes.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Largest attachment accepted, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;
/// Shortest revision prefix accepted.
pub const MIN_REVISION_CHARS: usize = 7;

/// Which surface a change came through; it prefixes default commit messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The REST API: `[api] …`.
    Api,
    /// The MCP server: `[mcp] …`.
    Mcp,
    /// The browser: no prefix.
    Web,
}

impl Surface {
    fn prefix(self) -> &'static str {
        match self {
            Surface::Api => "[api] ",
            Surface::Mcp => "[mcp] ",
            Surface::Web => "",
        }
    }
}

/// The notes service for one request: a wiki, a principal and their permissions.
pub struct Notes<'a> {
    state: &'a AppState,
    ctx: &'a WikiCtx,
    surface: Surface,
}

impl<'a> Notes<'a> {
    /// The service for the request described by `ctx`.
    pub fn new(state: &'a AppState, ctx: &'a WikiCtx, surface: Surface) -> Notes<'a> {
        Notes {
            state,
            ctx,
            surface,
        }
    }

    /// Who is asking, on which wiki, and what they may do. Needs no permission.
    pub fn whoami(&self) -> WhoAmI {
        let ctx = self.ctx;
        let (principal, role) = match (&ctx.token, &ctx.user) {
            (Some(token), _) => ("token", Some(token.role.to_string())),
            (None, Some(_)) => ("user", ctx.role.map(|r| r.as_str().to_string())),
            (None, None) => ("anonymous", None),
        };
        WhoAmI {
            wiki: ctx.wiki.slug.to_string(),
            // Who may not read a private wiki may not learn its name either.
            wiki_name: if ctx.perms.read {
                ctx.wiki.display_name.clone()
            } else {
                String::new()
            },
            principal,
            user: ctx.user.as_ref().map(|u| u.handle.clone()),
            token: ctx.token.as_ref().map(|t| t.name.clone()),
            role,
            permissions: ctx.perms,
        }
    }

    fn require_read(&self) -> NotesResult<()> {
        Ok(self.ctx.require_read()?)
    }

    fn require_write(&self) -> NotesResult<()> {
        Ok(self.ctx.require_write()?)
    }

    /// Runs blocking repository work off the async runtime.
    async fn blocking<T, F>(&self, work: F) -> NotesResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WikiRepo) -> Result<T, StoreError> + Send + 'static,
    {
        let repo = Arc::clone(&self.ctx.repo);
        Ok(tokio::task::spawn_blocking(move || work(&repo)).await??)
    }

    /// The caller's message, else `{prefix}{action}: {subject}`.
    fn message(&self, given: Option<&str>, action: &str, subject: &str) -> String {
        self.message_or(given, &format!("{action}: {subject}"))
    }

    /// The caller's commit message, or `default` with the surface's prefix.
    fn message_or(&self, given: Option<&str>, default: &str) -> String {
        match given.map(str::trim).filter(|m| !m.is_empty()) {
            Some(message) => message.to_string(),
            None => format!("{}{default}", self.surface.prefix()),
        }
    }

    /// Resolves a client-supplied revision (7 to 40 hex characters) to a commit of this wiki.
    async fn revision(&self, given: &str) -> NotesResult<CommitId> {
        let given = given.trim();
        if given.len() < MIN_REVISION_CHARS {
            return Err(NotesError::invalid(
                "invalid_revision",
                format!(
                    "revision must be at least {MIN_REVISION_CHARS} characters; use the full \
                     `revision` from a read or from the history"
                ),
            ));
        }
        let parsed = Revision::parse(given).map_err(|_| {
            NotesError::invalid(
                "invalid_revision",
                format!(
                    "`{}` is not a revision: use the hex commit id from a read or from the history",
                    given.chars().take(60).collect::<String>()
                ),
            )
        })?;
        let shown = given.to_string();
        self.blocking(move |repo| repo.resolve(&parsed))
            .await
            .map_err(|err| match err {
                NotesError::NotFound { .. } => NotesError::NotFound {
                    code: "revision_not_found",
                    message: format!(
                        "Revision {shown} is not in this wiki's history. Read the page again to \
                         get its current revision."
                    ),
                },
                other => other,
            })
    }

    /// The file storing `page` at head, or `page_not_found`.
    async fn existing(&self, page: &PagePath) -> NotesResult<RepoPath> {
        let lookup = page.clone();
        self.blocking(move |repo| repo.resolve_page(&lookup, None))
            .await?
            .ok_or_else(|| NotesError::page_not_found(page))
    }

    /// The last commit that touched `path` at head (without its changed files).
    async fn last_commit(&self, path: &RepoPath) -> NotesResult<Option<CommitInfo>> {
        let path = path.clone();
        self.blocking(move |repo| repo.last_change(&path)).await
    }
}

/// Parses a page name given by an agent or in a JSON body. Strict: characters a page name cannot
/// hold are refused with a suggestion rather than silently dropped, so `../x` never becomes `x`.
pub fn page_path(input: &str) -> NotesResult<PagePath> {
    let trimmed = input.trim();
    let without_md = trimmed
        .len()
        .checked_sub(3)
        .and_then(|cut| {
            trimmed
                .get(cut..)
                .filter(|s| s.eq_ignore_ascii_case(".md"))
                .map(|_| &trimmed[..cut])
        })
        .unwrap_or(trimmed);
    let bad: Vec<char> = without_md
        .chars()
        .filter(|c| matches!(c, '?' | '|' | '$' | '.' | '!' | '#' | '\\') || c.is_control())
        .collect();
    if !bad.is_empty() || without_md.split('/').any(|s| s == "." || s == "..") {
        let suggestion = PagePath::parse(without_md)
            .map(|p| format!(" Did you mean “{p}”?"))
            .unwrap_or_default();
        return Err(NotesError::invalid(
            "invalid_path",
            format!(
                "Invalid page path “{}”: page names cannot contain `. ? | $ ! # \\` or control \
                 characters, and `..` is not allowed.{suggestion}",
                input.chars().take(200).collect::<String>().escape_debug()
            ),
        ));
    }
    Ok(PagePath::parse(without_md)?)
}

/// Parses the page part of a URL (`Projects/Big_Plan`, percent-encoded once): decodes it, reads
/// `_` as a space, then applies [`page_path`].
pub fn page_path_from_url(raw: &str) -> NotesResult<PagePath> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| {
            NotesError::invalid(
                "invalid_path",
                "The page path is not valid UTF-8 after percent-decoding; check the URL.",
            )
        })?;
    page_path(&decoded.replace('_', " "))
}

/// `2026-03-08T12:00:00+01:00` for a commit time in its author's offset.
pub fn iso_date(secs: i64, offset_minutes: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)
        .or_else(|| chrono::FixedOffset::east_opt(0));
    match (chrono::DateTime::from_timestamp(secs, 0), offset) {
        (Some(t), Some(offset)) => t.with_timezone(&offset).to_rfc3339(),
        _ => String::new(),
    }
}

/// A commit as `{revision, author, date, message}`.
pub fn summary(info: &CommitInfo) -> CommitSummary {
    CommitSummary {
        revision: info.id.to_string(),
        author: info.author_name.clone(),
        date: iso_date(info.time, info.tz_offset_minutes),
        message: info.message.clone(),
    }
}

/// The page a repository file stores, as its path string (`None` for non-pages).
fn page_of_file(path: &str) -> Option<String> {
    PagePath::from_file_path(path).map(|p| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_page_paths() {
        assert_eq!(
            page_path("Projects/Big_Plan.md")
                .ok()
                .map(|p| p.to_string()),
            Some("Projects/Big Plan".into())
        );
        for bad in ["../etc/passwd", "a/./b", "v1.2", "what?", "a\\b", "x\u{0}"] {
            assert_eq!(
                page_path(bad).err().map(|e| e.code()),
                Some("invalid_path"),
                "{bad:?}"
            );
        }
        assert_eq!(
            page_path("  ").err().map(|e| e.code()),
            Some("invalid_path")
        );
        assert_eq!(
            page_path_from_url("A/%2e%2e/b").err().map(|e| e.code()),
            Some("invalid_path")
        );
        assert_eq!(
            page_path_from_url("Big_Plan%E2%80%94x")
                .ok()
                .map(|p| p.to_string()),
            Some("Big Plan—x".into())
        );
    }

    #[test]
    fn iso_dates_keep_the_offset() {
        assert_eq!(iso_date(0, 60), "1970-01-01T01:00:00+01:00");
    }
}
