//! `GET /.well-known/oauth-authorization-server[/mcp]`: RFC 8414 metadata of this wiki's
//! authorization server. The `/mcp` form answers clients that append the resource path.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    CACHE_CONTROL,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{SCOPE, wiki_of};
use crate::state::AppState;

/// The metadata document for the wiki at `wiki_url`.
pub fn document(wiki_url: &str) -> Value {
    json!({
        "issuer": wiki_url,
        "authorization_endpoint": format!("{wiki_url}/-/oauth/authorize"),
        "token_endpoint": format!("{wiki_url}/-/oauth/token"),
        "registration_endpoint": format!("{wiki_url}/-/oauth/register"),
        "revocation_endpoint": format!("{wiki_url}/-/oauth/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported":
            ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported":
            ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": [SCOPE],
        "authorization_response_iss_parameter_supported": true,
        // Clients may identify themselves by the URL of their metadata document (MCP
        // 2025-11-25 and later) instead of registering.
        "client_id_metadata_document_supported": true,
        "service_documentation": format!("{wiki_url}/Agent_Guide"),
    })
}

/// Serves the document, readable from any origin (browser-based clients discover it too).
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let wiki = match wiki_of(&state, &req).await {
        Ok(wiki) => wiki,
        Err(err) => return with_cors(err.into_response()),
    };
    let wiki_url = state.config.wiki_url(wiki.slug.as_str());
    let mut response = Json(document(&wiki_url)).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    with_cors(response)
}

/// `OPTIONS`: the CORS preflight of a browser-based client.
pub async fn preflight() -> Response {
    let mut response = with_cors(StatusCode::NO_CONTENT.into_response());
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("mcp-protocol-version"),
    );
    response
}

fn with_cors(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}
