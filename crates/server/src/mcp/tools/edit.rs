//! `edit_note`: change part of a note without resending all of it.

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, commit_message, given};
use crate::context::WikiCtx;
use crate::mcp::output::WriteOut;
use crate::mcp::params::EditNote;
use crate::mcp::{WikiMcp, format, reply, schema};
use robot_wiki::PagePath;

use crate::notes::{EditOp, Notes, NotesError, NotesResult, Surface, WriteOutcome};

/// The operations `edit_note` accepts, for error messages.
const OPERATIONS: &str = "replace, append, prepend, replace_section, insert_before_section, \
     insert_after_section, set_frontmatter";

#[tool_router(router = edit_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// Change part of a note.
    #[tool(
        description = "Change part of a note (see `operation`). Pass the `revision` you read.",
        output_schema = schema::output::<WriteOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false
        )
    )]
    async fn edit_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<EditNote>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let op = match operation(&p) {
            Ok(op) => op,
            Err(message) => return reply::invalid(message),
        };
        let name = op_name(&op);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = edit_with_retry(&notes, &path, &op, given(&p.revision), message.as_deref())
            .await
            .map(|w| {
                let out = WriteOut::from_outcome(w, Some(name.to_string()));
                reply::ok(&out, format::write(&out))
            });
        match outcome {
            Err(NotesError::Conflict(_)) if given(&p.revision).is_none() => reply::fail(
                "conflict",
                format!(
                    "Conflict: {} kept changing while this edit was retried {RETRIES} times; \
                     nothing was saved. Try again in a moment.",
                    p.path.trim()
                ),
                None,
            ),
            other => answer(&p.path, other),
        }
    }
}

/// How often an edit without a base revision is re-applied when other writers moved the page.
const RETRIES: u32 = 16;

/// Applies `op`. Without a base revision the caller asked for "the current version", so when
/// concurrent writers win the race (the store refuses an overlapping merge, e.g. two appends at
/// the end), the edit is re-applied to the new version instead of failing. With a revision a
/// conflict is the caller's to resolve and is returned at once.
async fn edit_with_retry(
    notes: &Notes<'_>,
    path: &PagePath,
    op: &EditOp,
    base: Option<&str>,
    message: Option<&str>,
) -> NotesResult<WriteOutcome> {
    let mut attempt = 0;
    loop {
        match notes.edit(path, op, base, message).await {
            Err(NotesError::Conflict(_)) if base.is_none() && attempt < RETRIES => {
                attempt += 1;
                let jitter = rand::random::<u64>() % (2 << attempt.min(5));
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
            other => return other,
        }
    }
}

/// The edit an `edit_note` call asks for, or what is missing.
fn operation(p: &EditNote) -> Result<EditOp, String> {
    let op = p.operation.trim().to_ascii_lowercase().replace('-', "_");
    // Models sometimes put the text to add in new_string; accept it for the adding operations.
    let text = if p.content.is_empty() && op != "replace" {
        p.new_string.clone()
    } else {
        p.content.clone()
    };
    let section = p.section.trim().to_string();
    let need_text =
        |what: &str| format!("`content` is required for operation={what}: the text to add");
    let need_section = |what: &str| {
        format!(
            "`section` is required for operation={what}: a heading title or `A > B` heading path (read_note shows the headings)"
        )
    };
    if op == "set_frontmatter" || (op.is_empty() && p.frontmatter.is_some()) {
        return match &p.frontmatter {
            Some(fields) if !fields.is_empty() => Ok(EditOp::SetFrontmatter {
                fields: fields.clone(),
            }),
            _ => Err(
                "`frontmatter` is required for operation=set_frontmatter: an object of \
                      fields to set, with null for fields to remove, e.g. \
                      {\"status\": \"done\", \"draft\": null}"
                    .into(),
            ),
        };
    }
    match op.as_str() {
        "" | "replace" => {
            if p.old_string.is_empty() {
                return Err(
                    "`old_string` is required for operation=replace: the exact text to \
                            find (it must occur exactly once). To add text, use operation=append."
                        .into(),
                );
            }
            Ok(match p.expected_replacements {
                Some(expected) => EditOp::ReplaceAll {
                    old: p.old_string.clone(),
                    new: p.new_string.clone(),
                    expected: usize::try_from(expected).unwrap_or(usize::MAX),
                },
                None => EditOp::Replace {
                    old: p.old_string.clone(),
                    new: p.new_string.clone(),
                },
            })
        }
        "append" | "prepend" if text.is_empty() => Err(need_text(&op)),
        "append" => Ok(EditOp::Append { text }),
        "prepend" => Ok(EditOp::Prepend { text }),
        "replace_section" | "insert_before_section" | "insert_after_section"
            if section.is_empty() =>
        {
            Err(need_section(&op))
        }
        "replace_section" => Ok(EditOp::ReplaceSection { section, text }),
        "insert_before_section" | "insert_after_section" if text.is_empty() => Err(need_text(&op)),
        "insert_before_section" => Ok(EditOp::InsertBeforeSection { section, text }),
        "insert_after_section" => Ok(EditOp::InsertAfterSection { section, text }),
        other => Err(format!(
            "unknown operation `{}`; use one of: {OPERATIONS}",
            other.chars().take(60).collect::<String>()
        )),
    }
}

fn op_name(op: &EditOp) -> &'static str {
    match op {
        EditOp::Replace { .. } | EditOp::ReplaceAll { .. } => "replace",
        EditOp::SetFrontmatter { .. } => "set_frontmatter",
        EditOp::Append { .. } => "append",
        EditOp::Prepend { .. } => "prepend",
        EditOp::ReplaceSection { .. } => "replace_section",
        EditOp::InsertBeforeSection { .. } => "insert_before_section",
        EditOp::InsertAfterSection { .. } => "insert_after_section",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: serde_json::Value) -> EditNote {
        serde_json::from_value(value).expect("params")
    }

    #[test]
    fn operations_are_parsed_with_clear_errors() {
        let op = operation(&params(serde_json::json!({
            "path": "A", "old_string": "x", "new_string": "y"
        })));
        assert_eq!(
            op,
            Ok(EditOp::Replace {
                old: "x".into(),
                new: "y".into()
            })
        );
        let op = operation(&params(serde_json::json!({
            "path": "A", "operation": "append", "content": "line"
        })));
        assert_eq!(
            op,
            Ok(EditOp::Append {
                text: "line".into()
            })
        );
        let op = operation(&params(serde_json::json!({
            "path": "A", "operation": "append", "new_string": "line"
        })));
        assert_eq!(
            op,
            Ok(EditOp::Append {
                text: "line".into()
            })
        );
        let err = operation(&params(
            serde_json::json!({"path": "A", "operation": "append"}),
        ));
        assert!(err.unwrap_err().contains("`content` is required"));
        let err = operation(&params(serde_json::json!({
            "path": "A", "operation": "replace_section", "content": "x"
        })));
        assert!(err.unwrap_err().contains("`section` is required"));
        let err = operation(&params(serde_json::json!({"path": "A"})));
        assert!(err.unwrap_err().contains("`old_string` is required"));
        let err = operation(&params(
            serde_json::json!({"path": "A", "operation": "explode"}),
        ));
        assert!(err.unwrap_err().contains("unknown operation `explode`"));
        let op = operation(&params(serde_json::json!({
            "path": "A", "operation": "replace_section", "section": "Top > Sub"
        })));
        assert_eq!(
            op,
            Ok(EditOp::ReplaceSection {
                section: "Top > Sub".into(),
                text: String::new()
            })
        );
    }
}
