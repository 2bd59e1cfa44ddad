//! Bad input to every MCP tool (missing fields, wrong types, hostile paths, invalid revisions,
//! invalid base64, huge content) gets a clear error with a stable code, and nothing is written.

mod mcp_support;

use mcp_support::harness;
use serde_json::{Value, json};

fn rev(reply: &mcp_support::ToolReply) -> String {
    reply.structured["revision"]
        .as_str()
        .expect("revision")
        .to_string()
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let h = harness().await;
    let base = rev(&h
        .ok("write_note", json!({"path": "Target", "content": "x\n"}))
        .await);
    let before = h.commits().await;
    let huge = "x".repeat(5 * 1024 * 1024);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "write_note",
            json!({"content": "x"}),
            "missing field `path`",
        ),
        (
            "write_note",
            json!({"path": 5, "content": "x"}),
            "invalid type",
        ),
        (
            "write_note",
            json!({"path": "A", "content": ["x"]}),
            "invalid type",
        ),
        (
            "write_note",
            json!({"path": "../etc/passwd", "content": "x"}),
            "Invalid request",
        ),
        (
            "write_note",
            json!({"path": "A/./B", "content": "x"}),
            "Invalid request",
        ),
        (
            "write_note",
            json!({"path": "", "content": "x"}),
            "must not be empty",
        ),
        (
            "write_note",
            json!({"path": "Big", "content": huge}),
            "too large",
        ),
        (
            "write_note",
            json!({"path": "Target", "content": "y", "revision": "zzz"}),
            "revision",
        ),
        (
            "write_note",
            json!({"path": "Target", "content": "y", "revision": "not-hex-at-all"}),
            "revision",
        ),
        (
            "write_note",
            json!({"path": "Target", "content": "y", "revision": "0000000000"}),
            "Revision",
        ),
        (
            "write_note",
            json!({"path": "X", "content": "x", "surprise": 1}),
            "unknown field",
        ),
        (
            "edit_note",
            json!({"path": "Target", "old_string": "nope", "new_string": "y"}),
            "not found",
        ),
        (
            "edit_note",
            json!({"path": "Target", "operation": "explode"}),
            "unknown operation",
        ),
        (
            "edit_note",
            json!({"path": "Target", "operation": "replace_section", "section": "Nope", "content": "y"}),
            "Section not found",
        ),
        (
            "read_note",
            json!({"path": "Target", "revision": "../../x"}),
            "revision",
        ),
        (
            "list_notes",
            json!({"limit": "ten"}),
            "non-negative integer",
        ),
        (
            "list_notes",
            json!({"updated_since": "yesterday"}),
            "updated_since",
        ),
        (
            "get_history",
            json!({"path": "Target", "limit": -3}),
            "non-negative integer",
        ),
        ("search_notes", json!({"query": "  "}), "must not be empty"),
        (
            "diff_note",
            json!({"path": "Target", "from": ""}),
            "revision",
        ),
        (
            "rename_note",
            json!({"path": "Target", "new_path": "../x"}),
            "Invalid request",
        ),
        (
            "rename_note",
            json!({"path": "Target", "new_path": "Target"}),
            "same",
        ),
        (
            "delete_note",
            json!({"path": "Nope"}),
            "Page not found: Nope",
        ),
        (
            "upload_attachment",
            json!({"path": "Target", "filename": "a.bin", "content": "%%%"}),
            "Invalid base64",
        ),
        (
            "upload_attachment",
            json!({"path": "Target", "filename": "../a.bin", "content": "aGk="}),
            "Invalid",
        ),
        (
            "upload_attachment",
            json!({"path": "Nope", "filename": "a.bin", "content": "aGk="}),
            "Page not found",
        ),
        (
            "download_attachment",
            json!({"path": "Target", "filename": "missing.txt"}),
            "missing.txt",
        ),
        (
            "delete_attachment",
            json!({"path": "Target"}),
            "missing field `filename`",
        ),
    ];
    for (tool, args, expected) in cases {
        let reply = h.call(tool, args.clone()).await;
        assert!(
            reply.is_error,
            "{tool} {args}: should fail, got {}",
            reply.text
        );
        assert!(
            reply.text.to_lowercase().contains(&expected.to_lowercase()),
            "{tool} {args}: expected {expected:?} in {:?}",
            reply.text.chars().take(400).collect::<String>()
        );
        assert!(
            reply.structured["error"].is_string(),
            "{tool}: code in {}",
            reply.structured
        );
    }
    assert_eq!(h.commits().await, before, "nothing was written");
    let still = h.ok("read_note", json!({"path": "Target"})).await;
    assert_eq!(rev(&still), base);
}
