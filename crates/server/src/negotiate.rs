//! Turns error responses into what the client can use: an HTML page for browsers, JSON with a
//! stable `error` code for API clients, and a redirect to the login page for browsers that need
//! to sign in.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, HOST, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::context::theme;
use crate::error::ErrorInfo;
use crate::respond::{page_with_status, redirect};
use crate::state::AppState;
use crate::templates::{Chrome, ErrorTpl};

/// Middleware: rewrites responses that carry an [`ErrorInfo`].
pub async fn negotiate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let original_url = original_url(&state, &req);
    let git = crate::git_http::is_git_path(req.uri().path());
    let response = next.run(req).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if git {
        return for_git(&info, &response, &headers);
    }
    if wants_json(&headers) {
        let body = serde_json::json!({ "error": info.code, "message": info.message });
        let mut json = (info.status, Json(body)).into_response();
        // Keep challenge headers such as WWW-Authenticate.
        for (name, value) in response.headers() {
            if name != axum::http::header::CONTENT_TYPE
                && name != axum::http::header::CONTENT_LENGTH
            {
                json.headers_mut().append(name.clone(), value.clone());
            }
        }
        return json;
    }
    if info.status == StatusCode::UNAUTHORIZED {
        return redirect(&login_url(&state, &original_url));
    }
    let heading = match info.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Conflict",
        StatusCode::BAD_REQUEST => "Bad request",
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        StatusCode::TOO_MANY_REQUESTS => "Slow down",
        _ => "Error",
    };
    let chrome = Chrome {
        doc_title: heading.to_string(),
        login_url: login_url(&state, &original_url),
        theme: theme(&headers),
        ..Chrome::default()
    };
    let template = ErrorTpl {
        chrome,
        heading: heading.to_string(),
        message: info.message.clone(),
        request_access: info.status == StatusCode::FORBIDDEN
            && on_wiki_host(&state, &headers)
            && !original_url.contains("/-/request-access"),
    };
    let mut page = page_with_status(info.status, &template)
        .unwrap_or_else(|_| (info.status, info.message).into_response());
    // A rate-limited browser still learns when to come back.
    if let Some(retry_after) = response.headers().get(RETRY_AFTER) {
        page.headers_mut().insert(RETRY_AFTER, retry_after.clone());
    }
    page
}

/// Git shows a plain-text error body to its user (as `remote: …`), and answers a Basic
/// challenge by asking for credentials.
fn for_git(info: &ErrorInfo, response: &Response, headers: &HeaderMap) -> Response {
    let mut plain = (info.status, format!("{}\n", info.message)).into_response();
    if let Some(retry_after) = response.headers().get(RETRY_AFTER) {
        plain.headers_mut().insert(RETRY_AFTER, retry_after.clone());
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .replace(['"', '\\'], "");
        if let Ok(challenge) =
            HeaderValue::from_str(&format!("Basic realm=\"{host}\", charset=\"UTF-8\""))
        {
            plain.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
    }
    plain
}

/// Whether the request addressed a wiki host (where `/-/request-access` exists).
fn on_wiki_host(state: &AppState, headers: &HeaderMap) -> bool {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    matches!(
        crate::tenancy::resolve_site(host, &state.config.domain),
        crate::tenancy::Site::Wiki(_)
    )
}

/// The login page URL that brings the visitor back to `return_to` afterwards.
pub fn login_url(state: &AppState, return_to: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    state
        .config
        .platform_url(&format!("/auth/login?return_to={encoded}"))
}

/// The absolute URL the client asked for, rebuilt from the Host header.
pub fn original_url(state: &AppState, req: &Request) -> String {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(&state.config.domain);
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    format!("{}://{host}{path}", state.config.scheme())
}

/// API clients: anything that asks for JSON, or does not ask for HTML at all.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("text/html") {
        return false;
    }
    accept.contains("application/json") || accept.is_empty() || accept == "*/*"
}
