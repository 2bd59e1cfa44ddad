//! The text layouts, pinned against otterwiki-mcp's formatters (§1.5 of the agent-access spec).

use serde_json::json;

use super::*;
use crate::mcp::output::*;

const REV: &str = "0123456789abcdef0123456789abcdef01234567";

fn paging(total: usize, offset: usize, limit: usize, returned: usize) -> Paging {
    Paging::new(total, offset, limit, returned)
}

#[test]
fn read_note_layout() {
    let frontmatter = json!({
        "title": "Iran",
        "category": "actor",
        "tags": ["military", "state"],
        "last_updated": "2026-03-08",
        "confidence": "",
        "draft": false,
        "score": 3,
    });
    let note = NoteOut {
        name: "Iran".into(),
        path: "Actors/Iran".into(),
        revision: REV.into(),
        section: None,
        frontmatter: frontmatter.as_object().cloned().unwrap_or_default(),
        links_to: vec!["A".into(), "B".into()],
        linked_from: vec!["C".into()],
        content: "---\ntitle: Iran\n---\n# Iran\n".into(),
    };
    assert_eq!(
        read_note(&note),
        format!(
            "# Iran\nPath: Actors/Iran\nRevision: {REV}\n\
             Category: actor | Last Updated: 2026-03-08 | Score: 3 | Tags: military, state\n\
             Links to: A, B\nLinked from: C\n\n---\n---\ntitle: Iran\n---\n# Iran\n"
        )
    );
}

#[test]
fn read_note_section_mode_and_bare_page() {
    let note = NoteOut {
        name: "Home".into(),
        path: "Home".into(),
        section: Some("Top > Sub".into()),
        content: "## Sub\ntext\n".into(),
        ..NoteOut::default()
    };
    assert_eq!(
        read_note(&note),
        "# Home\nPath: Home\nSection: Top > Sub\n\n---\n## Sub\ntext\n"
    );
}

#[test]
fn title_case_matches_python() {
    assert_eq!(title_case("last updated"), "Last Updated");
    assert_eq!(title_case("don't"), "Don'T");
    assert_eq!(title_case("x2y"), "X2Y");
}

#[test]
fn write_and_edit_results() {
    let mut out = WriteOut {
        path: "Foo".into(),
        revision: REV.into(),
        created: true,
        ..WriteOut::default()
    };
    assert_eq!(write(&out), "Created Foo (revision: 01234567)");
    out.created = false;
    assert_eq!(write(&out), "Updated Foo (revision: 01234567)");
    out.operation = Some("append".into());
    assert_eq!(write(&out), "Edited Foo (revision: 01234567)");
    out.merged = true;
    assert!(write(&out).starts_with("Edited Foo (revision: 01234567)\nMerged: "));
    // A write that changed nothing does not also claim to have updated the page.
    out.merged = false;
    out.unchanged = true;
    let text = write(&out);
    assert!(
        text.starts_with("No change to Foo (revision: 01234567)"),
        "{text}"
    );
    assert!(
        !text.contains("Edited") && !text.contains("Updated"),
        "{text}"
    );
}

#[test]
fn list_notes_layout() {
    let out = ListOut {
        filters: ListFilters {
            prefix: "Actors".into(),
            tag: "military".into(),
            ..ListFilters::default()
        },
        paging: paging(2, 0, 100, 2),
        pages: vec![
            PageEntry {
                name: "Iran".into(),
                path: "Actors/Iran".into(),
                category: Some("actor".into()),
                tags: vec!["military".into()],
                updated: Some("2026-03-08".into()),
                words: 400,
            },
            PageEntry {
                name: "Bare".into(),
                path: "Actors/Bare".into(),
                category: None,
                tags: Vec::new(),
                updated: None,
                words: 0,
            },
        ],
    };
    assert_eq!(
        list_notes(&out),
        "Found 2 notes matching prefix=Actors, tag=military:\n\n\
         - Actors/Iran (category: actor, last updated: 2026-03-08, tags: military, 400 words)\n\
         - Actors/Bare (no metadata, 0 words)"
    );
    let empty = ListOut::default();
    assert_eq!(list_notes(&empty), "Found 0 notes:");
}

#[test]
fn paging_hint_only_when_more_exist() {
    let out = OrphansOut {
        paging: paging(3, 0, 2, 2),
        orphans: vec!["A".into(), "B".into()],
    };
    assert_eq!(
        orphans(&out),
        "Found 3 orphaned notes (no incoming links from any other page):\n\n- A\n- B\n\n\
         (Showing 1–2 of 3. Call again with offset=2 for more.)"
    );
    assert_eq!(
        orphans(&OrphansOut::default()),
        "No orphaned notes found. All pages have at least one incoming link."
    );
}

#[test]
fn search_layout() {
    let out = SearchOut {
        query: "otter".into(),
        paging: paging(2, 0, 20, 2),
        results: vec![
            SearchHit {
                name: "A".into(),
                path: "A".into(),
                score: 0.5,
                snippet: "...an otter...".into(),
            },
            SearchHit {
                name: "B".into(),
                path: "B".into(),
                score: 0.25,
                snippet: String::new(),
            },
        ],
    };
    assert_eq!(
        search(&out),
        "2 results for \"otter\":\n\n1. A (score: 0.50)\n   ...an otter...\n\n2. B (score: 0.25)"
    );
}

#[test]
fn semantic_layout_and_lag_notice() {
    let hit = SemanticHit {
        path: "A".into(),
        distance: Some(0.1234),
        score: Some(0.5),
        chunk_index: Some(0),
        total_chunks: Some(3),
        page_word_count: Some(120),
        section_path: "Top".into(),
        text: "[Top] chunk".into(),
        ..SemanticHit::default()
    };
    let out = SemanticOut {
        query: "q".into(),
        mode: "semantic".into(),
        paging: paging(1, 0, 5, 1),
        results: vec![hit.clone()],
        ..SemanticOut::default()
    };
    assert_eq!(
        semantic(&out),
        "1 results for \"q\":\n\n1. A (score: 0.50, distance: 0.12) [1/3] — 120 words\n   Section: Top\n   [Top] chunk"
    );
    // Without a vector yet (embeddings pending) the line keeps its shape, less the distance.
    let keyword_only = SemanticOut {
        results: vec![SemanticHit {
            distance: None,
            ..hit
        }],
        ..out
    };
    assert!(
        semantic(&keyword_only).contains("\n1. A (score: 0.50) [1/3]"),
        "{}",
        semantic(&keyword_only)
    );
    let lagging = SemanticOut {
        query: "q".into(),
        mode: "hybrid".into(),
        chunks: 40,
        pending_vectors: 3,
        ..SemanticOut::default()
    };
    assert_eq!(
        semantic(&lagging),
        "0 results for \"q\":\n(Embeddings pending for 3 of 40 passages: the newest changes may \
         be missing from semantic matches; keyword matches are current.)"
    );
    let keyword = SemanticOut {
        query: "q".into(),
        mode: "keyword".into(),
        pending_vectors: 3,
        ..SemanticOut::default()
    };
    assert_eq!(semantic(&keyword), "0 results for \"q\" (keyword mode):");
}

#[test]
fn changes_and_history_layout() {
    let entry = ChangeEntry {
        revision: REV.into(),
        date: "2026-03-08T10:00:00+00:00".into(),
        author: "Alice".into(),
        message: "[mcp] Update: Foo".into(),
        pages_affected: vec!["Foo".into(), "Bar".into()],
    };
    let changes = ChangesOut {
        paging: paging(1, 0, 20, 1),
        entries: vec![entry.clone()],
    };
    assert_eq!(
        recent_changes(&changes),
        "1 recent changes:\n\n- 2026-03-08T10:00:00+00:00 | Alice | Foo, Bar\n  [mcp] Update: Foo"
    );
    let history_out = HistoryOut {
        path: "Foo".into(),
        paging: paging(1, 0, 10, 1),
        history: vec![entry],
    };
    assert_eq!(
        history(&history_out),
        "History for Foo (1 revision):\n\n- 01234567 | 2026-03-08T10:00:00+00:00 | Alice | pages: Foo, Bar\n  [mcp] Update: Foo"
    );
    let none = HistoryOut {
        path: "Foo".into(),
        ..HistoryOut::default()
    };
    assert_eq!(history(&none), "No history for Foo.");
}

#[test]
fn rename_delete_and_links_layout() {
    let mut out = RenameOut {
        old_path: "Old".into(),
        new_path: "New".into(),
        revision: REV.into(),
        updated_pages: vec!["Home".into()],
    };
    assert_eq!(
        rename(&out),
        "Renamed Old -> New (revision: 01234567)\nUpdated 1 backreferences:\n  - Home"
    );
    out.updated_pages.clear();
    assert_eq!(
        rename(&out),
        "Renamed Old -> New (revision: 01234567)\nNo backreferences needed updating."
    );
    assert_eq!(
        delete(&DeleteOut {
            path: "Foo".into(),
            revision: REV.into()
        }),
        "Deleted Foo"
    );
    let l = LinksOut {
        path: "Foo".into(),
        links_to: vec!["Bar".into()],
        linked_from: vec![],
    };
    assert_eq!(
        links(&l),
        "Links for Foo:\n\nLinks to (1):\n  - Bar\nLinked from (0):\n  (none)"
    );
}

#[test]
fn attachment_layouts() {
    let list = AttachmentsOut {
        path: "Foo".into(),
        paging: paging(1, 0, 100, 1),
        attachments: vec![AttachmentEntry {
            filename: "a.png".into(),
            size: 12,
            mime_type: "image/png".into(),
            last_modified: Some("2026-03-08T10:00:00+00:00".into()),
        }],
    };
    assert_eq!(
        attachments(&list),
        "Attachments for Foo (1):\n\n- a.png (12 bytes, image/png, modified 2026-03-08T10:00:00+00:00)"
    );
    let empty = AttachmentsOut {
        path: "Foo".into(),
        ..AttachmentsOut::default()
    };
    assert_eq!(
        attachments(&empty),
        "Attachments for Foo (0):\n\n  (no attachments)"
    );
    let one = AttachmentOut {
        path: "Foo".into(),
        filename: "a.txt".into(),
        size: 2,
        mime_type: "text/plain".into(),
        revision: REV.into(),
    };
    assert_eq!(uploaded(&one), "Uploaded a.txt to Foo (2 bytes)");
    let download = DownloadOut {
        path: "Foo".into(),
        filename: "a.txt".into(),
        size: 2,
        mime_type: "text/plain".into(),
        content: "aGk=".into(),
    };
    assert_eq!(
        downloaded(&download),
        "Downloaded a.txt (2 bytes, text/plain)\nContent (base64):\naGk="
    );
    let deleted = AttachmentDeletedOut {
        path: "Foo".into(),
        filename: "a.txt".into(),
        revision: REV.into(),
    };
    assert_eq!(attachment_deleted(&deleted), "Deleted attachment a.txt");
}

#[test]
fn whoami_layout() {
    let out = WhoamiOut {
        wiki: "notes".into(),
        wiki_name: "Notes".into(),
        url: "http://notes.localhost:8080".into(),
        principal: "token".into(),
        token: Some("laptop".into()),
        role: Some("editor".into()),
        user: Some("alice".into()),
        author: "Alice (laptop) <alice@users.robot.wtf>".into(),
        permissions: Permissions {
            read: true,
            write: true,
            upload: true,
            admin: false,
        },
    };
    assert_eq!(
        whoami(&out),
        "Wiki: Notes (notes) at http://notes.localhost:8080\n\
         Principal: token \"laptop\" acting for alice (editor)\n\
         Commits are authored as: Alice (laptop) <alice@users.robot.wtf>\n\
         Permissions: read, write, upload"
    );
}

#[test]
fn diff_layout() {
    let mut out = DiffOut {
        path: "Foo".into(),
        from: REV.into(),
        to: REV.into(),
        diff: String::new(),
    };
    assert_eq!(
        diff(&out),
        "No differences in Foo between 01234567 and 01234567."
    );
    out.diff = "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n".into();
    assert!(diff(&out).starts_with("Diff of Foo from 01234567 to 01234567:\n\n--- a"));
}
