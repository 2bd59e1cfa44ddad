//! The structured results of the MCP tools: each tool returns one of these as
//! `structuredContent` and the text rendering of it ([`super::format`]) as its text content.
//!
//! They are plain data, independent of the notes service's types, so the text layout (which agents
//! written for otterwiki-mcp rely on) is pinned by unit tests against fixed values.

//!
//! Each derives its `outputSchema` ([`super::schema::output`]). Absent values are left out rather
//! than sent as `null`, and the paging a caller chose itself is not echoed, so a result costs
//! the agent no more context than its text.

use crate::notes::PageSummary;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// Where a page of a longer list starts and how long the whole list is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Paging {
    /// Entries in the whole list (before `offset`/`limit`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// Index of the first entry returned (the caller's own `offset`).
    #[serde(skip)]
    pub offset: usize,
    /// Largest number of entries asked for (the caller's own `limit`).
    #[serde(skip)]
    pub limit: usize,
    /// The `offset` that fetches the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
}

impl Paging {
    /// The paging of `returned` entries taken from `offset` of a list of `total`.
    pub fn new(total: usize, offset: usize, limit: usize, returned: usize) -> Paging {
        let end = offset.saturating_add(returned);
        Paging {
            total: Some(total),
            offset,
            limit,
            next_offset: (end < total && returned > 0).then_some(end),
        }
    }

    /// The paging of a list whose length is unknown; `next_offset` comes from the service.
    pub fn open(offset: usize, limit: usize, next_offset: Option<usize>) -> Paging {
        Paging {
            total: None,
            offset,
            limit,
            next_offset,
        }
    }

    /// The total, or the entries seen so far when the total is unknown.
    pub fn total_or(&self, returned: usize) -> usize {
        self.total.unwrap_or(self.offset + returned)
    }
}

/// `read_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct NoteOut {
    /// Title: the frontmatter `title`, else the last path segment.
    pub name: String,
    /// The page path.
    pub path: String,
    /// Full id of the last commit that touched the page (pass it back when writing).
    pub revision: String,
    /// The heading path that was read, in section mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The parsed YAML frontmatter (left out when there is none).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub frontmatter: Map<String, Value>,
    /// Pages this one links to (left out in section mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links_to: Vec<String>,
    /// Pages linking here (left out in section mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked_from: Vec<String>,
    /// Raw markdown, frontmatter included (or the section's text).
    pub content: String,
}

impl NoteOut {
    /// What `read_note` answers for `note` (links are left out in section mode).
    pub fn from_note(note: crate::notes::Note) -> NoteOut {
        let whole = note.section.is_none();
        NoteOut {
            name: note.name,
            path: note.path,
            revision: note.revision,
            section: note.section,
            frontmatter: note.frontmatter.as_object().cloned().unwrap_or_default(),
            links_to: if whole { note.links_to } else { Vec::new() },
            linked_from: if whole { note.linked_from } else { Vec::new() },
            content: note.content,
        }
    }
}

/// `read_notes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ReadNotesOut {
    /// The notes (or sections) read, in the order asked.
    pub notes: Vec<NoteOut>,
    /// The ones that could not be read, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ReadError>,
}

/// A note `read_notes` could not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ReadError {
    /// The entry as asked (`Path` or `Path#Section`).
    pub path: String,
    /// Stable error code (`page_not_found`, `section_not_found`, …).
    pub error: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl ReadError {
    /// The error that the failed tool result `refused` reports, for the entry `asked`.
    pub fn from_result(asked: &str, refused: &rmcp::model::CallToolResult) -> ReadError {
        let field = |name: &str| {
            refused
                .structured_content
                .as_ref()
                .and_then(|s| s.get(name))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        ReadError {
            path: asked.to_string(),
            error: field("error"),
            message: field("message"),
        }
    }
}

/// `write_note` and `edit_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct WriteOut {
    /// The page path.
    pub path: String,
    /// The page's revision after the write.
    pub revision: String,
    /// True when the page did not exist before.
    pub created: bool,
    /// True when the base revision was stale and the change was merged with newer edits.
    pub merged: bool,
    /// True when the content was identical and no commit was made.
    pub unchanged: bool,
    /// `edit_note`'s operation (`replace`, `append`, …; echoed in the text only); `None` for
    /// `write_note`.
    #[serde(skip)]
    pub operation: Option<String>,
}

impl WriteOut {
    /// What a write, edit or restore answers for the service's `outcome`; `operation` names the
    /// edit or restore for the text.
    pub fn from_outcome(
        outcome: crate::notes::WriteOutcome,
        operation: Option<String>,
    ) -> WriteOut {
        WriteOut {
            path: outcome.path,
            revision: outcome.revision,
            created: outcome.created,
            merged: outcome.merged,
            unchanged: !outcome.changed,
            operation,
        }
    }
}

/// The filters `list_notes` applied, echoed in its header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ListFilters {
    /// Path prefix.
    pub prefix: String,
    /// Category (case-insensitive).
    pub category: String,
    /// Tag (case-insensitive).
    pub tag: String,
    /// ISO 8601 date or date-time.
    pub updated_since: String,
}

/// `list_notes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ListOut {
    /// Filters as given (echoed in the text; the caller knows them).
    #[serde(skip)]
    pub filters: ListFilters,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// The pages.
    pub pages: Vec<PageEntry>,
}

/// One page in `list_notes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct PageEntry {
    /// Page path.
    pub path: String,
    /// Title.
    pub name: String,
    /// Frontmatter `category`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Frontmatter `tags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `YYYY-MM-DD` of the page's last change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Words in the body.
    pub words: usize,
}

impl From<PageSummary> for PageEntry {
    fn from(page: PageSummary) -> PageEntry {
        PageEntry {
            path: page.path,
            name: page.name,
            category: page.category,
            tags: page.tags,
            updated: page.last_updated,
            words: page.content_length,
        }
    }
}

/// One `search_notes` hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct SearchHit {
    /// Title.
    pub name: String,
    /// Page path.
    pub path: String,
    /// Relevance in 0..=1 (higher is better).
    pub score: f64,
    /// Text around the first match.
    pub snippet: String,
}

/// `search_notes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct SearchOut {
    /// The query (echoed in the text only).
    #[serde(skip)]
    pub query: String,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// The hits, best first.
    pub results: Vec<SearchHit>,
}

/// One `semantic_search` hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct SemanticHit {
    /// Page path.
    pub path: String,
    /// Cosine distance (lower is closer), when vectors were compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
    /// Relevance, higher is better (within this search).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Which rankings found it: `keyword`, `semantic` or both.
    pub matched: Vec<&'static str>,
    /// Index of the chunk within the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_index: Option<usize>,
    /// Chunks in the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_chunks: Option<usize>,
    /// Words in the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_word_count: Option<usize>,
    /// Heading path of the chunk.
    pub section_path: String,
    /// The chunk's text (or a snippet).
    pub text: String,
}

/// `semantic_search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct SemanticOut {
    /// The query (echoed in the text only).
    #[serde(skip)]
    pub query: String,
    /// `hybrid`, `semantic` or `keyword`.
    pub mode: String,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// The hits, best first.
    pub results: Vec<SemanticHit>,
    /// The commit the keyword index reflects (the wiki's head at search time; in the text).
    #[serde(skip)]
    pub commit: String,
    /// Passages at that commit (in the text).
    #[serde(skip)]
    pub chunks: usize,
    /// Passages still waiting for their embedding (missing from semantic matches until then).
    pub pending_vectors: usize,
}

/// One commit in `get_history` or `get_recent_changes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ChangeEntry {
    /// Full commit id.
    pub revision: String,
    /// ISO 8601 date-time with offset.
    pub date: String,
    /// Author name.
    pub author: String,
    /// Commit message.
    pub message: String,
    /// Pages the commit changed (both names of a renamed page; attachments are not listed).
    pub pages_affected: Vec<String>,
}

/// `get_history`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct HistoryOut {
    /// The page path.
    pub path: String,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// Newest first.
    pub history: Vec<ChangeEntry>,
}

/// `get_recent_changes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ChangesOut {
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// Newest first.
    pub entries: Vec<ChangeEntry>,
}

/// `rename_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct RenameOut {
    /// Old path.
    pub old_path: String,
    /// New path.
    pub new_path: String,
    /// The rename commit.
    pub revision: String,
    /// Pages whose WikiLinks were rewritten.
    pub updated_pages: Vec<String>,
}

/// `delete_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct DeleteOut {
    /// The deleted page.
    pub path: String,
    /// The delete commit.
    pub revision: String,
}

/// `get_links`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct LinksOut {
    /// The page path.
    pub path: String,
    /// Outgoing WikiLinks.
    pub links_to: Vec<String>,
    /// Pages linking here.
    pub linked_from: Vec<String>,
}

/// `find_orphaned_notes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct OrphansOut {
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// Pages no other page links to, sorted.
    pub orphans: Vec<String>,
}

/// One attachment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct AttachmentEntry {
    /// File name.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// MIME type guessed from the name.
    pub mime_type: String,
    /// ISO 8601 date-time of the last commit touching it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// `list_attachments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct AttachmentsOut {
    /// The page path (in the text).
    #[serde(skip)]
    pub path: String,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
    /// The files.
    pub attachments: Vec<AttachmentEntry>,
}

/// `upload_attachment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct AttachmentOut {
    /// The page path.
    pub path: String,
    /// File name as stored.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// MIME type.
    pub mime_type: String,
    /// The upload commit.
    pub revision: String,
}

/// `download_attachment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct DownloadOut {
    /// The page path.
    pub path: String,
    /// File name.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// MIME type.
    pub mime_type: String,
    /// Base64 content.
    pub content: String,
}

/// `delete_attachment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct AttachmentDeletedOut {
    /// The page path.
    pub path: String,
    /// File name.
    pub filename: String,
    /// The delete commit.
    pub revision: String,
}

/// `diff_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct DiffOut {
    /// The page path.
    pub path: String,
    /// Older revision.
    pub from: String,
    /// Newer revision.
    pub to: String,
    /// Unified diff (empty when nothing changed).
    pub diff: String,
}

/// `whoami`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct WhoamiOut {
    /// The wiki's slug.
    pub wiki: String,
    /// Its display name (in the text).
    #[serde(skip)]
    pub wiki_name: String,
    /// Its base URL.
    pub url: String,
    /// `token`, `user` or `anonymous`.
    pub principal: String,
    /// The token's name, for token principals (in the text).
    #[serde(skip)]
    pub token: Option<String>,
    /// The token's role (`editor`, `read-only`) or the user's role in the wiki.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user the principal acts for (commits are attributed to them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The git author of commits made in this session.
    pub author: String,
    /// What the principal may do.
    pub permissions: Permissions,
}

/// What a principal may do, as in [`robot_platform::policy::Permissions`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Permissions {
    /// Read pages, history, search, attachments.
    pub read: bool,
    /// Create, edit, rename and delete pages.
    pub write: bool,
    /// Upload and delete attachments.
    pub upload: bool,
    /// Change the wiki's settings.
    pub admin: bool,
}
