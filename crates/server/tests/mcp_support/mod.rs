//! A harness for the MCP tests: a temporary data dir with two wikis and their tokens, and raw
//! JSON-RPC over HTTP through the real router (no network). The server is stateless, so every
//! POST stands alone.

#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use robot_platform::policy::TokenRole;
use robot_platform::{User, Wiki};
use robot_server::AppState;
use serde_json::{Value, json};

// Each test binary uses a different part of the shared harness.
#[allow(unused_imports)]
pub use common::{NOTES, OTHER, Reply};

/// Two wikis (`notes` owned by alice, `other` by bob) and tokens for them.
pub struct Harness {
    _dir: tempfile::TempDir,
    /// The app state.
    pub state: AppState,
    /// Owner of `notes`.
    pub alice: User,
    /// The `notes` wiki.
    pub notes: Wiki,
    /// Editor token of `notes`.
    pub editor: String,
    /// Read-only token of `notes`.
    pub reader: String,
    /// Editor token of `other`.
    pub foreign: String,
}

/// A `tools/call` result.
#[derive(Debug)]
pub struct ToolReply {
    /// `isError`.
    pub is_error: bool,
    /// The first text content.
    pub text: String,
    /// `structuredContent`.
    pub structured: Value,
}

/// Builds the harness.
pub async fn harness() -> Harness {
    let common::World {
        dir,
        state,
        alice,
        bob,
    } = common::world().await;
    let notes = common::make_wiki(&state, "notes", &alice).await;
    let other = common::make_wiki(&state, "other", &bob).await;
    let token = |wiki: i64, user: i64, name: &'static str, role| {
        let db = state.db.clone();
        async move {
            db.create_api_token(wiki, user, name, role)
                .await
                .expect("token")
                .1
        }
    };
    let editor = token(notes.id, alice.id, "agent", TokenRole::Editor).await;
    let reader = token(notes.id, alice.id, "reader", TokenRole::ReadOnly).await;
    let foreign = token(other.id, bob.id, "agent", TokenRole::Editor).await;
    Harness {
        _dir: dir,
        state,
        alice,
        notes,
        editor,
        reader,
        foreign,
    }
}

impl Harness {
    /// Sends a request through the whole app.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        common::send(&self.state, req).await
    }

    /// POSTs a JSON-RPC message to `/mcp` on `host` with an optional bearer token.
    pub async fn post(&self, host: &str, token: Option<&str>, body: &Value) -> Reply {
        self.post_raw(host, token, body.to_string()).await
    }

    /// POSTs raw bytes to `/mcp`.
    pub async fn post_raw(&self, host: &str, token: Option<&str>, body: String) -> Reply {
        let mut req = Request::post("/mcp")
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18");
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// A JSON-RPC request; returns the whole HTTP reply.
    pub async fn rpc(&self, host: &str, token: Option<&str>, method: &str, params: Value) -> Reply {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post(host, token, &body).await
    }

    /// `tools/call` on `notes` with `token`.
    pub async fn call_as(&self, token: &str, tool: &str, args: Value) -> ToolReply {
        let reply = self
            .rpc(
                NOTES,
                Some(token),
                "tools/call",
                json!({"name": tool, "arguments": args}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{tool}: {}", reply.text);
        let result = &reply.json["result"];
        assert!(result.is_object(), "{tool}: no result in {}", reply.text);
        ToolReply {
            is_error: result["isError"].as_bool().unwrap_or(false),
            text: result["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            structured: result["structuredContent"].clone(),
        }
    }

    /// `tools/call` on `notes` with the editor token.
    pub async fn call(&self, tool: &str, args: Value) -> ToolReply {
        self.call_as(&self.editor.clone(), tool, args).await
    }

    /// `tools/call` that must succeed.
    pub async fn ok(&self, tool: &str, args: Value) -> ToolReply {
        let reply = self.call(tool, args).await;
        assert!(!reply.is_error, "{tool} failed: {}", reply.text);
        reply
    }

    /// `tools/call` that must fail; returns its text.
    pub async fn err(&self, tool: &str, args: Value) -> String {
        let reply = self.call(tool, args).await;
        assert!(reply.is_error, "{tool} should have failed: {}", reply.text);
        reply.text
    }

    /// The number of commits in the `notes` wiki (to prove nothing was written).
    pub async fn commits(&self) -> u64 {
        let reply = self.ok("get_recent_changes", json!({"limit": 1})).await;
        reply.structured["total"].as_u64().expect("total")
    }
}
