//! What every server integration test starts from: a temporary data directory with the platform
//! DB, keys and store, two users, and a way to create wikis. Shared by `http.rs` and the API and
//! MCP harnesses so the set-up is written once.

#![allow(dead_code)]

use robot_platform::{Slug, User, Wiki};
use robot_server::wikis::{CreateWiki, create};
use robot_server::{AppState, ServerConfig};

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
