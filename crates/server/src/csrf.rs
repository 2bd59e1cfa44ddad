//! CSRF protection for every state-changing request: a double-submit token.
//!
//! Each browser gets a random token in a host-only cookie; every form carries it in a hidden
//! `csrf_token` field (scripts send it as `X-CSRF-Token`, multipart forms in the query string).
//! A cross-site page can neither read the cookie nor guess the token, and SameSite=Lax keeps the
//! session cookie off cross-site POSTs as a second line of defence. A foreign `Origin` is refused
//! outright.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN, SET_COOKIE};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::session::cookie_value;

/// Name of the cookie holding the browser's CSRF token.
pub const CSRF_COOKIE: &str = "robot_csrf";
/// Name of the form field, query parameter and (as `X-CSRF-Token`) header carrying the token.
pub const CSRF_FIELD: &str = "csrf_token";
/// Largest url-encoded form we buffer to look for the token (pages are saved this way).
const MAX_FORM_BYTES: usize = 8 * 1024 * 1024;

/// The request's CSRF token, for templates to embed in forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Middleware: issues the token cookie and rejects unsafe requests without a matching token.
pub async fn protect(mut req: Request, next: Next) -> Response {
    let existing = cookie_value(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let token = existing.clone().unwrap_or_else(robot_auth::random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));

    // Bearer-token requests carry no ambient credentials (cross-site pages cannot set
    // Authorization), and the context resolver ignores cookies when a token is present.
    let has_bearer = req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    if !is_safe(req.method()) && !has_bearer {
        if !same_origin(&req) {
            return AppError::Forbidden("Cross-site request refused.".into()).into_response();
        }
        let Some(expected) = existing.as_deref() else {
            return refused();
        };
        match submitted_token(req).await {
            Ok((rebuilt, Some(sent)))
                if robot_auth::constant_time_eq(sent.as_bytes(), expected.as_bytes()) =>
            {
                req = rebuilt;
            }
            Ok(_) => return refused(),
            Err(response) => return response,
        }
    }

    let mut response = next.run(req).await;
    if existing.is_none() {
        let cookie = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

fn refused() -> Response {
    AppError::Forbidden(
        "The form's security token is missing or expired. Reload the page and submit again.".into(),
    )
    .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A present `Origin` must name the request's own host; absent is fine (older clients, curl).
fn same_origin(req: &Request) -> bool {
    let Some(origin) = req.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = req
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    url::Url::parse(origin)
        .ok()
        .map(|u| {
            let origin_host = match u.port() {
                Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_string(),
            };
            origin_host.eq_ignore_ascii_case(host)
        })
        .unwrap_or(false)
}

/// Finds the token in the header, the query string or a url-encoded body (which is put back).
async fn submitted_token(req: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(sent) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let sent = sent.to_string();
        return Ok((req, Some(sent)));
    }
    if let Some(sent) = req
        .uri()
        .query()
        .and_then(|q| form_field(q.as_bytes(), CSRF_FIELD))
    {
        return Ok((req, Some(sent)));
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
        AppError::TooLarge(format!(
            "Form too large (limit {} MiB).",
            MAX_FORM_BYTES / 1024 / 1024
        ))
        .into_response()
    })?;
    let sent = form_field(&bytes, CSRF_FIELD);
    Ok((Request::from_parts(parts, Body::from(bytes)), sent))
}

fn form_field(encoded: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_form_field() {
        assert_eq!(
            form_field(b"a=1&csrf_token=x%2By", CSRF_FIELD).as_deref(),
            Some("x+y")
        );
        assert_eq!(form_field(b"a=1", CSRF_FIELD), None);
    }
}
