//! JSON schemas of the API's bodies and responses (mirroring `crate::notes` types).

use serde_json::{Value, json};

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn nullable_string(description: &str) -> Value {
    json!({ "type": ["string", "null"], "description": description })
}

fn integer(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "description": description })
}

fn boolean(description: &str) -> Value {
    json!({ "type": "boolean", "description": description })
}

fn strings(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": description })
}

fn list_of(schema: &str) -> Value {
    json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } })
}

fn next_offset() -> Value {
    json!({ "type": ["integer", "null"], "description": "Offset of the next page of results; null at the end." })
}

fn revision() -> Value {
    string("Full 40-hex commit id.")
}

fn message() -> Value {
    string("Commit message; default `[api] Action: path`.")
}

/// Every schema, by name.
pub fn all() -> Value {
    let mut all = serde_json::Map::new();
    for part in [common(), pages(), history(), files()] {
        if let Value::Object(map) = part {
            all.extend(map);
        }
    }
    Value::Object(all)
}

fn common() -> Value {
    json!({
        "Error": object(&["error", "message"], json!({
            "error": string("Stable machine-readable code."),
            "message": string("What went wrong and what to do next."),
            "available_sections": strings("For `section_not_found`: the headings that exist."),
        })),
        "Conflict": object(&["error", "message"], json!({
            "error": string("`conflict`, `revision_required` or `already_exists`."),
            "message": string("What happened and how to recover."),
            "current_revision": string("For `conflict`: the page's revision now; read the page again."),
            "diff": string("For `conflict`: unified diff of the page from your revision to now."),
            "paths": strings("For `conflict`: the files whose edits overlap."),
        })),
        "Health": object(&["status"], json!({ "status": { "const": "ok" } })),
        "OpenApiDocument": { "type": "object", "description": "This document." },
        "CommitSummary": object(&["revision", "author", "date", "message"], json!({
            "revision": revision(),
            "author": string("Author name."),
            "date": string("ISO 8601 with offset."),
            "message": string("Commit message."),
        })),
        "Note": object(&["name", "path", "content", "frontmatter", "links_to", "linked_from", "revision"], json!({
            "name": string("Frontmatter title, else first heading, else the page name."),
            "path": string("Page path as stored."),
            "content": string("Raw markdown including frontmatter (only the section, when asked)."),
            "frontmatter": { "type": ["object", "null"], "description": "Parsed YAML frontmatter." },
            "links_to": strings("Pages this page links to."),
            "linked_from": strings("Pages linking here."),
            "revision": string("Last commit that touched the page (or the revision asked for). Send it back when writing."),
            "last_commit": { "oneOf": [{ "$ref": "#/components/schemas/CommitSummary" }, { "type": "null" }] },
            "section": string("Canonical heading path, when a section was asked for."),
        })),
    })
}

fn pages() -> Value {
    json!({
        "WriteBody": object(&["content"], json!({
            "content": string("The whole page: markdown, optional YAML frontmatter. At most 4 MiB."),
            "revision": string("The revision you read (7+ hex). Required to replace an existing page."),
            "commit_message": message(),
        })),
        "EditBody": {
            "type": "object",
            "description": "Find-and-replace (`old_string`, `new_string`) or one `op`.",
            "properties": {
                "old_string": string("Text that occurs exactly once in the page."),
                "new_string": string("Replacement (empty deletes)."),
                "op": { "enum": ["replace", "replace_all", "append", "prepend", "replace_section", "insert_before_section", "insert_after_section", "set_frontmatter"] },
                "old": string("For ops `replace` and `replace_all`."),
                "new": string("For ops `replace` and `replace_all`."),
                "expected": integer("For op `replace_all`: how many occurrences there must be."),
                "fields": { "type": "object", "description": "For op `set_frontmatter`: fields to set; `null` removes a field." },
                "text": string("For the other ops: the markdown to add."),
                "section": string("For the section ops: heading text or `A > B` path."),
                "revision": string("The revision you read; without it the edit applies to the current text."),
                "commit_message": message(),
            },
        },
        "WriteResult": object(&["name", "path", "revision", "created", "merged", "changed"], json!({
            "name": string("Page title."),
            "path": string("Page path."),
            "revision": string("The page's revision after the write."),
            "created": boolean("The page did not exist before."),
            "merged": boolean("Your base was stale; your change was merged with edits made meanwhile."),
            "changed": boolean("False when the content was already what you sent (no commit)."),
        })),
        "DeleteBody": object(&[], json!({
            "commit_message": message(),
            "revision": string("Refuse (409) if the page changed since this revision."),
            "recursive": boolean("Also delete the page's attachments and sub-pages."),
        })),
        "DeleteResult": object(&["deleted", "path", "revision"], json!({
            "deleted": { "const": true }, "path": string("Page path."), "revision": revision(),
        })),
        "RestoreBody": object(&["to"], json!({
            "to": string("The revision whose text to bring back (from the page's history)."),
            "revision": string("The revision you read; without it the restore applies over the current page."),
            "commit_message": message(),
        })),
        "Context": object(&["path", "title", "revision", "content", "truncated", "related", "changes", "omitted"], json!({
            "path": string("Page path."),
            "title": string("Page title."),
            "revision": revision(),
            "content": string("The page's markdown, cut at a line end when `truncated`."),
            "truncated": boolean("True when `content` was cut to fit `max_bytes`."),
            "related": { "type": "array", "items": object(&["path", "title", "relation", "depth", "summary"], json!({
                "path": string("Page path."),
                "title": string("Page title."),
                "relation": string("`links_to`, `linked_from`, `both`, or `via {path}` beyond depth 1."),
                "depth": integer("Link distance from the page."),
                "summary": string("Frontmatter `summary` or `description`, else the first line of prose."),
            })) },
            "changes": { "type": "array", "items": object(&["path", "revision", "date", "author", "message"], json!({
                "path": string("Page path."),
                "revision": revision(),
                "date": string("ISO 8601."),
                "author": string("Author name."),
                "message": string("Commit message."),
            })) },
            "omitted": integer("Related pages found but left out (over `max_notes` or `max_bytes`)."),
        })),
        "Tree": object(&["entries"], json!({
            "entries": { "type": "array", "items": object(&["path", "kind"], json!({
                "path": string("Folder or page path."),
                "kind": { "enum": ["folder", "page"] },
                "pages": integer("For folders: pages anywhere beneath."),
            })) },
        })),
        "RenameBody": object(&["new_path"], json!({
            "new_path": string("The new page path."),
            "update_links": boolean("Rewrite links in other pages (default true)."),
            "commit_message": message(),
        })),
        "RenameResult": object(&["old_path", "new_path", "revision", "updated_pages"], json!({
            "old_path": string("Old page path."),
            "new_path": string("New page path."),
            "revision": revision(),
            "updated_pages": strings("Pages whose links were rewritten in the same commit."),
        })),
        "PageSummary": object(&["name", "path", "tags", "content_length"], json!({
            "name": string("Page title."),
            "path": string("Page path."),
            "category": nullable_string("Frontmatter category."),
            "tags": strings("Frontmatter tags."),
            "last_updated": nullable_string("YYYY-MM-DD of the last change."),
            "content_length": integer("Words in the body."),
        })),
        "PageList": object(&["pages", "total"], json!({
            "pages": list_of("PageSummary"),
            "total": integer("Pages matching the filters."),
            "next_offset": next_offset(),
            "next_cursor": nullable_string("Pass as `cursor` for the next page; null at the end."),
        })),
    })
}

fn history() -> Value {
    json!({
        "History": object(&["path", "total", "history"], json!({
            "path": string("Page path."),
            "total": integer("Commits that touched the page (following renames)."),
            "history": list_of("ChangelogEntry"),
            "next_offset": next_offset(),
        })),
        "ChangelogEntry": object(&["revision", "author", "date", "message", "pages_affected"], json!({
            "revision": revision(), "author": string("Author name."), "date": string("ISO 8601."),
            "message": string("Commit message."), "pages_affected": strings("Pages the commit touched."),
        })),
        "Changelog": object(&["entries", "total"], json!({
            "entries": list_of("ChangelogEntry"),
            "total": integer("Commits in the wiki."),
            "next_offset": next_offset(),
        })),
        "Diff": object(&["path", "from", "to", "unified", "files"], json!({
            "path": string("Page path."), "from": revision(), "to": revision(),
            "unified": string("Unified diff."),
            "files": { "type": "array", "items": { "type": "object" }, "description": "Structured hunks per file." },
        })),
        "Heading": object(&["level", "title", "path"], json!({
            "level": integer("1 to 6."), "title": string("Heading text."), "path": string("`A > B` path."),
        })),
        "SectionList": object(&["path", "sections"], json!({
            "path": string("Page path."), "sections": list_of("Heading"),
        })),
        "Links": object(&["path", "links_to", "linked_from"], json!({
            "path": string("Page path."), "links_to": strings("Outgoing links."), "linked_from": strings("Backlinks."),
        })),
        "Graph": object(&["nodes", "edges"], json!({
            "nodes": strings("Pages and link targets."),
            "edges": { "type": "array", "items": object(&["source", "target"], json!({
                "source": string("Linking page."), "target": string("Linked page."),
            })) },
        })),
        "Orphans": object(&["orphans", "total"], json!({
            "orphans": strings("Pages no other page links to."), "total": integer("How many."),
        })),
    })
}

fn files() -> Value {
    json!({
        "SearchHit": object(&["name", "path", "snippet", "score"], json!({
            "name": string("Page title."), "path": string("Page path."),
            "snippet": string("Plain text around the best match in the body."),
            "score": { "type": "number", "minimum": 0, "maximum": 1,
                       "description": "Relevance within this search; in keyword mode relative to \
                                       the best hit (1), in hundredths." },
        })),
        "Passage": object(&["name", "path", "title", "text", "snippet", "section", "section_path",
                            "chunk_index", "total_chunks", "score", "matched"], json!({
            "name": string("Page path (peer-compatible)."), "path": string("Page path."),
            "title": string("Page title."), "text": string("The passage (a section chunk)."),
            "snippet": string("The passage cut to about 150 characters."),
            "section": string("Heading of the passage's section (empty before the first heading)."),
            "section_path": string("`Section > Subsection` within the page, as `section` of a page read takes it (empty before the first heading)."),
            "chunk_index": integer("Position of the passage in its page, from 0."),
            "total_chunks": integer("Passages in the page."),
            "score": { "type": "number", "description": "Relevance within this search, higher is better." },
            "distance": { "type": ["number", "null"], "description": "Cosine distance to the query, when vectors were compared." },
            "matched": { "type": "array", "items": { "type": "string", "enum": ["keyword", "semantic"] },
                         "description": "Which rankings found the passage." },
            "keyword_rank": { "type": ["integer", "null"], "description": "Rank in the keyword ranking, from 1." },
            "semantic_rank": { "type": ["integer", "null"], "description": "Rank in the vector ranking, from 1." },
        })),
        "IndexFreshness": object(&["commit", "chunks", "pending_vectors", "vectors_current"], json!({
            "commit": string("The commit keyword search reflects (the head when the search ran)."),
            "model": nullable_string("The embedding model, when semantic search is enabled."),
            "chunks": integer("Passages at that commit."),
            "pending_vectors": integer("Passages still waiting for their embedding."),
            "vectors_current": boolean("True when every passage has its embedding."),
        })),
        "PassageResults": object(&["query", "mode", "results", "total", "index"], json!({
            "query": string("The query."),
            "mode": { "type": "string", "enum": ["hybrid", "semantic", "keyword"] },
            "results": list_of("Passage"), "total": integer("Passages returned."),
            "index": { "$ref": "#/components/schemas/IndexFreshness" },
        })),
        "ReindexStatus": object(&["status", "index"], json!({
            "status": { "type": "string", "enum": ["idle", "running", "complete", "failed"] },
            "started_at": { "type": "integer", "description": "Seconds since the Unix epoch." },
            "completed_at": { "type": "integer", "description": "Seconds since the Unix epoch." },
            "pages": integer("Pages indexed by the rebuild."),
            "error": string("Why the rebuild failed."),
            "index": { "$ref": "#/components/schemas/IndexFreshness" },
        })),
        "SearchResults": object(&["query", "results", "total"], json!({
            "query": string("The query."), "results": list_of("SearchHit"), "total": integer("All matches."),
        })),
        "AttachmentInfo": object(&["filename", "size", "mime_type"], json!({
            "filename": string("File name."), "size": integer("Bytes."), "mime_type": string("MIME type."),
            "last_modified": nullable_string("ISO 8601 of the last change."),
        })),
        "AttachmentList": object(&["attachments", "total", "path"], json!({
            "attachments": list_of("AttachmentInfo"), "total": integer("How many."), "path": string("Page path."),
        })),
        "UploadBody": object(&["filename", "content"], json!({
            "filename": string("A plain file name (no folders, no leading dot)."),
            "content": string("The file, base64 (RFC 4648); at most 25 MiB decoded."),
            "commit_message": message(),
        })),
        "AttachmentStored": object(&["filename", "path", "size", "mime_type", "revision", "replaced"], json!({
            "filename": string("File name."), "path": string("Page path."), "size": integer("Bytes."),
            "mime_type": string("MIME type."), "revision": revision(),
            "replaced": boolean("A file of that name was replaced."),
        })),
        "AttachmentContent": object(&["filename", "path", "size", "mime_type", "content"], json!({
            "filename": string("File name."), "path": string("Page path."), "size": integer("Bytes."),
            "mime_type": string("MIME type."), "content": string("The file, base64."),
        })),
        "AttachmentDeleted": object(&["deleted", "filename", "revision"], json!({
            "deleted": { "const": true }, "filename": string("File name."), "revision": revision(),
        })),
        "MessageBody": object(&[], json!({ "commit_message": message() })),
        "Usage": object(&["bytes", "max_bytes", "pages", "max_pages", "summary"], json!({
            "bytes": integer("On-disk size of the wiki's git repository."),
            "max_bytes": integer("The byte quota."),
            "pages": integer("Pages."), "max_pages": integer("The page quota."),
            "summary": string("Usage against the quota, for people."),
        })),
        "WhoAmI": object(&["wiki", "wiki_name", "principal", "permissions"], json!({
            "wiki": string("Slug."), "wiki_name": string("Display name."),
            "principal": { "enum": ["token", "user", "anonymous"] },
            "user": nullable_string("User handle (for tokens: who minted it)."),
            "token": nullable_string("Token name."),
            "role": nullable_string("Token role or wiki role."),
            "permissions": object(&["read", "write", "upload", "admin"], json!({
                "read": boolean("Read."), "write": boolean("Change pages."),
                "upload": boolean("Upload and delete attachments."), "admin": boolean("Wiki settings."),
            })),
        })),
    })
}
