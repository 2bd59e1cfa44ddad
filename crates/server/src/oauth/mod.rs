//! The OAuth 2.1 authorization server of each wiki, for hosted MCP clients (Claude.ai
//! connectors): RFC 8414 metadata, RFC 7591 dynamic client registration, the authorization
//! endpoint with a consent page, the token endpoint (authorization code with PKCE S256, refresh
//! with rotation) and RFC 7009 revocation.
//!
//! **One authorization server per wiki, on the wiki's own host** (issuer = the wiki URL). Every
//! client, code, grant and token is stored against that wiki, so a grant can only ever work
//! there: the peer's shared server let a token of wiki A open wiki B. Endpoints live under
//! `/-/oauth/`, because every other root path on a wiki host is a page name.
//!
//! **Grants act as the user.** An access token names a grant; the context resolver
//! ([`crate::context`]) turns it into the approving user with their *current* role and the
//! wiki's access levels on every request, so removing a collaborator cuts off their apps too.
//!
//! The metadata, registration, token and revocation endpoints are machine-to-machine: they sit
//! outside the CSRF guard and the context resolver (clients authenticate with their own
//! credentials, never cookies). The authorization endpoint is a browser page and lives in the
//! wiki router, behind both.

pub mod authorize;
mod client;
pub mod client_document;
mod error;
pub mod metadata;
pub mod register;
pub mod resource;
pub mod revoke;
pub mod token;

use axum::Router;
use axum::extract::Request;
use axum::routing::{get, post};
use robot_platform::{Slug, Wiki};

pub use error::OAuthError;

use crate::context::WikiLabel;
use crate::limits::{RateLimitLayer, Scope};
use crate::state::AppState;

/// The only scope: what the approving user may do on this wiki, no more.
pub const SCOPE: &str = "wiki";

/// The machine-facing routes (metadata, register, token, revoke), to merge into a wiki router
/// outside the CSRF guard.
pub fn router(state: AppState) -> Router {
    let limit = || RateLimitLayer::new(&state, Scope::Token);
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::serve).options(metadata::preflight),
        )
        .route(
            "/.well-known/oauth-authorization-server/mcp",
            get(metadata::serve).options(metadata::preflight),
        )
        .route(
            "/-/oauth/register",
            post(register::register).route_layer(limit()),
        )
        .route("/-/oauth/token", post(token::token).route_layer(limit()))
        .route("/-/oauth/revoke", post(revoke::revoke).route_layer(limit()))
        .with_state(state.clone())
}

/// The wiki a machine-facing request addresses (the dispatcher put its label on the request).
/// Takes the label out before any await: a `&Request` cannot cross one (the body is not `Sync`).
fn wiki_of(
    state: &AppState,
    req: &Request,
) -> impl std::future::Future<Output = Result<Wiki, OAuthError>> + Send + use<> {
    let label = req.extensions().get::<WikiLabel>().map(|l| l.0.clone());
    let state = state.clone();
    async move { wiki_by_label(&state, label).await }
}

async fn wiki_by_label(state: &AppState, label: Option<String>) -> Result<Wiki, OAuthError> {
    let slug = label
        .as_deref()
        .and_then(|l| Slug::parse(l).ok())
        .ok_or_else(OAuthError::no_wiki)?;
    state
        .db
        .wiki_by_slug(&slug)
        .await?
        .ok_or_else(OAuthError::no_wiki)
}

/// "1 hour", "30 days": an access-token lifetime as the consent page and the dashboard say it.
pub fn lifetime_label(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 && s >= 86_400 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 && s >= 3600 => plural(s / 3600, "hour"),
        s => plural(s.max(0) / 60, "minute"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The form fields of a url-encoded body.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `name`, if present and non-empty.
fn form_field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime_label(3600), "1 hour");
        assert_eq!(lifetime_label(7200), "2 hours");
        assert_eq!(lifetime_label(86_400), "1 day");
        assert_eq!(lifetime_label(30 * 86_400), "30 days");
        assert_eq!(lifetime_label(90), "1 minute");
    }
}
