//! Git smart HTTP at `https://{slug}.{domain}/.git`: clone, fetch and pull for anyone who may read
//! the wiki, push for tokens that may write — when the wiki's owner has switched git access on.
//!
//! - The server side of the protocol is git's own (`upload-pack` and `receive-pack` in
//!   stateless-RPC mode, see [`runner`]): no mature Rust implementation exists, and git's is the
//!   reference every client is tested against.
//! - Who may do what is decided once, by the context resolver, like every other surface: on
//!   `/.git` paths it reads HTTP Basic (the password is a wiki token) or Bearer, ignores cookies,
//!   and answers 404 while git access is off. Errors reach git as plain text, which it shows the
//!   user, and a 401 carries a Basic challenge so git asks for credentials (see `negotiate`).
//! - A push is a write like any other: rate-limited, admitted against the quota before git sees
//!   the pack, kept as a pack (never exploded into loose objects), checked by a pre-receive hook
//!   while the objects are still quarantined (only `main`, no deletes, no force pushes, the page
//!   limit, and the bytes the push wrote against what the quota leaves), run under the wiki's
//!   writer lock, and announced to the store's listeners so search and usage follow it
//!   ([`robot_store::WikiRepo::receive_push`]).
//! - Git processes are a shared resource: one wiki holds at most a share of them, and a client
//!   that stops sending its request or reading its answer is cut off after the idle timeout
//!   ([`crate::config::GitConfig`]).

mod body;
mod handlers;
mod hook;
mod relay;
mod runner;
mod service;
mod slots;

pub use runner::GitRunner;

use axum::Router;
use axum::middleware;
use axum::routing::{any, get, post};

use crate::context::resolve_wiki;
use crate::limits::{RateLimitLayer, Scope};
use crate::state::AppState;

/// The path prefix git clients are given: `git clone https://{slug}.{domain}/.git`.
pub const PREFIX: &str = "/.git";

/// Whether `path` is served by git smart HTTP (the resolver treats credentials differently there).
pub fn is_git_path(path: &str) -> bool {
    path == PREFIX || path.starts_with("/.git/")
}

/// The routes under [`PREFIX`]. No CSRF guard: the resolver never reads cookies here, and git's
/// request content types cannot be sent by a cross-site form.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/.git", get(handlers::home))
        .route("/.git/info/refs", get(handlers::info_refs))
        .route("/.git/git-upload-pack", post(handlers::upload_pack))
        .route(
            "/.git/git-receive-pack",
            post(handlers::receive_pack).route_layer(RateLimitLayer::new(&state, Scope::Write)),
        )
        .route("/.git/{*rest}", any(handlers::dumb_protocol))
        .layer(middleware::from_fn_with_state(state.clone(), resolve_wiki))
        .with_state(state)
}
