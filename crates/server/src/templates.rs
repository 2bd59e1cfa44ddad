//! Askama template structs: one per page, each carrying the shared [`Chrome`].

use askama::Template;
use robot_wiki::TocEntry;

/// What the shared layout needs on every page: identity, permissions, navigation, CSRF.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// Wiki (or platform) name shown in the top bar.
    pub site_name: String,
    /// Meta description.
    pub description: String,
    /// Document title (before the site name).
    pub doc_title: String,
    /// Base URL of the wiki; empty on platform pages.
    pub wiki_url: String,
    /// Where "Log in" goes.
    pub login_url: String,
    /// The platform dashboard, linked for signed-in users; empty hides the link.
    pub dashboard_url: String,
    /// Display name of the signed-in user.
    pub user: Option<String>,
    /// Token for forms.
    pub csrf: String,
    /// `dark` or `light` when the visitor chose one.
    pub theme: Option<String>,
    /// Permission-driven affordances.
    pub can_write: bool,
    /// May upload attachments.
    pub can_upload: bool,
    /// May change wiki settings.
    pub is_admin: bool,
    /// A one-shot message from the previous action.
    pub flash: Option<Flash>,
    /// Load mermaid.js.
    pub requires_mermaid: bool,
    /// Sidebar page tree.
    pub tree: Vec<TreeItem>,
    /// Right-hand table of contents.
    pub toc: Vec<TocEntry>,
    /// (label, url) pairs.
    pub breadcrumbs: Vec<(String, String)>,
    /// Current page path for `data-page-path`.
    pub page_path: String,
    /// Current search query (shown in the search box).
    pub query: String,
    /// Ask search engines not to index (old revisions).
    pub noindex: bool,
}

/// A one-shot message shown at the top of the next page.
#[derive(Debug, Clone)]
pub struct Flash {
    /// `ok`, `error` or `info`.
    pub kind: String,
    /// The message.
    pub message: String,
}

/// An entry of the sidebar tree.
#[derive(Debug, Clone)]
pub struct TreeItem {
    /// Display title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Nesting depth, from 1.
    pub depth: usize,
    /// The page being viewed.
    pub active: bool,
    /// A folder without a page of its own.
    pub is_dir: bool,
}

/// One commit in a history or changelog table.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    /// Full commit id.
    pub id: String,
    /// Short id.
    pub short: String,
    /// Formatted date.
    pub date: String,
    /// Author display name.
    pub author: String,
    /// Commit message.
    pub message: String,
    /// Previous name of the page when this commit renamed it.
    pub renamed_from: Option<String>,
    /// (label, url) of changed files.
    pub files: Vec<(String, String)>,
}

/// A file's diff, ready for display.
#[derive(Debug, Clone)]
pub struct DiffFileView {
    /// Path before.
    pub old_path: String,
    /// Path after.
    pub new_path: String,
    /// added / modified / deleted / renamed.
    pub status: String,
    /// No text diff possible.
    pub binary: bool,
    /// Hunks.
    pub hunks: Vec<HunkView>,
}

/// A hunk of a diff.
#[derive(Debug, Clone)]
pub struct HunkView {
    /// `@@ … @@` header.
    pub header: String,
    /// Lines.
    pub lines: Vec<LineView>,
}

/// A diff line.
#[derive(Debug, Clone)]
pub struct LineView {
    /// `added`, `removed` or `context`.
    pub class: &'static str,
    /// Old line number or empty.
    pub old: String,
    /// New line number or empty.
    pub new: String,
    /// `+`, `-` or a space.
    pub sign: &'static str,
    /// Line text without newline.
    pub text: String,
}

/// A group of consecutive lines from one commit.
#[derive(Debug, Clone)]
pub struct BlameView {
    /// Commit id.
    pub id: String,
    /// Short id.
    pub short: String,
    /// Author.
    pub author: String,
    /// Date.
    pub date: String,
    /// Commit message.
    pub message: String,
    /// (line number, text).
    pub lines: Vec<(u32, String)>,
}

/// An entry of the page index or a folder listing.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    /// Display title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Depth, from 1.
    pub depth: usize,
    /// A folder without its own page.
    pub is_dir: bool,
}

/// One attachment row.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    /// File name.
    pub name: String,
    /// File name percent-encoded for URLs.
    pub name_url: String,
    /// Raw URL.
    pub url: String,
    /// Human size.
    pub size: String,
    /// Last change summary.
    pub changed: String,
    /// Shown as a thumbnail.
    pub is_image: bool,
    /// Short type label.
    pub kind: String,
}

/// One search hit.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// Page title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Page path.
    pub path: String,
    /// HTML snippets (escaped text with `<mark>`).
    pub snippets: Vec<String>,
}

/// Page view.
#[derive(Template)]
#[template(path = "page.html")]
pub struct PageTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub html: String,
    pub revision: Option<String>,
    pub last_change: Option<ChangeRow>,
}

/// A page that does not exist (yet).
#[derive(Template)]
#[template(path = "missing.html")]
pub struct MissingTpl {
    pub chrome: Chrome,
    pub title: String,
    pub name: String,
    pub page_url: String,
}

/// A folder without a page: its listing.
#[derive(Template)]
#[template(path = "folder.html")]
pub struct FolderTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub entries: Vec<IndexEntry>,
}

/// The editor.
#[derive(Template)]
#[template(path = "edit.html")]
pub struct EditTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub cancel_url: String,
    pub content: String,
    pub base_revision: String,
    pub is_new: bool,
    /// After a refused save: both versions, shown beside the merged text.
    pub conflict: Option<EditConflict>,
}

/// The two edits behind a refused save, for the editor to show.
pub struct EditConflict {
    /// What the person saved.
    pub yours: String,
    /// The page as it is now.
    pub current: String,
    /// Its revision, short.
    pub current_revision: String,
    /// Who made it.
    pub current_author: String,
}

/// Page history.
#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub entries: Vec<ChangeRow>,
}

/// Diff between two revisions of a page.
#[derive(Template)]
#[template(path = "diff.html")]
pub struct DiffTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub rev_a: String,
    pub rev_a_short: String,
    pub rev_b: String,
    pub rev_b_short: String,
    pub diffs: Vec<DiffFileView>,
}

/// One commit.
#[derive(Template)]
#[template(path = "commit.html")]
pub struct CommitTpl {
    pub chrome: Chrome,
    pub info: ChangeRow,
    pub diffs: Vec<DiffFileView>,
}

/// Revert confirmation.
#[derive(Template)]
#[template(path = "revert.html")]
pub struct RevertTpl {
    pub chrome: Chrome,
    pub info: ChangeRow,
    pub diffs: Vec<DiffFileView>,
}

/// Blame.
#[derive(Template)]
#[template(path = "blame.html")]
pub struct BlameTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub chunks: Vec<BlameView>,
}

/// Highlighted source.
#[derive(Template)]
#[template(path = "source.html")]
pub struct SourceTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub content: String,
    pub revision: Option<String>,
}

/// Rename form.
#[derive(Template)]
#[template(path = "rename.html")]
pub struct RenameTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub current_name: String,
}

/// Delete confirmation.
#[derive(Template)]
#[template(path = "delete.html")]
pub struct DeleteTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub attachment_count: usize,
    /// The page's revision when the confirmation was shown (a later change stops the delete).
    pub base_revision: String,
}

/// Attachment list and upload.
#[derive(Template)]
#[template(path = "attachments.html")]
pub struct AttachmentsTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub files: Vec<AttachmentRow>,
}

/// One attachment: history, replace, rename, delete.
#[derive(Template)]
#[template(path = "attachment.html")]
pub struct AttachmentTpl {
    pub chrome: Chrome,
    pub title: String,
    pub page_url: String,
    pub name: String,
    pub name_url: String,
    pub url: String,
    pub is_image: bool,
    pub history: Vec<ChangeRow>,
}

/// Create-page form.
#[derive(Template)]
#[template(path = "create.html")]
pub struct CreateTpl {
    pub chrome: Chrome,
    pub pagename: String,
}

/// A–Z index.
#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexTpl {
    pub chrome: Chrome,
    pub count: usize,
    pub groups: Vec<(String, Vec<IndexEntry>)>,
}

/// Changelog.
#[derive(Template)]
#[template(path = "changelog.html")]
pub struct ChangelogTpl {
    pub chrome: Chrome,
    pub entries: Vec<ChangeRow>,
    pub page: usize,
    pub pages: usize,
}

/// Search page.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchTpl {
    pub chrome: Chrome,
    pub results: Vec<SearchResult>,
    /// `keyword`, `hybrid` or `semantic`.
    pub mode: String,
    /// Whether the server can rank by meaning.
    pub semantic: bool,
    /// The filters as given.
    pub filter: crate::notes::ListFilter,
    /// Passages not embedded yet (meaning rankings may miss them).
    pub pending: usize,
    /// Why the search failed, shown instead of results.
    pub error: Option<String>,
}

/// Wiki settings.
#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminTpl {
    pub chrome: Chrome,
    pub site_name: String,
    pub description: String,
    /// (field name, label, current value).
    pub access_fields: Vec<(String, String, String)>,
    /// (value, label).
    pub levels: Vec<(String, String)>,
    /// The owner's handle.
    pub owner_handle: String,
    /// Members.
    pub members: Vec<crate::dashboard::views::MemberItem>,
    /// Pending access requests.
    pub requests: Vec<crate::dashboard::views::RequestItem>,
    /// Where the collaborator forms post.
    pub members_action: String,
    /// Where the access-request answers post.
    pub requests_action: String,
    /// Roles a member can hold.
    pub member_roles: Vec<&'static str>,
    /// This wiki's page on the platform dashboard (tokens, MCP, deletion).
    pub dashboard_wiki_url: String,
    /// Storage used against the quota.
    pub usage: crate::limits::quota::UsageReport,
}

/// The request-access page of a wiki host.
#[derive(Template)]
#[template(path = "request_access.html")]
pub struct RequestAccessTpl {
    pub chrome: Chrome,
    /// The visitor's role, when they already have one.
    pub role: Option<String>,
    /// Whether their request is waiting for an answer.
    pub pending: bool,
}

/// The OAuth consent page: may this app use this wiki as me?
#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentTpl {
    pub chrome: Chrome,
    /// The app's registered name (the user should not trust it blindly: the host is shown too).
    pub client_name: String,
    /// Where the browser goes back to.
    pub redirect_host: String,
    /// Every redirect URI the app may use.
    pub redirect_uris: Vec<String>,
    /// For an app identified by a metadata document: the host that serves the document.
    pub document_host: Option<String>,
    /// The host of the app's home page (`client_uri`), if its document names one.
    pub client_host: Option<String>,
    /// The host of the app's logo (`logo_uri`), if its document names one (not loaded here).
    pub logo_host: Option<String>,
    /// How long one access token lasts at this wiki ("30 days").
    pub token_lifetime: String,
    /// The wiki's display name.
    pub wiki_name: String,
    /// The wiki's URL.
    pub wiki_url: String,
    /// Whether the user (and so the app) may edit, or only read.
    pub can_write: bool,
    /// The request, carried through the form.
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub state: String,
    pub resource: String,
}

/// Error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTpl {
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
    /// Offer the wiki's request-access page (a signed-in visitor was refused on a wiki host).
    pub request_access: bool,
}

/// Platform landing page.
#[derive(Template)]
#[template(path = "landing.html")]
pub struct LandingTpl {
    pub chrome: Chrome,
    /// (name, url, description).
    pub wikis: Vec<(String, String, String)>,
}

/// Platform login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginTpl {
    pub chrome: Chrome,
    /// The handle typed last time (kept after an error).
    pub handle: String,
}

/// Platform logout confirmation.
#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutTpl {
    pub chrome: Chrome,
}
