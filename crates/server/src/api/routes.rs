//! The REST API's one route table. The router dispatches through it and the OpenAPI document is
//! generated from it, so what is served and what is documented cannot drift apart.
//!
//! Paths are matched on the raw (still percent-encoded) URL: `{path}` is a page path and may span
//! several segments, `{filename}` is one segment. Action suffixes (`/history`, `/attachments`, …)
//! are recognised only for the methods they serve, so `PUT /pages/Notes/history` still writes the
//! page `Notes/history`; for a GET, percent-encode a letter of the last segment
//! (`/pages/Notes/%68istory`) to address such a page.

/// What an endpoint does; each has exactly one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `GET /health`.
    Health,
    /// `GET /openapi.json`.
    OpenApi,
    /// `GET /whoami`.
    WhoAmI,
    /// `GET /usage`.
    Usage,
    /// `GET /pages`.
    ListPages,
    /// `GET /pages/{path}`.
    ReadPage,
    /// `PUT /pages/{path}`.
    WritePage,
    /// `PATCH /pages/{path}`.
    EditPage,
    /// `DELETE /pages/{path}`.
    DeletePage,
    /// `POST /pages/{path}/rename`.
    RenamePage,
    /// `GET /pages/{path}/history`.
    History,
    /// `GET /pages/{path}/diff`.
    Diff,
    /// `GET /pages/{path}/sections`.
    Sections,
    /// `GET /pages/{path}/attachments`.
    ListAttachments,
    /// `POST /pages/{path}/attachments`.
    UploadAttachment,
    /// `GET /pages/{path}/attachments/{filename}`.
    DownloadAttachment,
    /// `DELETE /pages/{path}/attachments/{filename}`.
    DeleteAttachment,
    /// `GET /search`.
    Search,
    /// `GET /semantic-search`.
    SemanticSearch,
    /// `POST /reindex`.
    Reindex,
    /// `GET /reindex/status`.
    ReindexStatus,
    /// `GET /links`.
    Graph,
    /// `GET /links/{path}`.
    Links,
    /// `GET /orphans`.
    Orphans,
    /// `GET /changelog`.
    Changelog,
    /// `GET /pages/{path}/context`.
    Context,
    /// `POST /pages/{path}/restore`.
    RestorePage,
    /// `GET /tree`.
    Tree,
}

/// The permission an endpoint needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// None (public).
    Public,
    /// Read the wiki.
    Read,
    /// Change pages.
    Write,
    /// Upload or delete attachments.
    Upload,
}

/// A query parameter: name, JSON schema type, description.
pub type Param = (&'static str, &'static str, &'static str);

/// One endpoint: method, path template (relative to `/api/v1`) and its documentation.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/pages/{path}/history`.
    pub path: &'static str,
    /// The operation.
    pub op: Op,
    /// `operationId` in the OpenAPI document.
    pub id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Longer description.
    pub description: &'static str,
    /// Permission needed.
    pub access: Access,
    /// Query parameters.
    pub query: &'static [Param],
    /// Name of the request body schema, if the endpoint takes a body.
    pub body: Option<&'static str>,
    /// Whether the body is required.
    pub body_required: bool,
    /// Success status.
    pub status: u16,
    /// Name of the success response schema.
    pub response: &'static str,
}

const PAGING: &[Param] = &[
    (
        "limit",
        "integer",
        "Most entries to return (1 to 500, default 50).",
    ),
    (
        "offset",
        "integer",
        "Entries to skip (default 0); use `next_offset` from the previous response.",
    ),
];

const CHANGELOG_QUERY: &[Param] = &[
    PAGING[0],
    PAGING[1],
    (
        "since",
        "string",
        "Only commits made since this ISO 8601 date or date-time.",
    ),
    (
        "folder",
        "string",
        "Only commits that changed a page in this folder (e.g. `Projects`).",
    ),
];

const CONTEXT_QUERY: &[Param] = &[
    (
        "depth",
        "integer",
        "Link distance to follow, 1 to 3 (default 1).",
    ),
    (
        "max_notes",
        "integer",
        "Most related pages, 1 to 50 (default 10).",
    ),
    (
        "since",
        "string",
        "Only changes made since this ISO 8601 date or date-time.",
    ),
    (
        "max_bytes",
        "integer",
        "Most bytes of the JSON answer, 1000 to 200000 (default 16000).",
    ),
];

const TREE_QUERY: &[Param] = &[
    (
        "prefix",
        "string",
        "The folder to list (default: the whole wiki).",
    ),
    (
        "depth",
        "integer",
        "Levels below the prefix, 1 to 10 (default 2).",
    ),
];

/// Every endpoint, most specific first (the first match wins).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/pages/{path}/attachments/{filename}",
        op: Op::DownloadAttachment,
        id: "downloadAttachment",
        summary: "Download an attachment (base64 in JSON)",
        description: "The file's bytes, base64-encoded, with its size and MIME type.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "AttachmentContent",
    },
    Endpoint {
        method: "DELETE",
        path: "/pages/{path}/attachments/{filename}",
        op: Op::DeleteAttachment,
        id: "deleteAttachment",
        summary: "Delete an attachment",
        description: "One commit removing the file. Optional body: `commit_message`.",
        access: Access::Upload,
        query: &[],
        body: Some("MessageBody"),
        body_required: false,
        status: 200,
        response: "AttachmentDeleted",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}/attachments",
        op: Op::ListAttachments,
        id: "listAttachments",
        summary: "List a page's attachments",
        description: "Files directly in the page's folder (sub-pages excluded), sorted by name.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "AttachmentList",
    },
    Endpoint {
        method: "POST",
        path: "/pages/{path}/attachments",
        op: Op::UploadAttachment,
        id: "uploadAttachment",
        summary: "Upload an attachment (base64 in JSON)",
        description: "Stores `content` (base64, at most 25 MiB decoded) as `filename` in the page's \
                      folder, replacing a file of that name (last write wins). The page must exist.",
        access: Access::Upload,
        query: &[],
        body: Some("UploadBody"),
        body_required: true,
        status: 201,
        response: "AttachmentStored",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}/history",
        op: Op::History,
        id: "pageHistory",
        summary: "A page's history",
        description: "Commits that touched the page, newest first, following renames.",
        access: Access::Read,
        query: PAGING,
        body: None,
        body_required: false,
        status: 200,
        response: "History",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}/diff",
        op: Op::Diff,
        id: "pageDiff",
        summary: "Changes to a page between two revisions",
        description: "A unified diff and the same changes structured.",
        access: Access::Read,
        query: &[
            (
                "from",
                "string",
                "The older revision (7 to 40 hex characters). Required.",
            ),
            (
                "to",
                "string",
                "The newer revision (default: the current head).",
            ),
        ],
        body: None,
        body_required: false,
        status: 200,
        response: "Diff",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}/context",
        op: Op::Context,
        id: "pageContext",
        summary: "A page with the pages linked to and from it",
        description: "The page, the pages within `depth` links of it (either direction) with a \
                      summary line each, and the latest change of each, fitted to `max_bytes`: \
                      the page's text takes at most half (cut at a line end, `truncated`), then \
                      related pages nearest first, then changes newest first.",
        access: Access::Read,
        query: CONTEXT_QUERY,
        body: None,
        body_required: false,
        status: 200,
        response: "Context",
    },
    Endpoint {
        method: "POST",
        path: "/pages/{path}/restore",
        op: Op::RestorePage,
        id: "restorePage",
        summary: "Restore a page to an earlier revision",
        description: "One new commit that puts back the page's text at `to`; history is kept. \
                      With `revision` (the one you read), changes made since are merged or \
                      refused (409) like a write. Restores deleted pages too.",
        access: Access::Write,
        query: &[],
        body: Some("RestoreBody"),
        body_required: true,
        status: 200,
        response: "WriteResult",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}/sections",
        op: Op::Sections,
        id: "pageSections",
        summary: "A page's headings (table of contents)",
        description: "Every ATX heading with its `A > B` path, usable as `section` when reading \
                      or editing.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "SectionList",
    },
    Endpoint {
        method: "POST",
        path: "/pages/{path}/rename",
        op: Op::RenamePage,
        id: "renamePage",
        summary: "Rename a page",
        description: "Moves the page with its attachments and sub-pages and (unless \
                      `update_links` is false) rewrites links to it in other pages, all in one \
                      commit.",
        access: Access::Write,
        query: &[],
        body: Some("RenameBody"),
        body_required: true,
        status: 200,
        response: "RenameResult",
    },
    Endpoint {
        method: "GET",
        path: "/pages/{path}",
        op: Op::ReadPage,
        id: "readPage",
        summary: "Read a page",
        description: "Raw markdown (frontmatter included), parsed frontmatter, links and the \
                      page's revision: pass that revision back when writing.",
        access: Access::Read,
        query: &[
            (
                "revision",
                "string",
                "Read the page as of this commit (7 to 40 hex characters).",
            ),
            (
                "section",
                "string",
                "Return only this section: heading text or `A > B` path.",
            ),
        ],
        body: None,
        body_required: false,
        status: 200,
        response: "Note",
    },
    Endpoint {
        method: "PUT",
        path: "/pages/{path}",
        op: Op::WritePage,
        id: "writePage",
        summary: "Create or replace a page",
        description: "Creating needs no revision. Replacing needs the `revision` you read: if the \
                      page changed since, non-overlapping edits are merged (`merged: true`) and \
                      overlapping ones are refused with 409 `conflict`, `current_revision` and a \
                      `diff`. 201 when created, 200 when replaced.",
        access: Access::Write,
        query: &[],
        body: Some("WriteBody"),
        body_required: true,
        status: 200,
        response: "WriteResult",
    },
    Endpoint {
        method: "PATCH",
        path: "/pages/{path}",
        op: Op::EditPage,
        id: "editPage",
        summary: "Edit a page in place",
        description: "Either find-and-replace (`old_string` must occur exactly once, frontmatter \
                      included) or one `op`: `append`, `prepend`, `replace_section`, \
                      `insert_before_section`, `insert_after_section`. With `revision`, the edit \
                      applies to the text you read and is merged like a PUT; without, it applies \
                      to the current text.",
        access: Access::Write,
        query: &[],
        body: Some("EditBody"),
        body_required: true,
        status: 200,
        response: "WriteResult",
    },
    Endpoint {
        method: "DELETE",
        path: "/pages/{path}",
        op: Op::DeletePage,
        id: "deletePage",
        summary: "Delete a page",
        description: "One commit. Optional body: `commit_message`; `revision` (refuse if the page \
                      changed since); `recursive` (also delete its attachments and sub-pages).",
        access: Access::Write,
        query: &[],
        body: Some("DeleteBody"),
        body_required: false,
        status: 200,
        response: "DeleteResult",
    },
    Endpoint {
        method: "GET",
        path: "/pages",
        op: Op::ListPages,
        id: "listPages",
        summary: "List pages",
        description: "Sorted by path, filters AND-ed, paginated with `offset` or `cursor`.",
        access: Access::Read,
        query: &[
            (
                "prefix",
                "string",
                "Path prefix, case-insensitive (`Projects/`).",
            ),
            (
                "category",
                "string",
                "Frontmatter category, case-insensitive.",
            ),
            ("tag", "string", "A frontmatter tag, case-insensitive."),
            (
                "updated_since",
                "string",
                "ISO 8601 date or date-time; naive values are UTC.",
            ),
            (
                "limit",
                "integer",
                "Most pages to return (1 to 1000, default 1000).",
            ),
            (
                "offset",
                "integer",
                "Pages to skip; use `next_offset` from the previous response.",
            ),
            (
                "cursor",
                "string",
                "Start after this page; use `next_cursor` from the previous response.",
            ),
        ],
        body: None,
        body_required: false,
        status: 200,
        response: "PageList",
    },
    Endpoint {
        method: "GET",
        path: "/links/{path}",
        op: Op::Links,
        id: "pageLinks",
        summary: "A page's links and backlinks",
        description: "Empty lists for a page that does not exist (never 404).",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "Links",
    },
    Endpoint {
        method: "GET",
        path: "/links",
        op: Op::Graph,
        id: "linkGraph",
        summary: "The whole link graph",
        description: "Nodes are pages and link targets; edges are WikiLinks.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "Graph",
    },
    Endpoint {
        method: "GET",
        path: "/orphans",
        op: Op::Orphans,
        id: "orphans",
        summary: "Pages no other page links to",
        description: "`Home` is never an orphan; a link to itself does not count.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "Orphans",
    },
    Endpoint {
        method: "GET",
        path: "/search",
        op: Op::Search,
        id: "search",
        summary: "Keyword search",
        description: "Case-insensitive terms over page names and text, ranked (name matches weigh \
                      more).",
        access: Access::Read,
        query: &[
            ("q", "string", "The words to search for. Required."),
            ("limit", "integer", "Most results (1 to 200, default 50)."),
            (
                "offset",
                "integer",
                "Results to skip (keyword mode; default 0).",
            ),
            (
                "mode",
                "string",
                "`keyword` (default: all terms, `\"phrases\"`, `prefix*`), or `hybrid` / \
                 `semantic` for the best page per passage search (needs the embedding model).",
            ),
            (
                "prefix",
                "string",
                "Only pages whose path starts with this.",
            ),
            ("tag", "string", "Only pages with this frontmatter tag."),
            (
                "category",
                "string",
                "Only pages of this frontmatter category.",
            ),
            (
                "updated_since",
                "string",
                "Only pages changed at or after this ISO 8601 time.",
            ),
        ],
        body: None,
        body_required: false,
        status: 200,
        response: "SearchResults",
    },
    Endpoint {
        method: "GET",
        path: "/semantic-search",
        op: Op::SemanticSearch,
        id: "semanticSearch",
        summary: "Passage search by meaning, keywords or both",
        description: "Section chunks ranked by `mode`: `hybrid` (default; keyword and vector \
                      rankings fused by reciprocal rank), `semantic` (embeddings only) or \
                      `keyword` (bm25 over chunks). `index` says which commit keyword search \
                      reflects and how many passages still wait for their embedding. 503 when \
                      the server has no embedding model (keyword mode still works).",
        access: Access::Read,
        query: &[
            ("q", "string", "A question or description. Required."),
            ("n", "integer", "Most passages (1 to 50, default 5)."),
            (
                "max_chunks_per_page",
                "integer",
                "Most passages of one page (1 to 5, default 2).",
            ),
            (
                "mode",
                "string",
                "`hybrid` (default), `semantic` or `keyword`.",
            ),
            (
                "prefix",
                "string",
                "Only pages whose path starts with this.",
            ),
            ("tag", "string", "Only pages with this frontmatter tag."),
            (
                "category",
                "string",
                "Only pages of this frontmatter category.",
            ),
            (
                "updated_since",
                "string",
                "Only pages changed at or after this ISO 8601 time.",
            ),
        ],
        body: None,
        body_required: false,
        status: 200,
        response: "PassageResults",
    },
    Endpoint {
        method: "POST",
        path: "/reindex",
        op: Op::Reindex,
        id: "reindex",
        summary: "Rebuild the wiki's search index from git",
        description: "Starts a rebuild in the background and answers 202 at once; 409 when one \
                      is running. Follow it with `GET /reindex/status`.",
        access: Access::Write,
        query: &[],
        body: None,
        body_required: false,
        status: 202,
        response: "ReindexStatus",
    },
    Endpoint {
        method: "GET",
        path: "/reindex/status",
        op: Op::ReindexStatus,
        id: "reindexStatus",
        summary: "State of the last rebuild and of the embeddings",
        description: "`status` is `idle`, `running`, `complete` or `failed` (with `error`); \
                      `index` reports the indexed commit and pending embeddings.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "ReindexStatus",
    },
    Endpoint {
        method: "GET",
        path: "/tree",
        op: Op::Tree,
        id: "tree",
        summary: "Folders and pages",
        description: "Folders (with how many pages each holds) and pages under `prefix`, `depth` \
                      levels down, sorted by path.",
        access: Access::Read,
        query: TREE_QUERY,
        body: None,
        body_required: false,
        status: 200,
        response: "Tree",
    },
    Endpoint {
        method: "GET",
        path: "/changelog",
        op: Op::Changelog,
        id: "changelog",
        summary: "Recent changes to the wiki",
        description: "Commits newest first, with the pages each touched; `since` and `folder` \
                      narrow them (the newest 10,000 commits are searched).",
        access: Access::Read,
        query: CHANGELOG_QUERY,
        body: None,
        body_required: false,
        status: 200,
        response: "Changelog",
    },
    Endpoint {
        method: "GET",
        path: "/whoami",
        op: Op::WhoAmI,
        id: "whoami",
        summary: "Who you are here",
        description: "The wiki, your principal (token, user, anonymous) and your permissions.",
        access: Access::Public,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "WhoAmI",
    },
    Endpoint {
        method: "GET",
        path: "/usage",
        op: Op::Usage,
        id: "usage",
        summary: "Storage used against the quota",
        description: "The repository's size on disk (all history) and its page count, with this \
                      wiki's limits. Writes past a limit get 413 `quota_exceeded`; deleting \
                      always works.",
        access: Access::Read,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "Usage",
    },
    Endpoint {
        method: "GET",
        path: "/health",
        op: Op::Health,
        id: "health",
        summary: "Liveness check",
        description: "Always `{\"status\": \"ok\"}`; needs no token.",
        access: Access::Public,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "Health",
    },
    Endpoint {
        method: "GET",
        path: "/openapi.json",
        op: Op::OpenApi,
        id: "openapi",
        summary: "This API's OpenAPI 3.1 document",
        description: "Generated from the same table the router dispatches with.",
        access: Access::Public,
        query: &[],
        body: None,
        body_required: false,
        status: 200,
        response: "OpenApiDocument",
    },
];
