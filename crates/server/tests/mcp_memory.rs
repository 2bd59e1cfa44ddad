//! The memory tools beyond otterwiki-mcp's set: context in one call (`build_context`), the folder
//! tree and several notes at once, recent changes by time and folder, replace-all, frontmatter
//! fields and restoring a past revision.

mod mcp_support;

use mcp_support::{NOTES, harness};
use serde_json::{Value, json};

fn rev(reply: &mcp_support::ToolReply) -> String {
    reply.structured["revision"]
        .as_str()
        .expect("revision")
        .to_string()
}

fn paths(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["path"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn build_context_gathers_linked_notes_within_the_budget() {
    let h = harness().await;
    let notes = [
        (
            "Memory/Hub",
            "# Hub\n\nThe centre. See [[Memory/Alpha]] and [[Memory/Beta]].\n\n".to_string()
                + &"filler line for the budget\n".repeat(200),
        ),
        (
            "Memory/Alpha",
            "---\nsummary: Alpha in one line.\n---\n# Alpha\n\nLinks [[Memory/Gamma]].\n".into(),
        ),
        ("Memory/Beta", "# Beta\n\nBeta is the second note.\n".into()),
        ("Memory/Gamma", "# Gamma\n\nTwo links away.\n".into()),
        ("Memory/Fan", "# Fan\n\nPoints at [[Memory/Hub]].\n".into()),
    ];
    for (path, content) in &notes {
        h.ok("write_note", json!({"path": path, "content": content}))
            .await;
    }
    let near = h.ok("build_context", json!({"path": "memory/hub"})).await;
    let related = &near.structured["related"];
    assert_eq!(
        paths(related),
        ["Memory/Alpha", "Memory/Beta", "Memory/Fan"],
        "{}",
        near.text
    );
    assert_eq!(related[0]["relation"], "links_to");
    assert_eq!(related[0]["summary"], "Alpha in one line.");
    assert_eq!(related[1]["summary"], "Beta is the second note.");
    assert_eq!(related[2]["relation"], "linked_from");
    assert_eq!(near.structured["changes"].as_array().map(Vec::len), Some(4));
    assert!(
        near.text
            .contains("- Memory/Alpha (links_to): Alpha in one line."),
        "{}",
        near.text
    );

    let deeper = h
        .ok("build_context", json!({"path": "Memory/Hub", "depth": 2}))
        .await;
    assert!(paths(&deeper.structured["related"]).contains(&"Memory/Gamma"));
    assert_eq!(
        deeper.structured["related"][3]["relation"],
        "via Memory/Alpha"
    );

    // A small budget cuts the note's own text and keeps the answer within it.
    let tight = h
        .ok(
            "build_context",
            json!({"path": "Memory/Hub", "max_bytes": 1500, "max_notes": 2}),
        )
        .await;
    let bytes = serde_json::to_vec(&tight.structured).map_or(0, |b| b.len());
    assert!(bytes <= 1500, "{bytes} bytes");
    assert!(
        tight.text.len() <= 1500,
        "{} bytes of text",
        tight.text.len()
    );
    assert_eq!(tight.structured["truncated"], true);
    assert!(tight.structured["omitted"].as_u64() >= Some(1));

    let none = h
        .ok(
            "build_context",
            json!({"path": "Memory/Hub", "since": "2999-01-01"}),
        )
        .await;
    assert_eq!(none.structured["changes"], json!([]));
    let missing = h
        .err("build_context", json!({"path": "Memory/Nowhere"}))
        .await;
    assert!(missing.starts_with("Page not found"), "{missing}");
}

#[tokio::test]
async fn trees_and_several_notes_at_once() {
    let h = harness().await;
    for path in [
        "Projects/Alpha",
        "Projects/Beta/Spec",
        "Projects/Beta",
        "Notes",
    ] {
        h.ok(
            "write_note",
            json!({"path": path, "content": format!("# {path}\n\n## Setup\nsteps for {path}\n")}),
        )
        .await;
    }
    let tree = h.ok("list_notes", json!({"depth": 1})).await;
    let entries = &tree.structured["entries"];
    let folder = entries
        .as_array()
        .and_then(|e| e.iter().find(|e| e["path"] == "Projects"))
        .expect("Projects folder");
    assert_eq!(folder["kind"], "folder");
    assert_eq!(folder["pages"], 3);
    assert!(
        !paths(entries).contains(&"Projects/Alpha"),
        "depth 1 stops above it"
    );
    assert!(tree.text.contains("- Projects/ (3 pages)"), "{}", tree.text);
    let under = h
        .ok("list_notes", json!({"prefix": "projects", "depth": 2}))
        .await;
    assert_eq!(
        paths(&under.structured["entries"]),
        [
            "Projects/Alpha",
            "Projects/Beta",
            "Projects/Beta",
            "Projects/Beta/Spec"
        ]
    );
    let refused = h.err("list_notes", json!({"depth": 1, "tag": "x"})).await;
    assert!(
        refused.contains("`depth` lists the folder tree"),
        "{refused}"
    );

    let several = h
        .ok(
            "read_note",
            json!({"paths": ["Projects/Alpha", "Notes#Setup", "Nowhere", "Notes#Missing"]}),
        )
        .await;
    let read = &several.structured["notes"];
    assert_eq!(paths(read), ["Projects/Alpha", "Notes"]);
    assert_eq!(read[1]["section"], "Notes > Setup");
    assert_eq!(read[1]["content"], "## Setup\nsteps for Notes\n");
    assert!(read[0]["revision"].as_str().is_some_and(|r| r.len() == 40));
    let errors = &several.structured["errors"];
    assert_eq!(errors[0]["path"], "Nowhere");
    assert_eq!(errors[0]["error"], "page_not_found");
    assert_eq!(errors[1]["error"], "section_not_found");
    let both = h
        .err("read_note", json!({"path": "Notes", "paths": ["Notes"]}))
        .await;
    assert!(both.contains("not both"), "{both}");
}

#[tokio::test]
async fn recent_changes_by_time_and_folder() {
    let h = harness().await;
    for path in ["Projects/A", "Projects/B", "Journal/Today"] {
        h.ok("write_note", json!({"path": path, "content": "x\n"}))
            .await;
    }
    let projects = h
        .ok("get_recent_changes", json!({"folder": "projects/"}))
        .await;
    assert_eq!(projects.structured["total"], 2, "{}", projects.text);
    let future = h
        .ok("get_recent_changes", json!({"since": "2999-01-01"}))
        .await;
    assert_eq!(future.structured["total"], 0);
    let today = h
        .ok(
            "get_recent_changes",
            json!({"since": "2000-01-01", "folder": "Journal", "limit": 5}),
        )
        .await;
    assert_eq!(
        today.structured["entries"][0]["pages_affected"],
        json!(["Journal/Today"])
    );
    let bad = h
        .err("get_recent_changes", json!({"since": "last tuesday"}))
        .await;
    assert!(bad.contains("Invalid request"), "{bad}");
}

#[tokio::test]
async fn replace_all_frontmatter_and_restore() {
    let h = harness().await;
    let first = h
        .ok(
            "write_note",
            json!({"path": "Log", "content": "---\nstatus: draft\n---\n# Log\n\ncat cat cat\n"}),
        )
        .await;
    let r1 = rev(&first);
    let wrong = h
        .err(
            "edit_note",
            json!({"path": "Log", "old_string": "cat", "new_string": "dog", "expected_replacements": 2}),
        )
        .await;
    assert!(wrong.contains("occurs 3 time(s), not the 2"), "{wrong}");
    let all = h
        .ok(
            "edit_note",
            json!({"path": "Log", "revision": r1, "old_string": "cat", "new_string": "dog", "expected_replacements": 3}),
        )
        .await;
    assert_eq!(all.structured["merged"], false);
    let fields = h
        .ok(
            "edit_note",
            json!({"path": "Log", "frontmatter": {"status": null, "owner": "agent-7", "tags": ["a", "b"]}}),
        )
        .await;
    let now = h.ok("read_note", json!({"path": "Log"})).await;
    assert_eq!(
        now.structured["content"],
        "---\nowner: agent-7\ntags: [\"a\",\"b\"]\n---\n# Log\n\ndog dog dog\n"
    );
    assert_eq!(now.structured["frontmatter"]["tags"], json!(["a", "b"]));
    assert_eq!(rev(&now), rev(&fields));

    let restored = h
        .ok(
            "write_note",
            json!({"path": "Log", "restore": r1, "revision": rev(&now)}),
        )
        .await;
    assert!(
        restored.text.starts_with("Restored Log (revision: "),
        "{}",
        restored.text
    );
    let back = h.ok("read_note", json!({"path": "Log"})).await;
    assert_eq!(back.structured["content"], first_content());
    let history = h.ok("get_history", json!({"path": "Log"})).await;
    assert_eq!(history.structured["total"], 4, "restoring adds a commit");
    let again = h
        .ok("write_note", json!({"path": "Log", "restore": r1}))
        .await;
    assert_eq!(again.structured["unchanged"], true, "{}", again.text);
    let neither = h.err("write_note", json!({"path": "Log"})).await;
    assert!(neither.contains("`content` is required"), "{neither}");
}

fn first_content() -> &'static str {
    "---\nstatus: draft\n---\n# Log\n\ncat cat cat\n"
}

#[tokio::test]
async fn pages_are_resources_of_their_own_wiki_only() {
    let h = harness().await;
    h.ok(
        "write_note",
        json!({"path": "Projects/Big Plan", "content": "# Big Plan\n\nsteps\n"}),
    )
    .await;
    let list = h
        .rpc(NOTES, Some(&h.reader), "resources/list", json!({}))
        .await;
    let resources = list.json["result"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let plan = resources
        .iter()
        .find(|r| r["name"] == "Projects/Big Plan")
        .unwrap_or_else(|| panic!("{}", list.text));
    assert_eq!(plan["uri"], "wiki://notes/Projects/Big_Plan");
    assert_eq!(plan["mimeType"], "text/markdown");
    let templates = h
        .rpc(
            NOTES,
            Some(&h.reader),
            "resources/templates/list",
            json!({}),
        )
        .await;
    assert_eq!(
        templates.json["result"]["resourceTemplates"][0]["uriTemplate"],
        "wiki://notes/{+path}"
    );
    let read = h
        .rpc(
            NOTES,
            Some(&h.reader),
            "resources/read",
            json!({"uri": "wiki://notes/Projects/Big_Plan"}),
        )
        .await;
    assert_eq!(
        read.json["result"]["contents"][0]["text"], "# Big Plan\n\nsteps\n",
        "{}",
        read.text
    );
    // Another wiki's URI is not readable here, and a missing page is "resource not found".
    for uri in ["wiki://other/Home", "wiki://notes/Nowhere"] {
        let refused = h
            .rpc(
                NOTES,
                Some(&h.reader),
                "resources/read",
                json!({"uri": uri}),
            )
            .await;
        assert_eq!(
            refused.json["error"]["code"], -32002,
            "{uri}: {}",
            refused.text
        );
    }
}
