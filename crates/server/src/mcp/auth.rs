//! Who may talk to `/mcp`, and how a client learns to authenticate.
//!
//! The MCP endpoint takes bearer tokens only (`Authorization: Bearer <per-wiki token>`, an API
//! token or an OAuth access token of this wiki): cookies
//! never authenticate an MCP request, so the endpoint needs no CSRF token. [`gate`] runs before the
//! context resolver ([`crate::context::resolve_wiki`]):
//!
//! - no bearer token → `401` with `WWW-Authenticate: Bearer resource_metadata="…"` pointing at this
//!   wiki's RFC 9728 document ([`protected_resource`]), so a client can discover how to sign in;
//! - an unknown or revoked token → `401` with `error="invalid_token"` (revocation takes effect on
//!   the next request: the resolver reads the token table every time);
//! - a token of another wiki → `403`.
//!
//! Error bodies are JSON `{error, message}` and never go through the browser-facing negotiation
//! (which would redirect a `401` to the login page).

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, HOST, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use robot_platform::Slug;
use serde_json::json;

use crate::config::ServerConfig;
use crate::context::WikiLabel;
use crate::error::ErrorInfo;
use crate::state::AppState;

/// Path of the RFC 9728 protected-resource metadata document on every wiki host.
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Middleware in front of `/mcp`: demands a bearer token, checks the `Host` port, and turns the
/// resolver's error responses into JSON with an RFC 6750 challenge.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let label = req
        .extensions()
        .get::<WikiLabel>()
        .map(|l| l.0.clone())
        .unwrap_or_default();
    let wiki_url = state.config.wiki_url(&label);
    if !host_port_matches(req.headers(), &state.config) {
        return error_json(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("This MCP endpoint answers only at {wiki_url}/mcp; connect to that address."),
        );
    }
    if !has_bearer(req.headers()) {
        let mut response = error_json(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!(
                "This MCP endpoint needs a token: send `Authorization: Bearer <token>`. Connect \
                 with OAuth (see the resource metadata), or ask the wiki's owner for an API token \
                 (`robot token create {label} --name <agent>`)."
            ),
        );
        set_challenge(&mut response, &wiki_url, None);
        return response;
    }
    let response = next.run(req).await;
    rewrite_error(response, &wiki_url)
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`: the RFC 9728 metadata of this wiki's MCP
/// endpoint.
///
/// `authorization_servers` names the wiki itself: each wiki is its own OAuth 2.1
/// authorization server ([`crate::oauth`]), so hosted clients (Claude.ai connectors) register,
/// send their user through the consent page and come back with a token bound to this wiki.
/// Clients that were given an API token simply send it as a bearer header.
pub async fn protected_resource(State(state): State<AppState>, req: Request) -> Response {
    let label = req.extensions().get::<WikiLabel>().map(|l| l.0.clone());
    let known = match label.as_deref().map(Slug::parse) {
        Some(Ok(slug)) => state.db.wiki_by_slug(&slug).await.ok().flatten(),
        _ => None,
    };
    let Some(wiki) = known else {
        return error_json(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no wiki here.".into(),
        );
    };
    let wiki_url = state.config.wiki_url(wiki.slug.as_str());
    let body = json!({
        "resource": format!("{wiki_url}/mcp"),
        "authorization_servers": [wiki_url],
        "scopes_supported": [crate::oauth::SCOPE],
        "bearer_methods_supported": ["header"],
        // The slug, which the caller already knows from the host: a private wiki's display
        // name is not public.
        "resource_name": wiki.slug.as_str(),
        "resource_documentation": format!("{wiki_url}/Agent_Guide"),
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Whether the request carries `Authorization: Bearer <something>`. Other schemes count as
/// present (the resolver refuses them with a clear message); a missing header does not.
fn has_bearer(headers: &HeaderMap) -> bool {
    headers.contains_key(AUTHORIZATION)
}

/// The dispatcher already matched the host name against `{slug}.{domain}`; here the port must be
/// absent or the public one, so the MCP endpoint answers only at its advertised address (rmcp's own
/// host allow-list cannot express "any wiki host", so it is disabled in favour of this check).
fn host_port_matches(headers: &HeaderMap, config: &ServerConfig) -> bool {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
        return false;
    };
    match authority.port_u16() {
        None => true,
        Some(port) => config.base_url.port_or_known_default() == Some(port),
    }
}

/// Replaces an [`ErrorInfo`] response (from the context resolver) by plain JSON, adding the
/// bearer challenge to a `401`.
fn rewrite_error(response: Response, wiki_url: &str) -> Response {
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let mut rewritten = error_json(info.status, info.code, info.message);
    if info.status == StatusCode::UNAUTHORIZED {
        set_challenge(&mut rewritten, wiki_url, Some("invalid_token"));
    }
    rewritten
}

fn error_json(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// `WWW-Authenticate: Bearer [error="…", ]resource_metadata="{wiki_url}/.well-known/…"`.
fn set_challenge(response: &mut Response, wiki_url: &str, error: Option<&str>) {
    let metadata = format!("resource_metadata=\"{wiki_url}{RESOURCE_METADATA_PATH}\"");
    let value = match error {
        Some(error) => format!("Bearer error=\"{error}\", {metadata}"),
        None => format!("Bearer {metadata}"),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServerConfig {
        ServerConfig::new(
            "127.0.0.1:8080".parse().expect("addr"),
            "/tmp/x".into(),
            "localhost",
            url::Url::parse("http://localhost:8080").expect("url"),
        )
    }

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn host_port_must_be_absent_or_public() {
        let config = config();
        assert!(host_port_matches(&host("notes.localhost:8080"), &config));
        assert!(host_port_matches(&host("notes.localhost"), &config));
        assert!(!host_port_matches(&host("notes.localhost:9999"), &config));
        assert!(!host_port_matches(&HeaderMap::new(), &config));
    }

    #[test]
    fn challenge_points_at_the_wiki_metadata() {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        set_challenge(&mut response, "http://notes.localhost:8080", None);
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            "Bearer resource_metadata=\"http://notes.localhost:8080/.well-known/oauth-protected-resource\""
        );
        set_challenge(
            &mut response,
            "http://notes.localhost:8080",
            Some("invalid_token"),
        );
        assert!(
            response.headers()[WWW_AUTHENTICATE]
                .to_str()
                .expect("ascii")
                .starts_with("Bearer error=\"invalid_token\", resource_metadata=")
        );
    }
}
