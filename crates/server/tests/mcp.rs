//! The MCP endpoint over raw JSON-RPC: the stateless protocol, authentication and isolation between
//! wikis and token roles.

mod mcp_support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mcp_support::{NOTES, OTHER, harness};
use serde_json::json;

const METADATA: &str =
    "resource_metadata=\"http://notes.localhost:8080/.well-known/oauth-protected-resource\"";

/// Every tool otterwiki-mcp offers, plus ours.
const TOOLS: [&str; 19] = [
    "build_context",
    "delete_attachment",
    "delete_note",
    "diff_note",
    "download_attachment",
    "edit_note",
    "find_orphaned_notes",
    "get_history",
    "get_links",
    "get_recent_changes",
    "list_attachments",
    "list_notes",
    "read_note",
    "rename_note",
    "search_notes",
    "semantic_search",
    "upload_attachment",
    "whoami",
    "write_note",
];

#[tokio::test]
async fn initialize_and_list_tools_statelessly() {
    let h = harness().await;
    let init = h
        .rpc(
            NOTES,
            Some(&h.editor),
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}
            }),
        )
        .await;
    assert_eq!(init.status, StatusCode::OK, "{}", init.text);
    assert!(
        init.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("application/json"),
        "JSON, not SSE"
    );
    assert!(init.headers.get("mcp-session-id").is_none(), "stateless");
    let result = &init.json["result"];
    assert_eq!(result["serverInfo"]["name"], "robot.wtf");
    assert!(result["capabilities"]["tools"].is_object());
    assert!(result["capabilities"]["resources"].is_object());
    assert!(
        result["instructions"]
            .as_str()
            .unwrap_or_default()
            .contains("revision")
    );

    // No session: tools/list works as a POST of its own.
    let list = h.rpc(NOTES, Some(&h.editor), "tools/list", json!({})).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let tools = list.json["result"]["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    for tool in TOOLS {
        assert!(names.contains(&tool), "{tool} missing from {names:?}");
    }
    assert_eq!(names.len(), TOOLS.len(), "{names:?}");
    // What every agent pays in context before its first call (the Python system's server:
    // 10,742 bytes for fewer tools).
    let bytes = serde_json::to_string(&list.json["result"]).map_or(0, |s| s.len());
    println!("tools/list: {} tools in {bytes} bytes", names.len());
    assert!(bytes <= 10_742, "tools/list grew to {bytes} bytes");
    for noise in ["\"$schema\"", "\"format\"", "\"default\":null", "\"null\""] {
        assert!(
            !list.text.contains(noise),
            "{noise} in the tool schemas: {}",
            list.text
        );
    }
    let read = tools
        .iter()
        .find(|t| t["name"] == "read_note")
        .expect("read_note");
    assert_eq!(read["annotations"]["readOnlyHint"], true);
    // `path`, or `paths` for several notes at once.
    assert!(read["inputSchema"]["properties"]["paths"].is_object());
    for tool in tools {
        let output = &tool["outputSchema"];
        assert_eq!(output["type"], "object", "{}: {output}", tool["name"]);
        assert!(output["properties"].is_object(), "{}", tool["name"]);
    }
    let delete = tools
        .iter()
        .find(|t| t["name"] == "delete_note")
        .expect("delete_note");
    // Hints left out mean the MCP defaults (destructive: true, idempotent: false).
    assert!(
        delete["annotations"]["destructiveHint"]
            .as_bool()
            .unwrap_or(true)
    );
    assert_eq!(delete["annotations"]["idempotentHint"], true);
    let edit = tools
        .iter()
        .find(|t| t["name"] == "edit_note")
        .expect("edit_note");
    assert!(
        !edit["annotations"]["idempotentHint"]
            .as_bool()
            .unwrap_or(false)
    );
    for param in [
        "operation",
        "section",
        "content",
        "old_string",
        "new_string",
    ] {
        assert!(
            edit["inputSchema"]["properties"][param].is_object(),
            "edit_note lacks {param}"
        );
    }
}

#[tokio::test]
async fn missing_and_invalid_tokens_get_a_bearer_challenge() {
    let h = harness().await;
    let missing = h.rpc(NOTES, None, "tools/list", json!({})).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.headers[header::WWW_AUTHENTICATE],
        format!("Bearer {METADATA}").as_str()
    );
    assert_eq!(missing.json["error"], "unauthorized");
    assert!(
        missing.json["message"]
            .as_str()
            .unwrap_or_default()
            .contains("robot token create notes")
    );

    let invalid = h
        .rpc(NOTES, Some("rwt_not-a-real-token"), "tools/list", json!({}))
        .await;
    assert_eq!(invalid.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        invalid.headers[header::WWW_AUTHENTICATE],
        format!("Bearer error=\"invalid_token\", {METADATA}").as_str()
    );
    assert_eq!(invalid.json["error"], "invalid_token");

    // A browser session cookie is not an MCP credential.
    let cookie = robot_server::session::issue_token(&h.state, &h.alice).expect("session");
    let req = Request::post("/mcp")
        .header(header::HOST, NOTES)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::COOKIE, format!("robot_session={cookie}"))
        .body(Body::from(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
        ))
        .expect("request");
    assert_eq!(h.send(req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_work_only_on_their_own_wiki() {
    let h = harness().await;
    let cross = h
        .rpc(NOTES, Some(&h.foreign), "tools/list", json!({}))
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "{}", cross.text);
    assert_eq!(cross.json["error"], "forbidden");
    let cross = h.rpc(OTHER, Some(&h.editor), "tools/list", json!({})).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let own = h
        .rpc(OTHER, Some(&h.foreign), "tools/list", json!({}))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let unknown = h
        .rpc(
            "nope.localhost:8080",
            Some(&h.editor),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let wrong_port = h
        .rpc(
            "notes.localhost:9999",
            Some(&h.editor),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(wrong_port.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn revoked_tokens_stop_at_once() {
    let h = harness().await;
    let ok = h.call("whoami", json!({})).await;
    assert!(ok.text.contains("token \"agent\""), "{}", ok.text);
    assert!(
        h.state
            .db
            .revoke_api_token(h.notes.id, "agent")
            .await
            .expect("revoke")
    );
    let after = h.rpc(NOTES, Some(&h.editor), "tools/list", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(
        after.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .expect("ascii")
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn read_only_tokens_cannot_write() {
    let h = harness().await;
    let me = h.call_as(&h.reader.clone(), "whoami", json!({})).await;
    assert!(me.text.contains("(read-only)"), "{}", me.text);
    assert_eq!(me.structured["permissions"]["write"], false);
    let before = h.commits().await;
    let reader = h.reader.clone();
    for (tool, args) in [
        ("write_note", json!({"path": "X", "content": "x"})),
        (
            "edit_note",
            json!({"path": "Home", "operation": "append", "content": "x"}),
        ),
        ("delete_note", json!({"path": "Home"})),
        ("rename_note", json!({"path": "Home", "new_path": "Start"})),
        (
            "upload_attachment",
            json!({"path": "Home", "filename": "a.txt", "content": "aGk="}),
        ),
        (
            "delete_attachment",
            json!({"path": "Home", "filename": "a.txt"}),
        ),
    ] {
        let reply = h.call_as(&reader, tool, args).await;
        assert!(reply.is_error, "{tool}: {}", reply.text);
        assert!(
            reply
                .text
                .starts_with("Not allowed: This read-only token is not allowed"),
            "{tool}: {}",
            reply.text
        );
        assert_eq!(reply.structured["error"], "forbidden");
    }
    assert_eq!(h.commits().await, before, "nothing was written");
    let read = h
        .call_as(&reader, "read_note", json!({"path": "Home"}))
        .await;
    assert!(!read.is_error, "{}", read.text);
}

#[tokio::test]
async fn protected_resource_metadata_is_served() {
    let h = harness().await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let req = Request::get(path)
            .header(header::HOST, NOTES)
            .body(Body::empty())
            .expect("request");
        let reply = h.send(req).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.json["resource"], "http://notes.localhost:8080/mcp");
        assert_eq!(
            reply.json["authorization_servers"],
            json!(["http://notes.localhost:8080"])
        );
        assert_eq!(reply.json["bearer_methods_supported"], json!(["header"]));
    }
    let req = Request::get("/.well-known/oauth-protected-resource")
        .header(header::HOST, "nope.localhost:8080")
        .body(Body::empty())
        .expect("request");
    assert_eq!(h.send(req).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn protocol_errors_are_plain() {
    let h = harness().await;
    let get = Request::get("/mcp")
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
        .body(Body::empty())
        .expect("request");
    assert_eq!(h.send(get).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let garbage = h.post_raw(NOTES, Some(&h.editor), "{not json".into()).await;
    assert!(
        garbage.status.is_client_error(),
        "{} {}",
        garbage.status,
        garbage.text
    );
    let unknown = h
        .rpc(
            NOTES,
            Some(&h.editor),
            "tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        )
        .await;
    assert!(unknown.json["error"].is_object(), "{}", unknown.text);
    let huge = "x".repeat(robot_server::mcp::MAX_BODY_BYTES + 10);
    let too_big = h.post_raw(NOTES, Some(&h.editor), huge).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
}
