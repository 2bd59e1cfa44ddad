//! The platform's dashboard (`/app/…`), its management JSON API (`/api/me`, `/api/wikis…`) and
//! Caddy's on-demand TLS check (`/api/internal/check-slug`), all on the bare platform domain.
//!
//! - [`principal`]: who is calling (session cookie, or a bearer platform session token).
//! - [`service`]: what they can do, written once for pages and JSON; [`extract`]: the caller and
//!   the wiki of a per-wiki route, loaded and checked before the handler runs.
//! - [`pages`] and [`status`] (with [`disk_space`]): the HTML; [`api`]: the JSON; [`check_slug`]: the TLS check.
//!
//! Collaborator management is shared with the wiki host's settings page
//! ([`crate::collaborators`]); wiki creation and deletion with the CLI ([`crate::wikis`]).

pub mod api;
pub mod check_slug;
pub mod disk_space;
pub mod extract;
pub mod pages;
pub mod principal;
pub mod service;
pub mod status;
pub mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::limits::{RateLimitLayer, Scope};
use crate::state::AppState;

/// The dashboard's routes, for the platform router (which adds the CSRF guard and the state).
pub fn router(state: &AppState) -> Router<AppState> {
    let token = RateLimitLayer::new(state, Scope::Token);
    Router::new()
        .route("/app", get(pages::to_home))
        .route("/app/", get(pages::home))
        .route(
            "/app/create",
            post(pages::create).route_layer(RateLimitLayer::new(state, Scope::CreateWiki)),
        )
        .route("/app/wiki/{slug}", get(pages::wiki))
        .route("/app/wiki/{slug}/settings", post(pages::save_settings))
        .route(
            "/app/wiki/{slug}/mcp/regenerate",
            post(pages::regenerate).route_layer(token.clone()),
        )
        .route(
            "/app/wiki/{slug}/tokens",
            post(pages::create_token).route_layer(token),
        )
        .route("/app/wiki/{slug}/tokens/revoke", post(pages::revoke_token))
        .route("/app/wiki/{slug}/grants/revoke", post(pages::revoke_grant))
        .route("/app/wiki/{slug}/members", post(pages::set_member))
        .route(
            "/app/wiki/{slug}/members/remove",
            post(pages::remove_member),
        )
        .route("/app/wiki/{slug}/requests", post(pages::answer_request))
        .route("/app/wiki/{slug}/delete", post(pages::delete_wiki))
        .route("/app/wiki/{slug}/transfer", post(pages::transfer_wiki))
        .route("/app/account", get(pages::account))
        .route("/app/account/delete", post(pages::delete_account))
        .route(
            "/app/account/logout-everywhere",
            post(pages::logout_everywhere),
        )
        .route("/app/admin", get(status::status))
        .nest("/api", api::router(state))
}
