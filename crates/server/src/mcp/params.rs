//! Tool arguments: names, types and defaults as in otterwiki-mcp (every string optional argument
//! defaults to `""`), plus paging (`offset`, `limit`) on every list and `edit_note`'s operations.
//!
//! Field doc comments become the parameter descriptions of the tool schemas. Deserialisation is
//! strict about unknown shapes but forgiving where models commonly slip: `null` counts as "not
//! given", and integers may arrive as numeric strings.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// `read_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadNote {
    /// Page path, e.g. `Projects/Roadmap`.
    pub path: String,
    /// A past revision (from get_history); empty for the current one.
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    /// Only this section: a heading (`Setup`) or heading path (`Guide > Setup`).
    #[serde(default, deserialize_with = "text")]
    pub section: String,
}

/// `write_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteNote {
    /// Page path.
    pub path: String,
    /// The whole new markdown content.
    pub content: String,
    /// The revision you read; omit it to create a note.
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `edit_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditNote {
    /// Page path.
    pub path: String,
    /// The revision you read; without it the edit applies to the current text.
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    /// `replace` (default), `append`, `prepend`, `replace_section`, `insert_before_section` or
    /// `insert_after_section`.
    #[serde(default, deserialize_with = "text")]
    pub operation: String,
    /// `replace`: exact text that occurs once.
    #[serde(default, deserialize_with = "text")]
    pub old_string: String,
    /// `replace`: the replacement; empty deletes old_string.
    #[serde(default, deserialize_with = "text")]
    pub new_string: String,
    /// Text to add, or the section's new body.
    #[serde(default, deserialize_with = "text")]
    pub content: String,
    /// Section operations: a heading title or `A > B` heading path.
    #[serde(default, deserialize_with = "text")]
    pub section: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `list_notes`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNotes {
    /// Only pages under this path prefix, e.g. `Projects/`.
    #[serde(default, deserialize_with = "text")]
    pub prefix: String,
    /// Only pages of this frontmatter category.
    #[serde(default, deserialize_with = "text")]
    pub category: String,
    /// Only pages with this frontmatter tag.
    #[serde(default, deserialize_with = "text")]
    pub tag: String,
    /// Only pages changed since this ISO 8601 date.
    #[serde(default, deserialize_with = "text")]
    pub updated_since: String,
    /// Skip this many pages.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// At most this many pages (default 100, max 500).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `search_notes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchNotes {
    /// Words to find.
    pub query: String,
    /// Only pages whose path starts with this.
    pub prefix: Option<String>,
    /// Only pages with this frontmatter tag.
    pub tag: Option<String>,
    /// Only pages of this frontmatter category.
    pub category: Option<String>,
    /// Only pages changed since this ISO 8601 date.
    pub updated_since: Option<String>,
    /// Skip this many results.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// At most this many results (default 20, max 100).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `semantic_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SemanticSearch {
    /// A question, in plain words.
    pub query: String,
    /// Number of results (1–50, default 5).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub n: Option<u64>,
    /// Chunks per page (1–5, default 2).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub max_chunks_per_page: Option<u64>,
    /// Skip this many results.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// `hybrid` (default), `semantic` or `keyword`.
    pub mode: Option<String>,
    /// Only pages whose path starts with this.
    pub prefix: Option<String>,
    /// Only pages with this frontmatter tag.
    pub tag: Option<String>,
    /// Only pages of this frontmatter category.
    pub category: Option<String>,
    /// Only pages changed since this ISO 8601 date.
    pub updated_since: Option<String>,
}

/// Tools that take only a page path (`get_links`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathOnly {
    /// Page path.
    pub path: String,
}

/// `get_history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetHistory {
    /// Page path.
    pub path: String,
    /// At most this many (default 10, max 200); 0: only the count.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
    /// Skip this many revisions.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
}

/// `get_recent_changes`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecentChanges {
    /// At most this many commits (default 20, max 200).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
    /// Skip this many commits.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
}

/// `rename_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameNote {
    /// Current page path.
    pub path: String,
    /// New page path.
    pub new_path: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `delete_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteNote {
    /// Page path.
    pub path: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `find_orphaned_notes` and other plain lists.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paged {
    /// Skip this many entries.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// At most this many entries (default 100, max 500).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `list_attachments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAttachments {
    /// Page path.
    pub path: String,
    /// Skip this many files.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// At most this many files (default 100, max 500).
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `upload_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadAttachment {
    /// Page path; the page must exist.
    pub path: String,
    /// File name, e.g. `diagram.png`.
    pub filename: String,
    /// The file's bytes, base64-encoded (at most 10 MiB decoded).
    pub content: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `download_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// Page path.
    pub path: String,
    /// File name as listed by list_attachments.
    pub filename: String,
}

/// `delete_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAttachment {
    /// Page path.
    pub path: String,
    /// File name as listed by list_attachments.
    pub filename: String,
    /// Commit message.
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `diff_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffNote {
    /// Page path.
    pub path: String,
    /// The older revision (commit id from get_history).
    pub from: String,
    /// Newer revision; default: current.
    #[serde(default, deserialize_with = "text")]
    pub to: String,
}

/// Tools without arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// An optional string: absent or `null` → `""`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// An optional non-negative integer, given as a number or a numeric string.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d) {
        Ok(None) => Ok(None),
        Ok(Some(Raw::Number(n))) => Ok(Some(n)),
        Ok(Some(Raw::Text(s))) if s.trim().is_empty() => Ok(None),
        Ok(Some(Raw::Text(s))) => s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected a non-negative integer, got {s:?}"))
        }),
        Err(_) => Err(serde::de::Error::custom("expected a non-negative integer")),
    }
}

/// `value` clamped to `1..=max`, or `default` when not given.
pub fn clamp(value: Option<u64>, default: usize, max: usize) -> usize {
    value.map_or(default, |v| usize::try_from(v).unwrap_or(max).clamp(1, max))
}

/// An offset as `usize` (0 when not given).
pub fn offset(value: Option<u64>) -> usize {
    value.map_or(0, |v| usize::try_from(v).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_and_numeric_strings_are_accepted() {
        let p: ListNotes =
            serde_json::from_value(json!({"prefix": null, "limit": "5", "offset": 2}))
                .expect("parse");
        assert_eq!(p.prefix, "");
        assert_eq!(p.limit, Some(5));
        assert_eq!(p.offset, Some(2));
    }

    #[test]
    fn wrong_types_and_missing_fields_are_errors() {
        let err = serde_json::from_value::<ReadNote>(json!({})).expect_err("missing");
        assert!(err.to_string().contains("missing field `path`"), "{err}");
        let err = serde_json::from_value::<ReadNote>(json!({"path": 5})).expect_err("type");
        assert!(err.to_string().contains("invalid type"), "{err}");
        let err = serde_json::from_value::<ListNotes>(json!({"limit": "ten"})).expect_err("int");
        assert!(err.to_string().contains("non-negative integer"), "{err}");
        let err = serde_json::from_value::<ListNotes>(json!({"limit": -1})).expect_err("neg");
        assert!(err.to_string().contains("non-negative integer"), "{err}");
    }

    #[test]
    fn clamps() {
        assert_eq!(clamp(None, 20, 200), 20);
        assert_eq!(clamp(Some(0), 20, 200), 1);
        assert_eq!(clamp(Some(10_000), 20, 200), 200);
        assert_eq!(offset(Some(3)), 3);
    }
}
