//! What every server integration test starts from: a temporary data directory with the platform
//! DB, keys and store, two users, and a way to create wikis. Shared by `http.rs` and the API and
//! MCP harnesses so the set-up is written once.

#![allow(dead_code)]

pub mod browser;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use robot_platform::{Slug, User, Wiki};
use robot_server::limits::LimitsConfig;
use robot_server::wikis::{CreateWiki, create};
use robot_server::{AppState, ServerConfig, app};
use serde_json::Value;
use tower::ServiceExt as _;

/// The wiki host of `notes`.
pub const NOTES: &str = "notes.localhost:8080";
/// The wiki host of `other`.
pub const OTHER: &str = "other.localhost:8080";
/// Largest response body the tests read.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A response: status, headers, the body parsed as JSON (`Null` when it is not JSON), raw text.
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as JSON, or `Null`.
    pub json: Value,
    /// The raw body.
    pub text: String,
}

impl Reply {
    /// The `error` code of an error body.
    pub fn code(&self) -> &str {
        self.json["error"].as_str().unwrap_or_default()
    }

    /// A string field.
    pub fn str(&self, field: &str) -> String {
        self.json[field].as_str().unwrap_or_default().to_string()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}",
            self.status,
            self.text.chars().take(600).collect::<String>()
        )
    }
}

/// Sends `req` through the whole app (no network) and reads the reply.
pub async fn send(state: &AppState, req: Request<Body>) -> Reply {
    let response = app(state.clone()).oneshot(req).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), MAX_BODY)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        headers,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
    }
}

/// A fresh server state on a temporary data directory, with users `alice` and `bob`.
pub struct World {
    /// Keeps the data directory alive as long as the world.
    pub dir: tempfile::TempDir,
    /// The app state.
    pub state: AppState,
    /// First user.
    pub alice: User,
    /// Second user.
    pub bob: User,
}

/// Builds a [`World`] for the domain `localhost` on port 8080.
pub async fn world() -> World {
    world_on("localhost", "http://localhost:8080").await
}

/// Builds a [`World`] for another public domain and base URL.
pub async fn world_on(domain: &str, base_url: &str) -> World {
    world_with(
        domain,
        base_url,
        robot_server::SemanticConfig::disabled(),
        LimitsConfig::default(),
    )
    .await
}

/// Builds a [`World`] on `localhost` with other quotas and rate limits.
pub async fn world_limited(limits: LimitsConfig) -> World {
    world_with(
        "localhost",
        "http://localhost:8080",
        robot_server::SemanticConfig::disabled(),
        limits,
    )
    .await
}

/// Builds a [`World`] with semantic search on the real embedding model (installed by
/// `scripts/fetch-model`; `ROBOT_MODEL_DIR` overrides where it is looked for).
pub async fn world_with_model() -> World {
    let dir = std::env::var_os("ROBOT_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../data/models/all-MiniLM-L6-v2")
        });
    assert!(
        dir.join("model.safetensors").is_file(),
        "no embedding model in {}: run scripts/fetch-model (or set ROBOT_MODEL_DIR)",
        dir.display()
    );
    let mut semantic = robot_server::SemanticConfig::model(dir);
    semantic.threads = 2;
    world_with(
        "localhost",
        "http://localhost:8080",
        semantic,
        LimitsConfig::default(),
    )
    .await
}

async fn world_with(
    domain: &str,
    base_url: &str,
    semantic: robot_server::SemanticConfig,
    limits: LimitsConfig,
) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(
        "127.0.0.1:8080".parse().expect("addr"),
        dir.path().join("data"),
        domain,
        url::Url::parse(base_url).expect("url"),
    );
    config.semantic = semantic;
    config.limits = limits;
    let state = AppState::open(config).await.expect("state");
    let alice = state.db.create_user("alice", "Alice").await.expect("alice");
    let bob = state.db.create_user("bob", "Bob").await.expect("bob");
    World {
        dir,
        state,
        alice,
        bob,
    }
}

/// Creates a wiki seeded with the template pages, named after its slug.
pub async fn make_wiki(state: &AppState, slug: &str, owner: &User) -> Wiki {
    create(
        state,
        CreateWiki {
            slug: Slug::parse(slug).expect("slug"),
            owner: owner.clone(),
            display_name: Some(slug.to_string()),
            description: String::new(),
            from_git: None,
        },
    )
    .await
    .expect("wiki")
}

/// An MCP `tools/call` of `tool` on `host`'s endpoint with bearer `token` (protocol 2025-06-18),
/// through the whole app; the JSON-RPC reply as it came.
pub async fn mcp_tool_call(
    state: &AppState,
    host: &str,
    token: &str,
    tool: &str,
    args: Value,
) -> Reply {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": args}});
    let req = Request::post("/mcp")
        .header(axum::http::header::HOST, host)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(
            axum::http::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .header("mcp-protocol-version", "2025-06-18")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .expect("request");
    send(state, req).await
}
