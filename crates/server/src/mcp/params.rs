//! Tool arguments: names, types and defaults as in otterwiki-mcp (every string optional argument
//! defaults to `""`), plus paging (`offset`, `limit`) on every list and `edit_note`'s operations.
//!
//! Field doc comments become the parameter descriptions of the tool schemas, which every agent
//! pays for in context: fields whose name says it all (`path`, `commit_message`, `offset`, the
//! list filters the tool description names) have none. Deserialisation is
//! strict about unknown shapes but forgiving where models commonly slip: `null` counts as "not
//! given", and integers may arrive as numeric strings.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// `read_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadNote {
    #[serde(default, deserialize_with = "text")]
    pub path: String,
    /// Up to 20: `Path` or `Path#Heading`.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// A past revision.
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    /// Heading or `A > B` path.
    #[serde(default, deserialize_with = "text")]
    pub section: String,
}

/// `write_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteNote {
    pub path: String,
    /// The whole new markdown.
    #[serde(default)]
    pub content: Option<String>,
    /// Instead of content: a past revision to bring back.
    #[serde(default, deserialize_with = "text")]
    pub restore: String,
    /// The revision you read (none to create).
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `edit_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditNote {
    pub path: String,
    /// The revision you read.
    #[serde(default, deserialize_with = "text")]
    pub revision: String,
    /// replace (default), append, prepend, replace_section, insert_before_section,
    /// insert_after_section or set_frontmatter.
    #[serde(default, deserialize_with = "text")]
    pub operation: String,
    /// Exact text to replace.
    #[serde(default, deserialize_with = "text")]
    pub old_string: String,
    #[serde(default, deserialize_with = "text")]
    pub new_string: String,
    /// Replace all, expecting this many.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub expected_replacements: Option<u64>,
    /// Fields to set; null removes one.
    #[serde(default)]
    pub frontmatter: Option<serde_json::Map<String, serde_json::Value>>,
    /// Text to add or section body.
    #[serde(default, deserialize_with = "text")]
    pub content: String,
    /// Heading or `A > B` path.
    #[serde(default, deserialize_with = "text")]
    pub section: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `list_notes`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNotes {
    #[serde(default, deserialize_with = "text")]
    pub prefix: String,
    #[serde(default, deserialize_with = "text")]
    pub category: String,
    #[serde(default, deserialize_with = "text")]
    pub tag: String,
    #[serde(default, deserialize_with = "text")]
    pub updated_since: String,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// Default 100, max 500.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
    /// Tree levels under prefix.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub depth: Option<u64>,
}

/// `search_notes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchNotes {
    pub query: String,
    pub prefix: Option<String>,
    pub tag: Option<String>,
    pub category: Option<String>,
    pub updated_since: Option<String>,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// Default 20, max 100.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `semantic_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SemanticSearch {
    pub query: String,
    /// 1-50, default 5.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub n: Option<u64>,
    /// 1-5, default 2.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub max_chunks_per_page: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// hybrid (default), semantic, keyword.
    pub mode: Option<String>,
    pub prefix: Option<String>,
    pub tag: Option<String>,
    pub category: Option<String>,
    pub updated_since: Option<String>,
}

/// `build_context`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildContext {
    pub path: String,
    /// 1-3, default 1.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub depth: Option<u64>,
    /// Default 10, max 50.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub max_notes: Option<u64>,
    /// ISO date for changes.
    #[serde(default, deserialize_with = "text")]
    pub since: String,
    /// Default 16000.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub max_bytes: Option<u64>,
}

/// Tools that take only a page path (`get_links`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathOnly {
    pub path: String,
}

/// `get_history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetHistory {
    pub path: String,
    /// Default 10, max 200; 0: count.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
}

/// `get_recent_changes`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecentChanges {
    /// ISO date.
    #[serde(default, deserialize_with = "text")]
    pub since: String,
    /// Only pages under it.
    #[serde(default, deserialize_with = "text")]
    pub folder: String,
    /// Default 20, max 200.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
}

/// `rename_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameNote {
    pub path: String,
    pub new_path: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `delete_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteNote {
    pub path: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `find_orphaned_notes` and other plain lists.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paged {
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// Default 100, max 500.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `list_attachments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAttachments {
    pub path: String,
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub offset: Option<u64>,
    /// Default 100, max 500.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u64>,
}

/// `upload_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadAttachment {
    pub path: String,
    pub filename: String,
    /// Base64, max 25 MiB.
    pub content: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `download_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub path: String,
    pub filename: String,
}

/// `delete_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAttachment {
    pub path: String,
    pub filename: String,
    #[serde(default, deserialize_with = "text")]
    pub commit_message: String,
}

/// `diff_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffNote {
    pub path: String,
    pub from: String,
    /// Default: current.
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
        let err = serde_json::from_value::<WriteNote>(json!({})).expect_err("missing");
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
