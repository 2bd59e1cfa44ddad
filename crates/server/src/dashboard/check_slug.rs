//! `GET /api/internal/check-slug?domain=<host>`: Caddy's on-demand TLS asks before it gets a
//! certificate for a host. 200 only for the platform domain and `{existing wiki}.{domain}`;
//! 404 for everything else, with no body that could tell hosts apart. No authentication: Caddy
//! has none to give, and the answer reveals only what DNS for an existing wiki would.
//!
//! It answers on the platform host and, so that Caddy's `ask` URL can point at the loopback
//! address, on hosts that are neither the platform nor a wiki (see `lib.rs`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use robot_platform::Slug;
use serde::Deserialize;

use crate::state::AppState;
use crate::tenancy::{Site, resolve_site};

/// The route's path.
pub const PATH: &str = "/api/internal/check-slug";

#[derive(Deserialize)]
pub(super) struct CheckQuery {
    domain: Option<String>,
}

/// The handler.
pub(super) async fn check_slug(
    State(state): State<AppState>,
    Query(q): Query<CheckQuery>,
) -> StatusCode {
    let Some(host) = q.domain.filter(|d| !d.is_empty() && d.len() <= 253) else {
        return StatusCode::NOT_FOUND;
    };
    if is_served(&state, &host).await {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn is_served(state: &AppState, host: &str) -> bool {
    // Certificates are for host names: a port, a path or anything else is not one of ours.
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return false;
    }
    match resolve_site(host, &state.config.domain) {
        Site::Platform => true,
        Site::Wiki(label) => match Slug::parse(&label) {
            Ok(slug) => match state.db.wiki_by_slug(&slug).await {
                Ok(found) => found.is_some(),
                Err(err) => {
                    tracing::warn!(%err, "check-slug lookup failed");
                    false
                }
            },
            Err(_) => false,
        },
        Site::Unknown => false,
    }
}
