//! What notes calls return. Every type serializes to the JSON the REST API sends (field names are
//! those of the otterwiki-api where one existed), and MCP formats the same values as text.

use robot_platform::policy::Permissions;
use robot_store::FileDiff;
use serde::Serialize;

/// A commit as shown next to a page: `{revision, author, date, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitSummary {
    /// Full 40-hex commit id.
    pub revision: String,
    /// Author display name.
    pub author: String,
    /// ISO 8601 with the author's UTC offset.
    pub date: String,
    /// The commit message.
    pub message: String,
}

/// A page as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// Frontmatter `title`, else the first heading when it matches the name, else the name.
    pub name: String,
    /// The page path as stored (`Projects/Big Plan`).
    pub path: String,
    /// The raw markdown, frontmatter included (only the section when one was asked for).
    pub content: String,
    /// The frontmatter as a JSON object, or `null`.
    pub frontmatter: serde_json::Value,
    /// Pages this page links to (current head, existing or not), sorted.
    pub links_to: Vec<String>,
    /// Pages linking here (current head), sorted.
    pub linked_from: Vec<String>,
    /// The page's revision: the last commit that touched it (or the commit asked for). Pass it
    /// back as the base revision of a write.
    pub revision: String,
    /// That commit.
    pub last_commit: Option<CommitSummary>,
    /// The canonical heading path when a section was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// The result of a page write or edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteOutcome {
    /// The page's display name.
    pub name: String,
    /// The page path as stored.
    pub path: String,
    /// The page's revision after the write.
    pub revision: String,
    /// True when the page did not exist before.
    pub created: bool,
    /// True when the base was stale and the change was merged with edits made meanwhile.
    pub merged: bool,
    /// False when the content was already what was sent (no commit was made).
    pub changed: bool,
}

/// The result of a page deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeleteOutcome {
    /// Always true.
    pub deleted: bool,
    /// The deleted page.
    pub path: String,
    /// The commit that deleted it.
    pub revision: String,
}

/// The result of a rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameOutcome {
    /// The old page path.
    pub old_path: String,
    /// The new page path.
    pub new_path: String,
    /// The one commit that moved the page and rewrote the links.
    pub revision: String,
    /// Pages whose links were rewritten, sorted.
    pub updated_pages: Vec<String>,
}

/// One page in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageSummary {
    /// Display name.
    pub name: String,
    /// Page path.
    pub path: String,
    /// Frontmatter `category`.
    pub category: Option<String>,
    /// Frontmatter `tags`.
    pub tags: Vec<String>,
    /// `YYYY-MM-DD` of the last commit that touched the page.
    pub last_updated: Option<String>,
    /// Words in the body (frontmatter excluded).
    pub content_length: usize,
}

/// A page of a page listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageList {
    /// The pages, sorted by path (case-insensitively).
    pub pages: Vec<PageSummary>,
    /// How many pages match the filters in all.
    pub total: usize,
    /// Offset of the next page of results, or `null` at the end.
    pub next_offset: Option<usize>,
    /// Cursor for the next page of results (pass as `cursor`), or `null` at the end.
    pub next_cursor: Option<String>,
}

/// Filters of a page listing; all given ones must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Path prefix, compared case-insensitively (`Projects/` or `proj`).
    pub prefix: Option<String>,
    /// Frontmatter category, case-insensitive.
    pub category: Option<String>,
    /// One of the frontmatter tags, case-insensitive.
    pub tag: Option<String>,
    /// ISO 8601 date or date-time; pages last changed at or after it. Naive times are UTC.
    pub updated_since: Option<String>,
}

/// Where a listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Skip this many matching pages.
    Offset(usize),
    /// Start after the page this cursor (a `next_cursor`) names.
    Cursor(String),
}

/// A page's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History {
    /// The page path.
    pub path: String,
    /// How many commits touched the page (following renames), all pages together.
    pub total: usize,
    /// Commits that touched the page (following renames), newest first, with the pages each
    /// changed.
    pub history: Vec<ChangelogEntry>,
    /// Offset of the next page of results, or `null` at the end.
    pub next_offset: Option<usize>,
}

/// One wiki-wide change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogEntry {
    /// Full commit id.
    pub revision: String,
    /// Author display name.
    pub author: String,
    /// ISO 8601 with offset.
    pub date: String,
    /// Commit message.
    pub message: String,
    /// Pages the commit touched (attachments are not listed).
    pub pages_affected: Vec<String>,
}

/// Recent changes to the whole wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changelog {
    /// Newest first.
    pub entries: Vec<ChangelogEntry>,
    /// Commits in the wiki's history.
    pub total: usize,
    /// Offset of the next page of results, or `null` at the end.
    pub next_offset: Option<usize>,
}

/// A page's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Links {
    /// The page path.
    pub path: String,
    /// Pages it links to, sorted.
    pub links_to: Vec<String>,
    /// Pages that link to it, sorted.
    pub linked_from: Vec<String>,
}

/// One link of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The linking page.
    pub source: String,
    /// The linked page.
    pub target: String,
}

/// The whole link graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Every page and every link target, sorted.
    pub nodes: Vec<String>,
    /// Every link, sorted by source then target.
    pub edges: Vec<Edge>,
}

/// Pages nothing links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Orphans {
    /// Sorted page paths (`Home` is never an orphan).
    pub orphans: Vec<String>,
    /// How many.
    pub total: usize,
}

/// Changes to one page between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteDiff {
    /// The page path.
    pub path: String,
    /// Full id of the older revision.
    pub from: String,
    /// Full id of the newer revision.
    pub to: String,
    /// The changes as a unified diff (empty when nothing changed).
    pub unified: String,
    /// The same changes, structured.
    pub files: Vec<FileDiff>,
}

/// One attachment in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// File name.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
    /// Guessed from the extension.
    pub mime_type: String,
    /// ISO 8601 date of the last commit that changed it.
    pub last_modified: Option<String>,
}

/// A page's attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentList {
    /// Sorted by name.
    pub attachments: Vec<AttachmentInfo>,
    /// How many.
    pub total: usize,
    /// The page path.
    pub path: String,
}

/// One attachment's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentData {
    /// File name as stored.
    pub filename: String,
    /// The page path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Guessed from the extension.
    pub mime_type: String,
    /// The bytes (REST and MCP send them base64-encoded as `content`).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// The result of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentStored {
    /// File name as stored.
    pub filename: String,
    /// The page path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Guessed from the extension.
    pub mime_type: String,
    /// The commit (or the unchanged head when the file was already identical).
    pub revision: String,
    /// True when a file of that name was replaced.
    pub replaced: bool,
}

/// The result of deleting an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentDeleted {
    /// Always true.
    pub deleted: bool,
    /// The deleted file.
    pub filename: String,
    /// The commit that deleted it.
    pub revision: String,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// Page title (frontmatter `title`, else the first heading, else the page name).
    pub name: String,
    /// Page path.
    pub path: String,
    /// Plain text around the best match in the body, `...` where cut.
    pub snippet: String,
    /// 0.01 to 1, relative to the best hit of the search (which scores 1), in hundredths; title
    /// matches weigh more than body matches. Never raw bm25: ranking statistics are the wiki's
    /// own and only a coarse share is shown, so nothing of another wiki can be read from it.
    pub score: f64,
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// The query as searched.
    pub query: String,
    /// Best first, at most the limit asked for.
    pub results: Vec<SearchHit>,
    /// How many pages matched in all.
    pub total: usize,
}

/// The headings of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionList {
    /// The page path.
    pub path: String,
    /// Every heading in document order.
    pub sections: Vec<super::sections::Heading>,
}

/// Who the caller is on this wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoAmI {
    /// The wiki's slug.
    pub wiki: String,
    /// The wiki's display name.
    pub wiki_name: String,
    /// `token`, `user` or `anonymous`.
    pub principal: &'static str,
    /// The user's handle (for tokens: the user who minted it).
    pub user: Option<String>,
    /// The token's name, for token requests.
    pub token: Option<String>,
    /// The token's role (`editor`, `read-only`) or the user's role in the wiki.
    pub role: Option<String>,
    /// What the caller may do.
    pub permissions: Permissions,
}

/// One passage (a chunk of a page) found by semantic, hybrid or keyword chunk search. The field
/// names follow the peer semantic-search API (`name`, `path`, `text`, `snippet`, `distance`,
/// `section`, `section_path`, `chunk_index`, `total_chunks`), plus why it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// Page path (the peer's `name`).
    pub name: String,
    /// Page path.
    pub path: String,
    /// Page title.
    pub title: String,
    /// The chunk's text.
    pub text: String,
    /// The text cut to about 150 characters at a word boundary.
    pub snippet: String,
    /// Heading of the chunk's section (`""` before the first heading).
    pub section: String,
    /// `Section > Subsection` within the page: what `read_note`'s `section` takes (`""` before the
    /// first heading).
    pub section_path: String,
    /// Position of the chunk in its page, from 0.
    pub chunk_index: usize,
    /// Chunks in the page.
    pub total_chunks: usize,
    /// Relevance, higher is better: cosine similarity (semantic), bm25 relative to the best hit
    /// in hundredths (keyword), or the fused rank score, a function of the ranks only (hybrid).
    pub score: f64,
    /// Cosine distance (`1 - similarity`), when vectors were compared.
    pub distance: Option<f64>,
    /// Which rankings found it: `keyword`, `semantic` or both.
    pub matched: Vec<&'static str>,
    /// Rank in the keyword ranking (from 1).
    pub keyword_rank: Option<usize>,
    /// Rank in the vector ranking (from 1).
    pub semantic_rank: Option<usize>,
}

/// How current the search index is for a wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexFreshness {
    /// The commit keyword search reflects: always the head when the search ran.
    pub commit: String,
    /// The embedding model, when semantic search is enabled.
    pub model: Option<String>,
    /// Chunks at that commit.
    pub chunks: usize,
    /// Chunks still waiting for their vector: semantic results leave them out until embedded.
    pub pending_vectors: usize,
    /// True when every chunk has its vector.
    pub vectors_current: bool,
}

/// Passages found, with the index's freshness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageResults {
    /// The query as searched.
    pub query: String,
    /// `hybrid`, `semantic` or `keyword`.
    pub mode: &'static str,
    /// Best first.
    pub results: Vec<Passage>,
    /// Results returned (passage searches are not paged beyond `n`).
    pub total: usize,
    /// Whether vectors lag behind the wiki, and by how much.
    pub index: IndexFreshness,
}
