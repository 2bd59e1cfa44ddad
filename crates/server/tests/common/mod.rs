//! What every server integration test starts from: a temporary data directory with the platform
//! DB, keys and store, two users, and a way to create wikis. Shared by `http.rs` and the API and
//! MCP harnesses so the set-up is written once.

#![allow(dead_code)]

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use robot_platform::{Slug, User, Wiki};
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
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ServerConfig {
        bind: "127.0.0.1:8080".parse().expect("addr"),
        data_dir: dir.path().join("data"),
        domain: domain.into(),
        base_url: url::Url::parse(base_url).expect("url"),
        atproto: Default::default(),
    };
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
