//! Building tool results: text plus `structuredContent` on success, and on failure a message that
//! tells the agent what to do next (the text an agent reads) with a stable `error` code.
//!
//! Failures are tool results with `isError: true`, not JSON-RPC errors: MCP clients show a tool
//! result's text to the model, while protocol errors are often rendered opaquely.

use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock, Tool};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::notes::NotesError;

/// Longest change summary quoted in a conflict message; the full diff is in `structuredContent`.
const MAX_CONFLICT_DIFF_CHARS: usize = 4000;

/// A successful result: `text` for the model, `out` as structured content.
pub fn ok<T: Serialize>(out: &T, text: String) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = serde_json::to_value(out).ok();
    result
}

/// A failed result with a stable `code`, the message the model reads, and optional details.
pub fn fail(code: &str, message: String, details: Option<Value>) -> CallToolResult {
    let mut structured = json!({ "error": code, "message": message });
    if let (Some(Value::Object(details)), Some(obj)) = (details, structured.as_object_mut()) {
        obj.extend(details);
    }
    let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
    result.structured_content = Some(structured);
    result
}

/// Bad input the agent can fix; nothing was written.
pub fn invalid(message: impl std::fmt::Display) -> CallToolResult {
    fail(
        "invalid_request",
        format!("Invalid request: {message}"),
        None,
    )
}

/// Our fault; the details go to the log.
pub fn internal(detail: impl std::fmt::Display) -> CallToolResult {
    tracing::error!(error = %detail, "mcp tool failed");
    fail(
        "internal",
        "Wiki error: something went wrong on our side and nothing was changed. Try again in a few \
         seconds; if it persists, tell the wiki's operator."
            .into(),
        None,
    )
}

/// A notes-service failure, worded for an agent: what went wrong and which tool to call next.
/// `page` is the page path the tool was called with (for "not found" messages).
pub fn from_notes(err: NotesError, page: &str) -> CallToolResult {
    let code = err.code();
    match err {
        NotesError::NotFound {
            code: "page_not_found",
            ..
        } => fail(
            code,
            format!(
                "Page not found: {page}. Use write_note to create it, or list_notes to see \
                 available pages."
            ),
            None,
        ),
        NotesError::Conflict(info) => {
            let mut text = if info.paths.is_empty() && info.current_revision.is_empty() {
                "Conflict: the wiki is busy (other writers kept changing it) and nothing was \
                 saved. Try again."
                    .to_string()
            } else {
                format!(
                    "Conflict: {page} was changed since the revision you passed, and the changes \
                     overlap yours; nothing was saved. Re-read the note with read_note, re-apply \
                     your change, and pass the new revision."
                )
            };
            if !info.current_revision.is_empty() {
                text.push_str(&format!("\nCurrent revision: {}", info.current_revision));
            }
            if !info.diff.trim().is_empty() {
                let diff: String = info.diff.chars().take(MAX_CONFLICT_DIFF_CHARS).collect();
                text.push_str("\n\nWhat changed since your revision:\n");
                text.push_str(diff.trim_end());
            }
            let details = json!({
                "current_revision": info.current_revision,
                "diff": info.diff,
                "paths": info.paths,
            });
            fail(code, text, Some(details))
        }
        NotesError::RevisionRequired(message) => fail(
            code,
            format!(
                "{message} Call read_note on {page} and pass its `revision` to write_note (or use \
                 edit_note, which can append or change one part without it)."
            ),
            None,
        ),
        NotesError::Forbidden(message) => from_app(AppError::Forbidden(message)),
        NotesError::Unauthenticated { message, .. } => fail(code, message, None),
        NotesError::Invalid { message, .. } => {
            fail(code, format!("Invalid request: {message}"), None)
        }
        NotesError::Internal(err) => internal(format!("{err:#}")),
        NotesError::RateLimited {
            message,
            retry_after,
        } => from_app(AppError::RateLimited {
            message,
            retry_after,
        }),
        other => fail(code, other.to_string(), None),
    }
}

/// A permission failure from [`crate::context::WikiCtx::require_write`] and friends.
pub fn from_app(err: AppError) -> CallToolResult {
    match err {
        AppError::Forbidden(message) | AppError::LoginRequired(message) => fail(
            "forbidden",
            format!(
                "Not allowed: {message} Read-only tokens can use the read tools (read_note, \
                 list_notes, search_notes, get_history, …); ask the wiki's owner for an editor \
                 token to make changes."
            ),
            None,
        ),
        AppError::InvalidToken(message) => fail("invalid_token", message, None),
        AppError::NotFound(message) => fail("not_found", message, None),
        AppError::BadRequest(message) => invalid(message),
        AppError::Conflict(message) => fail("conflict", format!("Conflict: {message}"), None),
        AppError::TooLarge(message) => fail("too_large", message, None),
        AppError::OverQuota(message) => fail("quota_exceeded", message, None),
        AppError::RateLimited {
            message,
            retry_after,
        } => fail(
            "rate_limited",
            message,
            Some(json!({ "retry_after": retry_after })),
        ),
        AppError::Unavailable(message) => fail("unavailable", message, None),
        AppError::Internal(err) => internal(format!("{err:#}")),
    }
}

/// rmcp reports arguments that do not match a tool's schema as an error result starting with
/// "failed to deserialize parameters"; say which tool and how to fix it instead.
pub fn explain_argument_errors(
    tool: &str,
    response: CallToolResponse,
    schema: Option<&Tool>,
) -> CallToolResponse {
    let CallToolResponse::Complete(result) = &response else {
        return response;
    };
    if result.is_error != Some(true) || result.structured_content.is_some() {
        return response;
    }
    let Some(detail) = result
        .content
        .first()
        .and_then(|c| c.as_text())
        .and_then(|t| t.text.strip_prefix("failed to deserialize parameters: "))
    else {
        return response;
    };
    let expected = schema
        .map(|t| describe_schema(&t.input_schema))
        .unwrap_or_default();
    fail(
        "invalid_arguments",
        format!(
            "Invalid arguments for {tool}: {detail}. Nothing was changed. Expected arguments: \
             {expected}."
        ),
        None,
    )
    .into()
}

/// `path (string, required), revision (string)` from a tool's JSON schema.
fn describe_schema(schema: &serde_json::Map<String, Value>) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return "none".into();
    };
    if props.is_empty() {
        return "none".into();
    }
    props
        .iter()
        .map(|(name, prop)| {
            let ty = match prop.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect::<Vec<_>>()
                    .join("|"),
                _ => "any".into(),
            };
            if required.contains(&name.as_str()) {
                format!("{name} ({ty}, required)")
            } else {
                format!("{name} ({ty})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_description_lists_required_first_class() {
        let schema = json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "limit": {"type": ["integer", "null"]}
            },
            "required": ["path"]
        });
        let described = describe_schema(schema.as_object().expect("object"));
        assert!(described.contains("path (string, required)"), "{described}");
        assert!(described.contains("limit (integer)"), "{described}");
    }

    #[test]
    fn notes_errors_tell_the_agent_what_to_do() {
        let missing = from_notes(crate::notes::NotesError::page_not_found("Foo"), "Foo");
        assert_eq!(
            text(&missing),
            "Page not found: Foo. Use write_note to create it, or list_notes to see available pages."
        );
        let conflict = from_notes(
            NotesError::Conflict(Box::new(crate::notes::ConflictInfo {
                message: "x".into(),
                current_revision: "a".repeat(40),
                diff: "@@ -1 +1 @@\n-a\n+b\n".into(),
                paths: vec!["Foo.md".into()],
            })),
            "Foo",
        );
        let shown = text(&conflict);
        assert!(shown.starts_with("Conflict: Foo was changed since the revision you passed"));
        assert!(shown.contains(
            "Re-read the note with read_note, re-apply your change, and pass the new revision."
        ));
        assert!(shown.contains(&format!("Current revision: {}", "a".repeat(40))));
        assert!(shown.ends_with("-a\n+b"), "{shown}");
        let required = from_notes(
            NotesError::RevisionRequired("Needs a revision.".into()),
            "Foo",
        );
        assert!(text(&required).contains("Call read_note on Foo"));
    }

    fn text(result: &CallToolResult) -> String {
        result
            .content
            .first()
            .and_then(|c| c.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn failures_carry_code_and_message() {
        let result = fail(
            "conflict",
            "Conflict: x".into(),
            Some(json!({"current_revision": "ab"})),
        );
        assert_eq!(result.is_error, Some(true));
        let structured = result.structured_content.expect("structured");
        assert_eq!(structured["error"], "conflict");
        assert_eq!(structured["current_revision"], "ab");
    }
}
