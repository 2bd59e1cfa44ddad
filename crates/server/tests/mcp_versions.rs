//! One `/mcp` for every MCP revision a client may speak, negotiated per request (issue 13):
//! the stateless 2026-07-28 revision (no handshake; version and capabilities in each request's
//! `_meta`; `server/discover`; `Mcp-Method`/`Mcp-Name` headers), and the 2025 revisions with
//! their `initialize` handshake. A version the server does not speak gets the spec's answer:
//! HTTP 400 with JSON-RPC error -32022 naming the versions it does.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

mod mcp_support;

use mcp_support::{Harness, NOTES, Reply, harness};

const CURRENT: &str = "2026-07-28";

/// The `_meta` a 2026-07-28 client sends with every request.
fn meta(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "versions-test", "version": "1"},
    })
}

/// A stateless request of revision `version`: the header, `Mcp-Method` (and `Mcp-Name` for a
/// tool call) and `_meta` in the params.
async fn stateless(h: &Harness, version: &str, method: &str, mut params: Value) -> Reply {
    params["_meta"] = meta(version);
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let mut req = Request::post("/mcp")
        .header(header::HOST, NOTES)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
        .header("mcp-protocol-version", version)
        .header("mcp-method", method);
    if let Some(name) = body["params"]["name"].as_str() {
        req = req.header("mcp-name", name);
    }
    h.send(req.body(Body::from(body.to_string())).expect("request"))
        .await
}

#[tokio::test]
async fn the_stateless_revision_discovers_and_calls_tools_without_a_handshake() {
    let h = harness().await;
    let discovered = stateless(&h, CURRENT, "server/discover", json!({})).await;
    assert_eq!(discovered.status, StatusCode::OK, "{discovered:?}");
    let result = &discovered.json["result"];
    let versions: Vec<&str> = result["supportedVersions"]
        .as_array()
        .expect("supportedVersions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for version in [CURRENT, "2025-11-25", "2025-06-18"] {
        assert!(versions.contains(&version), "{version} in {versions:?}");
    }
    assert!(result["capabilities"]["tools"].is_object(), "{result}");

    let listed = stateless(&h, CURRENT, "tools/list", json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(
        listed.json["result"]["tools"].as_array().map(Vec::len),
        Some(19)
    );

    let called = stateless(
        &h,
        CURRENT,
        "tools/call",
        json!({"name": "write_note", "arguments": {"path": "Stateless", "content": "# Hi\n"}}),
    )
    .await;
    assert_eq!(called.status, StatusCode::OK, "{called:?}");
    let result = &called.json["result"];
    assert_eq!(result["isError"], json!(false), "{result}");
    assert!(
        result["structuredContent"]["revision"].is_string(),
        "{result}"
    );
    let read = h.call("read_note", json!({"path": "Stateless"})).await;
    assert_eq!(
        read.structured["content"], "# Hi\n",
        "a 2025 client reads it"
    );
}

#[tokio::test]
async fn an_unsupported_version_gets_the_specs_error() {
    let h = harness().await;
    let reply = stateless(&h, "2099-01-01", "tools/list", json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let error = &reply.json["error"];
    assert_eq!(error["code"], json!(-32022), "{reply:?}");
    let supported = error["data"]["supported"].to_string();
    assert!(supported.contains(CURRENT), "names what it speaks: {error}");

    // A 2026 request whose header and body disagree is refused before any handler runs.
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
        "params": {"_meta": meta(CURRENT)}});
    let req = Request::post("/mcp")
        .header(header::HOST, NOTES)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
        .header("mcp-protocol-version", CURRENT)
        .header("mcp-method", "tools/call")
        .body(Body::from(body.to_string()))
        .expect("request");
    let mismatch = h.send(req).await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST, "{mismatch:?}");
}

#[tokio::test]
async fn the_2025_handshake_still_works_on_the_same_endpoint() {
    let h = harness().await;
    for version in ["2025-11-25", "2025-06-18"] {
        // As a 2025 client sends it: no version header before the handshake has agreed one.
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {},
                       "clientInfo": {"name": "old", "version": "1"}}});
        let req = Request::post("/mcp")
            .header(header::HOST, NOTES)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
            .body(Body::from(body.to_string()))
            .expect("request");
        let init = h.send(req).await;
        assert_eq!(init.status, StatusCode::OK, "{init:?}");
        assert_eq!(init.json["result"]["protocolVersion"], version, "{init:?}");
    }
    // And its calls after the handshake carry the header.
    let whoami = h.call("whoami", json!({})).await;
    assert!(!whoami.is_error, "{whoami:?}");
}

#[tokio::test]
async fn get_and_delete_are_not_allowed_on_the_stateless_endpoint() {
    let h = harness().await;
    for method in [Method::GET, Method::DELETE] {
        let req = Request::builder()
            .method(method.clone())
            .uri("/mcp")
            .header(header::HOST, NOTES)
            .header(header::ACCEPT, "text/event-stream")
            .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
            .header("mcp-protocol-version", CURRENT)
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            h.send(req).await.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
}
