//! Text renderings of the tool results, laid out like otterwiki-mcp's formatters so agents and
//! prompts written for it keep working (header lines, `- item` lists, 8-character revisions).
//!
//! Additions never change an existing line: paging adds a final hint line only when more entries
//! exist, merges add a line after the write summary, and the keyword fallback of
//! `semantic_search` says so in its header.

use std::fmt::Write as _;

use serde_json::Value;

use super::output::{
    AttachmentDeletedOut, AttachmentOut, AttachmentsOut, ChangesOut, DeleteOut, DiffOut,
    DownloadOut, HistoryOut, LinksOut, ListOut, NoteOut, OrphansOut, Paging, ReadNotesOut,
    RenameOut, SearchOut, SemanticOut, WhoamiOut, WriteOut,
};
use crate::notes::{Context, Tree};

/// The first 8 characters of a revision, as otterwiki-mcp shows them (still accepted back).
pub fn short(rev: &str) -> &str {
    rev.get(..8).unwrap_or(rev)
}

/// `read_note`: title, path, revision, section, frontmatter summary, links, `---`, raw content.
pub fn read_note(note: &NoteOut) -> String {
    let mut lines = vec![format!("# {}", note.name), format!("Path: {}", note.path)];
    if !note.revision.is_empty() {
        lines.push(format!("Revision: {}", note.revision));
    }
    if let Some(section) = &note.section {
        lines.push(format!("Section: {section}"));
    }
    let summary = frontmatter_summary(&note.frontmatter);
    if !summary.is_empty() {
        lines.push(summary);
    }
    if !note.links_to.is_empty() {
        lines.push(format!("Links to: {}", note.links_to.join(", ")));
    }
    if !note.linked_from.is_empty() {
        lines.push(format!("Linked from: {}", note.linked_from.join(", ")));
    }
    lines.push(String::new());
    lines.push("---".into());
    lines.push(note.content.clone());
    lines.join("\n")
}

/// `Category: trend | Confidence: high | Tags: a, b`: every frontmatter key but `title`, in key
/// order, with falsy values skipped.
pub fn frontmatter_summary(frontmatter: &serde_json::Map<String, Value>) -> String {
    let mut keys: Vec<&String> = frontmatter.keys().collect();
    keys.sort();
    keys.into_iter()
        .filter(|k| k.as_str() != "title")
        .filter_map(|k| {
            let value = frontmatter.get(k)?;
            (!is_falsy(value))
                .then(|| format!("{}: {}", title_case(&k.replace('_', " ")), show(value)))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Python's truthiness: null, false, 0, "", [] and {} are falsy.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// A frontmatter value as text: lists joined with `, `, scalars as written, maps as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Python's `str.title()`: the first letter of every run of letters upper-cased, the rest lower.
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_is_letter = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            if previous_is_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            previous_is_letter = true;
        } else {
            out.push(c);
            previous_is_letter = false;
        }
    }
    out
}

/// `write_note` / `edit_note`: `Created|Updated|Edited {path} (revision: {rev8})`, then a line
/// when the change was merged with newer edits; a write that changed nothing says only that.
pub fn write(out: &WriteOut) -> String {
    if out.unchanged {
        return format!(
            "No change to {} (revision: {}): the content was already identical, so nothing was \
             committed.",
            out.path,
            short(&out.revision)
        );
    }
    let verb = match (&out.operation, out.created) {
        (Some(op), _) if op.starts_with("restore") => "Restored",
        (Some(_), _) => "Edited",
        (None, true) => "Created",
        (None, false) => "Updated",
    };
    let mut text = format!("{verb} {} (revision: {})", out.path, short(&out.revision));
    if out.merged {
        text.push_str(
            "\nMerged: the page had changed since your revision; your edit did not overlap the \
             newer changes, so both were kept. Use the new revision for your next edit.",
        );
    }
    text
}

/// `build_context`: the note as `read_note` shows it, then one line per related note and per
/// change.
pub fn context(c: &Context) -> String {
    let mut lines = vec![
        format!("# {}", c.title),
        format!("Path: {}", c.path),
        format!("Revision: {}", c.revision),
        String::new(),
        "---".into(),
        c.content.trim_end().to_string(),
    ];
    if c.truncated {
        lines.push("[… cut to fit max_bytes: read_note has the rest]".into());
    }
    lines.push(String::new());
    let more = if c.omitted > 0 {
        format!(
            " ({} more left out: raise max_notes or max_bytes)",
            c.omitted
        )
    } else {
        String::new()
    };
    lines.push(format!("Related notes: {}{more}", c.related.len()));
    for note in &c.related {
        let summary = if note.summary.is_empty() {
            String::new()
        } else {
            format!(": {}", note.summary)
        };
        lines.push(format!("- {} ({}){summary}", note.path, note.relation));
    }
    if !c.changes.is_empty() {
        lines.push(String::new());
        lines.push("Latest changes:".into());
        for change in &c.changes {
            lines.push(format!(
                "- {} {} by {}: {} ({})",
                change.date,
                change.path,
                change.author,
                change.message,
                short(&change.revision)
            ));
        }
    }
    lines.join("\n")
}

/// `list_tree`: a header and `- Folder/ (n pages)` or `- Page` lines.
pub fn tree(t: &Tree, prefix: &str) -> String {
    let place = if prefix.is_empty() {
        "the wiki".to_string()
    } else {
        prefix.to_string()
    };
    let mut lines = vec![format!("{} folders and pages in {place}:", t.entries.len())];
    for entry in &t.entries {
        match entry.pages {
            Some(n) => lines.push(format!(
                "- {}/ ({n} page{})",
                entry.path,
                if n == 1 { "" } else { "s" }
            )),
            None => lines.push(format!("- {}", entry.path)),
        }
    }
    lines.join("\n")
}

/// `read_notes`: each note as `read_note` shows it, separated by a rule, then the failures.
pub fn read_notes(out: &ReadNotesOut) -> String {
    let mut parts: Vec<String> = out.notes.iter().map(read_note).collect();
    for failed in &out.errors {
        parts.push(format!("{}: {}", failed.path, failed.message));
    }
    parts.join("\n\n======\n\n")
}

/// `list_notes`: `Found {total} notes[ matching …]:` and `- {path} ({meta}, {n} words)` lines.
pub fn list_notes(out: &ListOut) -> String {
    let f = &out.filters;
    let mut parts = Vec::new();
    if !f.prefix.is_empty() {
        parts.push(format!("prefix={}", f.prefix));
    }
    if !f.category.is_empty() {
        parts.push(format!("category={}", f.category));
    }
    if !f.tag.is_empty() {
        parts.push(format!("tag={}", f.tag));
    }
    if !f.updated_since.is_empty() {
        parts.push(format!("updated since {}", f.updated_since));
    }
    let total = out.paging.total_or(out.pages.len());
    let header = if parts.is_empty() {
        format!("Found {total} notes:")
    } else {
        format!("Found {total} notes matching {}:", parts.join(", "))
    };
    if out.pages.is_empty() {
        return with_more(header, &out.paging);
    }
    let mut lines = vec![header, String::new()];
    for page in &out.pages {
        let mut meta = Vec::new();
        if let Some(category) = page.category.as_deref().filter(|c| !c.is_empty()) {
            meta.push(format!("category: {category}"));
        }
        if let Some(date) = page.updated.as_deref().filter(|d| !d.is_empty()) {
            meta.push(format!("last updated: {date}"));
        }
        if !page.tags.is_empty() {
            meta.push(format!("tags: {}", page.tags.join(", ")));
        }
        let meta = if meta.is_empty() {
            "no metadata".to_string()
        } else {
            meta.join(", ")
        };
        lines.push(format!("- {} ({meta}, {} words)", page.path, page.words));
    }
    with_more(lines.join("\n"), &out.paging)
}

/// `search_notes`: `{total} results for "{query}":`, then numbered hits with score and snippet.
pub fn search(out: &SearchOut) -> String {
    let header = format!(
        "{} results for \"{}\":",
        out.paging.total_or(out.results.len()),
        out.query
    );
    if out.results.is_empty() {
        return with_more(header, &out.paging);
    }
    let mut lines = vec![header, String::new()];
    for (i, hit) in out.results.iter().enumerate() {
        let n = out.paging.offset + i + 1;
        lines.push(format!("{n}. {} (score: {:.2})", hit.path, hit.score));
        if !hit.snippet.is_empty() {
            lines.push(format!("   {}", hit.snippet));
        }
        lines.push(String::new());
    }
    with_more(lines.join("\n").trim_end().to_string(), &out.paging)
}

/// `semantic_search`: like `search_notes`, with the score (and the distance of matches by
/// meaning), chunk position, section and chunk text; says when embeddings lag behind the wiki.
pub fn semantic(out: &SemanticOut) -> String {
    let label = match out.mode.as_str() {
        "keyword" => " (keyword mode)",
        _ => "",
    };
    let mut header = format!(
        "{} results for \"{}\"{label}:",
        out.paging.total_or(out.results.len()),
        out.query
    );
    if out.pending_vectors > 0 && out.mode != "keyword" {
        let _ = write!(
            header,
            "\n(Embeddings pending for {} of {} passages: the newest changes may be missing from \
             semantic matches; keyword matches are current.)",
            out.pending_vectors, out.chunks
        );
    }
    if out.results.is_empty() {
        return with_more(header, &out.paging);
    }
    let mut lines = vec![header, String::new()];
    for (i, hit) in out.results.iter().enumerate() {
        let n = out.paging.offset + i + 1;
        // One shape whether or not embeddings are ready: the ranking's score always, and the
        // embedding distance as well when the passage matched by meaning.
        let mut title = match (hit.score, hit.distance) {
            (Some(s), Some(d)) => format!("{n}. {} (score: {s:.2}, distance: {d:.2})", hit.path),
            (Some(s), None) => format!("{n}. {} (score: {s:.2})", hit.path),
            (None, Some(d)) => format!("{n}. {} (distance: {d:.2})", hit.path),
            (None, None) => format!("{n}. {}", hit.path),
        };
        if let (Some(index), Some(total)) = (hit.chunk_index, hit.total_chunks) {
            let _ = write!(title, " [{}/{total}]", index + 1);
        }
        if let Some(words) = hit.page_word_count {
            let _ = write!(title, " — {words} words");
        }
        lines.push(title);
        if !hit.section_path.is_empty() {
            lines.push(format!("   Section: {}", hit.section_path));
        }
        if !hit.text.is_empty() {
            lines.push(format!("   {}", hit.text));
        }
        lines.push(String::new());
    }
    with_more(lines.join("\n").trim_end().to_string(), &out.paging)
}

/// `get_recent_changes`: `{total} recent changes:` then `- {date} | {author} | {pages}`.
pub fn recent_changes(out: &ChangesOut) -> String {
    let header = format!("{} recent changes:", out.paging.total_or(out.entries.len()));
    if out.entries.is_empty() {
        return with_more(header, &out.paging);
    }
    let mut lines = vec![header, String::new()];
    for e in &out.entries {
        lines.push(format!(
            "- {} | {} | {}",
            or_unknown(&e.date),
            or_unknown(&e.author),
            e.pages_affected.join(", ")
        ));
        if !e.message.is_empty() {
            lines.push(format!("  {}", e.message));
        }
    }
    with_more(lines.join("\n"), &out.paging)
}

/// `get_history`: `History for {path} ({total} revisions):` then `- {rev8} | {date} | {author}`
/// (plus the pages a commit changed when it changed others too); only the count for `limit` 0.
pub fn history(out: &HistoryOut) -> String {
    let total = out.paging.total.unwrap_or(out.history.len());
    if total == 0 {
        return format!("No history for {}.", out.path);
    }
    let revisions = if total == 1 { "revision" } else { "revisions" };
    if out.history.is_empty() {
        return format!("History for {}: {total} {revisions}.", out.path);
    }
    let mut lines = vec![
        format!("History for {} ({total} {revisions}):", out.path),
        String::new(),
    ];
    for e in &out.history {
        let mut line = format!(
            "- {} | {} | {}",
            short(&e.revision),
            or_unknown(&e.date),
            or_unknown(&e.author)
        );
        // Only worth a word when the commit changed more than this page (a rename, a rewrite
        // of backlinks, a batch).
        if e.pages_affected.len() > 1 {
            line.push_str(&format!(" | pages: {}", e.pages_affected.join(", ")));
        }
        lines.push(line);
        if !e.message.is_empty() {
            lines.push(format!("  {}", e.message));
        }
    }
    with_more(lines.join("\n"), &out.paging)
}

/// `rename_note`: `Renamed {old} -> {new} (revision: {rev8})` and the rewritten backlinks.
pub fn rename(out: &RenameOut) -> String {
    let mut lines = vec![format!(
        "Renamed {} -> {} (revision: {})",
        out.old_path,
        out.new_path,
        short(&out.revision)
    )];
    if out.updated_pages.is_empty() {
        lines.push("No backreferences needed updating.".into());
    } else {
        lines.push(format!(
            "Updated {} backreferences:",
            out.updated_pages.len()
        ));
        lines.extend(out.updated_pages.iter().map(|p| format!("  - {p}")));
    }
    lines.join("\n")
}

/// `delete_note`: `Deleted {path}`.
pub fn delete(out: &DeleteOut) -> String {
    format!("Deleted {}", out.path)
}

/// `get_links`: outgoing and incoming links, `(none)` when empty.
pub fn links(out: &LinksOut) -> String {
    let mut lines = vec![format!("Links for {}:", out.path), String::new()];
    for (label, list) in [
        ("Links to", &out.links_to),
        ("Linked from", &out.linked_from),
    ] {
        lines.push(format!("{label} ({}):", list.len()));
        if list.is_empty() {
            lines.push("  (none)".into());
        }
        lines.extend(list.iter().map(|p| format!("  - {p}")));
    }
    lines.join("\n")
}

/// `find_orphaned_notes`.
pub fn orphans(out: &OrphansOut) -> String {
    let total = out.paging.total_or(out.orphans.len());
    if total == 0 {
        return "No orphaned notes found. All pages have at least one incoming link.".into();
    }
    let mut lines = vec![
        format!("Found {total} orphaned notes (no incoming links from any other page):"),
        String::new(),
    ];
    lines.extend(out.orphans.iter().map(|p| format!("- {p}")));
    with_more(lines.join("\n"), &out.paging)
}

/// `list_attachments`: `Attachments for {path} ({total}):` then `- {name} ({size} bytes, {mime})`.
pub fn attachments(out: &AttachmentsOut) -> String {
    let mut lines = vec![
        format!(
            "Attachments for {} ({}):",
            out.path,
            out.paging.total_or(out.attachments.len())
        ),
        String::new(),
    ];
    if out.attachments.is_empty() {
        lines.push("  (no attachments)".into());
    }
    for a in &out.attachments {
        let modified = a
            .last_modified
            .as_deref()
            .map(|m| format!(", modified {m}"))
            .unwrap_or_default();
        lines.push(format!(
            "- {} ({} bytes, {}{modified})",
            a.filename, a.size, a.mime_type
        ));
    }
    with_more(lines.join("\n"), &out.paging)
}

/// `upload_attachment`: `Uploaded {filename} to {path} ({size} bytes)`.
pub fn uploaded(out: &AttachmentOut) -> String {
    format!(
        "Uploaded {} to {} ({} bytes)",
        out.filename, out.path, out.size
    )
}

/// `download_attachment`: a summary line, `Content (base64):`, and the base64 text.
pub fn downloaded(out: &DownloadOut) -> String {
    format!(
        "Downloaded {} ({} bytes, {})\nContent (base64):\n{}",
        out.filename, out.size, out.mime_type, out.content
    )
}

/// `delete_attachment`: `Deleted attachment {filename}`.
pub fn attachment_deleted(out: &AttachmentDeletedOut) -> String {
    format!("Deleted attachment {}", out.filename)
}

/// `diff_note`: a header and the unified diff.
pub fn diff(out: &DiffOut) -> String {
    if out.diff.trim().is_empty() {
        return format!(
            "No differences in {} between {} and {}.",
            out.path,
            short(&out.from),
            short(&out.to)
        );
    }
    format!(
        "Diff of {} from {} to {}:\n\n{}",
        out.path,
        short(&out.from),
        short(&out.to),
        out.diff.trim_end()
    )
}

/// `whoami`: wiki, principal, author and permissions.
pub fn whoami(out: &WhoamiOut) -> String {
    let principal = match (out.principal.as_str(), &out.token, &out.user) {
        ("token", Some(token), Some(user)) => format!("token \"{token}\" acting for {user}"),
        ("token", Some(token), None) => format!("token \"{token}\""),
        (_, _, Some(user)) => format!("user {user}"),
        _ => "anonymous".into(),
    };
    let role = out
        .role
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let p = &out.permissions;
    let allowed: Vec<&str> = [
        ("read", p.read),
        ("write", p.write),
        ("upload", p.upload),
        ("admin", p.admin),
    ]
    .into_iter()
    .filter_map(|(name, yes)| yes.then_some(name))
    .collect();
    let allowed = if allowed.is_empty() {
        "none".to_string()
    } else {
        allowed.join(", ")
    };
    format!(
        "Wiki: {} ({}) at {}\nPrincipal: {principal}{role}\nCommits are authored as: {}\nPermissions: {allowed}",
        out.wiki_name, out.wiki, out.url, out.author
    )
}

fn or_unknown(text: &str) -> &str {
    if text.is_empty() { "unknown" } else { text }
}

/// Appends a paging hint when more entries exist past this page.
fn with_more(text: String, paging: &Paging) -> String {
    let Some(next) = paging.next_offset else {
        return text;
    };
    let of = paging
        .total
        .map(|total| format!(" of {total}"))
        .unwrap_or_default();
    format!(
        "{text}\n\n(Showing {}–{next}{of}. Call again with offset={next} for more.)",
        paging.offset + 1
    )
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
