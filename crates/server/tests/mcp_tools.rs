//! Every MCP tool through the real router: results, the otterwiki-mcp text layout, and
//! concurrency (conflict and merge from a stale revision).

mod mcp_support;

use mcp_support::harness;
use serde_json::json;

fn rev(reply: &mcp_support::ToolReply) -> String {
    reply.structured["revision"]
        .as_str()
        .expect("revision")
        .to_string()
}

#[tokio::test]
async fn pages_can_be_written_read_edited_and_deleted() {
    let h = harness().await;
    let created = h
        .ok(
            "write_note",
            json!({
                "path": "Projects/Plan",
                "content": "---\ncategory: plan\ntags: [a, b]\n---\n# Plan\n\n## Goals\nship\n\n## Risks\nnone\n",
                "commit_message": "start the plan"
            }),
        )
        .await;
    assert!(
        created
            .text
            .starts_with("Created Projects/Plan (revision: "),
        "{}",
        created.text
    );
    assert_eq!(created.structured["created"], true);
    let r1 = rev(&created);

    let read = h.ok("read_note", json!({"path": "projects/plan"})).await;
    assert!(
        read.text.starts_with(&format!(
            "# Plan\nPath: Projects/Plan\nRevision: {r1}\nCategory: plan | Tags: a, b\n\n---\n---\n"
        )),
        "{}",
        read.text
    );
    let section = h
        .ok(
            "read_note",
            json!({"path": "Projects/Plan", "section": "Plan > Risks"}),
        )
        .await;
    assert!(
        section.text.contains("Section: Plan > Risks"),
        "{}",
        section.text
    );
    assert!(
        section.text.ends_with("---\n## Risks\nnone\n"),
        "{}",
        section.text
    );
    let missing = h
        .err(
            "read_note",
            json!({"path": "Projects/Plan", "section": "Budget"}),
        )
        .await;
    assert!(
        missing.starts_with("Section not found: 'Budget'. Available sections:\n  - Plan"),
        "{missing}"
    );

    let edited = h
        .ok(
            "edit_note",
            json!({"path": "Projects/Plan", "revision": &r1[..8], "old_string": "ship", "new_string": "ship it"}),
        )
        .await;
    assert!(
        edited.text.starts_with("Edited Projects/Plan (revision: "),
        "{}",
        edited.text
    );
    for (op, args) in [
        ("prepend", json!({"content": "Intro."})),
        (
            "replace_section",
            json!({"section": "Risks", "content": "many"}),
        ),
        (
            "insert_before_section",
            json!({"section": "Risks", "content": "## Budget\nsmall"}),
        ),
        (
            "insert_after_section",
            json!({"section": "Goals", "content": "after goals"}),
        ),
        ("append", json!({"content": "appended"})),
    ] {
        let mut args = args;
        args["path"] = json!("Projects/Plan");
        args["operation"] = json!(op);
        let reply = h.ok("edit_note", args).await;
        assert!(
            reply.text.starts_with("Edited Projects/Plan"),
            "{op}: {}",
            reply.text
        );
        assert_eq!(reply.structured["merged"], false, "{op}");
    }
    let now = h.ok("read_note", json!({"path": "Projects/Plan"})).await;
    let content = now.structured["content"].as_str().expect("content");
    for expected in [
        "ship it",
        "appended",
        "Intro.",
        "many",
        "## Budget\nsmall",
        "after goals",
    ] {
        assert!(
            content.contains(expected),
            "{expected:?} missing from {content}"
        );
    }
    assert!(!content.contains("none"), "{content}");

    let history = h
        .ok("get_history", json!({"path": "Projects/Plan", "limit": 3}))
        .await;
    assert!(
        history
            .text
            .starts_with("History for Projects/Plan (7 revisions):\n\n- "),
        "the header counts the page's revisions, not the rows: {}",
        history.text
    );
    assert_eq!(
        history.structured["history"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(history.structured["total"], 7);
    assert!(
        history
            .text
            .contains("(Showing 1–3 of 7. Call again with offset=3 for more.)"),
        "paging hint: {}",
        history.text
    );
    let count = h
        .ok("get_history", json!({"path": "Projects/Plan", "limit": 0}))
        .await;
    assert_eq!(count.text, "History for Projects/Plan: 7 revisions.");
    assert_eq!(
        count.structured["history"].as_array().map(Vec::len),
        Some(0)
    );
    let oldest = h
        .ok(
            "get_history",
            json!({"path": "Projects/Plan", "limit": 1, "offset": 6}),
        )
        .await;
    assert!(
        oldest.text.contains("[mcp] start the plan"),
        "{}",
        oldest.text
    );
    assert!(
        oldest.text.contains("| Alice (agent)"),
        "author is the token's owner: {}",
        oldest.text
    );
    let diff = h
        .ok("diff_note", json!({"path": "Projects/Plan", "from": r1}))
        .await;
    assert!(diff.text.contains("+ship it"), "{}", diff.text);
    let past = h
        .ok(
            "read_note",
            json!({"path": "Projects/Plan", "revision": r1}),
        )
        .await;
    assert!(past.text.contains("\nship\n"), "{}", past.text);

    let deleted = h.ok("delete_note", json!({"path": "Projects/Plan"})).await;
    assert_eq!(deleted.text, "Deleted Projects/Plan");
    let gone = h.err("read_note", json!({"path": "Projects/Plan"})).await;
    assert_eq!(
        gone,
        "Page not found: Projects/Plan. Use write_note to create it, or list_notes to see available pages."
    );
    let changes = h.ok("get_recent_changes", json!({"limit": 2})).await;
    assert!(
        changes.text.contains("[mcp] Delete: Projects/Plan"),
        "{}",
        changes.text
    );
}

#[tokio::test]
async fn stale_revisions_merge_or_conflict() {
    let h = harness().await;
    let base = rev(&h
        .ok(
            "write_note",
            json!({"path": "Shared", "content": "one\ntwo\nthree\nfour\nfive\n"}),
        )
        .await);
    let overwrite = h
        .err("write_note", json!({"path": "Shared", "content": "x"}))
        .await;
    assert!(overwrite.contains("read_note"), "{overwrite}");

    // Two writers from the same base, touching different lines: both kept.
    h.ok(
        "write_note",
        json!({"path": "Shared", "revision": base, "content": "ONE\ntwo\nthree\nfour\nfive\n"}),
    )
    .await;
    let merged = h
        .ok(
            "write_note",
            json!({"path": "Shared", "revision": base, "content": "one\ntwo\nthree\nfour\nFIVE\n"}),
        )
        .await;
    assert_eq!(merged.structured["merged"], true, "{}", merged.text);
    assert!(merged.text.contains("\nMerged: "), "{}", merged.text);
    let content = h
        .ok("read_note", json!({"path": "Shared"}))
        .await
        .structured["content"]
        .clone();
    assert_eq!(content, "ONE\ntwo\nthree\nfour\nFIVE\n");

    // Same line from the same stale base: the second is refused and told how to recover.
    let reply = h
        .call(
            "write_note",
            json!({"path": "Shared", "revision": base, "content": "uno\ntwo\nthree\nfour\nfive\n"}),
        )
        .await;
    assert!(reply.is_error);
    assert!(reply.text.starts_with("Conflict: "), "{}", reply.text);
    assert!(
        reply.text.contains(
            "Re-read the note with read_note, re-apply your change, and pass the new revision."
        ),
        "{}",
        reply.text
    );
    assert_eq!(reply.structured["error"], "conflict");
    assert_eq!(
        reply.structured["current_revision"].as_str().map(str::len),
        Some(40)
    );
    let content = h
        .ok("read_note", json!({"path": "Shared"}))
        .await
        .structured["content"]
        .clone();
    assert_eq!(
        content, "ONE\ntwo\nthree\nfour\nFIVE\n",
        "the refused write changed nothing"
    );
}

#[tokio::test]
async fn lists_search_links_and_orphans() {
    let h = harness().await;
    for (path, body) in [
        (
            "Topics/Otters",
            "---\ncategory: animal\ntags: [river]\n---\nOtters swim. See [[Topics/Rivers]].",
        ),
        ("Topics/Rivers", "Rivers hold otters."),
        ("Lonely", "Nobody links here."),
    ] {
        h.ok("write_note", json!({"path": path, "content": body}))
            .await;
    }
    let list = h.ok("list_notes", json!({"prefix": "Topics"})).await;
    assert!(list.text.starts_with("Found 2 notes matching prefix=Topics:\n\n- Topics/Otters (category: animal, last updated: "), "{}", list.text);
    assert!(
        list.text.contains(", tags: river, 4 words)"),
        "{}",
        list.text
    );
    let tagged = h.ok("list_notes", json!({"tag": "RIVER"})).await;
    assert!(
        tagged.text.starts_with("Found 1 notes matching tag=RIVER:"),
        "{}",
        tagged.text
    );
    let paged = h.ok("list_notes", json!({"limit": 1})).await;
    assert!(
        paged.text.contains("Call again with offset=1"),
        "{}",
        paged.text
    );
    assert_eq!(paged.structured["pages"].as_array().map(Vec::len), Some(1));

    let found = h.ok("search_notes", json!({"query": "otters"})).await;
    assert!(
        found
            .text
            .starts_with("2 results for \"otters\":\n\n1. Topics/Otters (score: "),
        "{}",
        found.text
    );
    let semantic = h
        .ok(
            "semantic_search",
            json!({"query": "otters", "n": 1, "mode": "keyword"}),
        )
        .await;
    assert!(
        semantic
            .text
            .starts_with("1 results for \"otters\" (keyword mode):"),
        "{}",
        semantic.text
    );
    assert_eq!(semantic.structured["mode"], "keyword");

    let links = h.ok("get_links", json!({"path": "Topics/Rivers"})).await;
    assert_eq!(
        links.text,
        "Links for Topics/Rivers:\n\nLinks to (0):\n  (none)\nLinked from (1):\n  - Topics/Otters"
    );
    let orphans = h.ok("find_orphaned_notes", json!({})).await;
    assert!(orphans.text.contains("\n- Lonely"), "{}", orphans.text);
    assert!(
        !orphans.text.contains("- Topics/Rivers"),
        "{}",
        orphans.text
    );

    let renamed = h
        .ok(
            "rename_note",
            json!({"path": "Topics/Rivers", "new_path": "Topics/Streams"}),
        )
        .await;
    assert!(
        renamed
            .text
            .starts_with("Renamed Topics/Rivers -> Topics/Streams (revision: "),
        "{}",
        renamed.text
    );
    assert!(
        renamed
            .text
            .ends_with("Updated 1 backreferences:\n  - Topics/Otters"),
        "{}",
        renamed.text
    );
    let otters = h.ok("read_note", json!({"path": "Topics/Otters"})).await;
    assert!(
        otters.text.contains("[[Topics/Streams]]"),
        "{}",
        otters.text
    );
    // The rename commit lists every page it changed, in the history of each.
    let moved = h
        .ok("get_history", json!({"path": "Topics/Streams", "limit": 1}))
        .await;
    let pages = &moved.structured["history"][0]["pages_affected"];
    for page in ["Topics/Streams", "Topics/Rivers", "Topics/Otters"] {
        assert!(
            pages
                .as_array()
                .is_some_and(|p| p.iter().any(|v| v == page)),
            "{page} missing from {pages}"
        );
    }
    assert!(moved.text.contains("| pages: "), "{}", moved.text);
}

#[tokio::test]
async fn attachments_round_trip() {
    let h = harness().await;
    h.ok("write_note", json!({"path": "Docs", "content": "docs"}))
        .await;
    let up = h
        .ok(
            "upload_attachment",
            json!({"path": "Docs", "filename": "hello.txt", "content": "aGVsbG8="}),
        )
        .await;
    assert_eq!(up.text, "Uploaded hello.txt to Docs (5 bytes)");
    let list = h.ok("list_attachments", json!({"path": "Docs"})).await;
    assert!(
        list.text
            .starts_with("Attachments for Docs (1):\n\n- hello.txt (5 bytes, text/plain"),
        "{}",
        list.text
    );
    let down = h
        .ok(
            "download_attachment",
            json!({"path": "Docs", "filename": "hello.txt"}),
        )
        .await;
    assert_eq!(
        down.text,
        "Downloaded hello.txt (5 bytes, text/plain)\nContent (base64):\naGVsbG8="
    );
    let del = h
        .ok(
            "delete_attachment",
            json!({"path": "Docs", "filename": "hello.txt"}),
        )
        .await;
    assert_eq!(del.text, "Deleted attachment hello.txt");
    let empty = h.ok("list_attachments", json!({"path": "Docs"})).await;
    assert_eq!(
        empty.text,
        "Attachments for Docs (0):\n\n  (no attachments)"
    );
}

#[tokio::test]
async fn a_new_wikis_template_home_is_replaced_without_a_revision() {
    let h = harness().await;
    // An agent's first call on a fresh wiki: no read first, no revision.
    let first = h
        .ok(
            "write_note",
            json!({"path": "Home", "content": "# Home\n\nWhat this wiki remembers.\n"}),
        )
        .await;
    assert!(first.text.starts_with("Updated Home"), "{}", first.text);
    assert_eq!(first.structured["merged"], false);
    // Once it is someone's page, replacing it needs the revision that was read.
    let again = h
        .err(
            "write_note",
            json!({"path": "Home", "content": "# Home\n\nGone?\n"}),
        )
        .await;
    assert!(again.contains("Revision required"), "{again}");
    let home = h.ok("read_note", json!({"path": "Home"})).await;
    assert!(
        home.text.contains("What this wiki remembers."),
        "{}",
        home.text
    );
}
