//! The tools, one file per family. Each tool parses its arguments ([`super::params`]), calls the
//! notes service for the request's wiki, and answers with [`super::reply`].

/// The page named by a tool's `path` argument; when it is not a page path, returns the tool's
/// answer saying why from the enclosing tool.
macro_rules! page_or_reply {
    ($raw:expr) => {
        match super::page($raw) {
            Ok(path) => path,
            Err(result) => return result,
        }
    };
}

mod attachments;
mod context;
mod edit;
mod graph;
mod lists;
mod pages;

use rmcp::model::CallToolResult;
use robot_wiki::PagePath;

use super::reply;
use crate::notes::{self, NotesError};

/// `[mcp] {message}` for a message the agent gave, `None` (the service's `[mcp] Action: path`
/// default) otherwise.
fn commit_message(given: &str) -> Option<String> {
    let given = given.trim();
    (!given.is_empty()).then(|| format!("[mcp] {given}"))
}

/// `Some(text)` unless blank.
fn given(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

/// A page path from a tool argument, or the error result to return.
fn page(raw: &str) -> Result<PagePath, CallToolResult> {
    if raw.trim().is_empty() {
        return Err(reply::invalid(
            "`path` must not be empty: pass a page path such as `Projects/Roadmap` (list_notes shows them).",
        ));
    }
    notes::page_path(raw).map_err(|err| reply::from_notes(err, raw))
}

/// Runs `body`, turning a notes error into a result that names `page`.
fn answer(page: &str, outcome: Result<CallToolResult, NotesError>) -> CallToolResult {
    outcome.unwrap_or_else(|err| reply::from_notes(err, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_messages_are_marked() {
        assert_eq!(commit_message("  fix typo "), Some("[mcp] fix typo".into()));
        assert_eq!(commit_message(""), None);
    }

    #[test]
    fn hostile_paths_are_refused() {
        for bad in ["", "   ", "../etc/passwd", "a/../b", "x\u{0}y"] {
            assert!(page(bad).is_err(), "{bad:?}");
        }
        assert!(page("Projects/Plan").is_ok());
    }
}
