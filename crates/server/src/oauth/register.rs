//! `POST /-/oauth/register`: RFC 7591 dynamic client registration, per wiki.
//!
//! Anyone may register (that is what lets Claude.ai connect without set-up); a registration
//! grants nothing by itself — every grant still needs a signed-in user's approval on the consent
//! page. What is checked here is what keeps that page honest: redirect URIs are exact, https
//! (http only to the loopback interface, for desktop clients) and without fragments, and the
//! name shown to the user is short and printable.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use robot_platform::oauth::{ClientAuthMethod, NewOAuthClient};
use serde::Deserialize;
use serde_json::json;

use super::{OAuthError, SCOPE, wiki_of};
use crate::state::AppState;

/// Longest client name shown on the consent page.
const MAX_NAME_CHARS: usize = 100;
/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI.
const MAX_URI_LEN: usize = 2000;

/// The client metadata this server reads; other fields are ignored.
#[derive(Debug, Deserialize)]
struct Registration {
    #[serde(default)]
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

/// Registers a client at this wiki: 201 with its metadata (and `client_secret`, once).
pub async fn register(State(state): State<AppState>, req: Request) -> Response {
    match run(&state, req).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn run(state: &AppState, req: Request) -> Result<Response, OAuthError> {
    let wiki = wiki_of(state, &req).await?;
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|_| OAuthError::invalid_client_metadata("The body could not be read."))?;
    let registration: Registration = serde_json::from_slice(&body).map_err(|e| {
        OAuthError::invalid_client_metadata(format!("Send client metadata as JSON: {e}"))
    })?;
    let new = checked(wiki.id, registration)?;
    let (client, secret) = state.db.register_oauth_client(new).await?;
    tracing::info!(wiki = %wiki.slug, client = %client.client_name, "oauth client registered");
    let mut body = json!({
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at,
        "client_name": client.client_name,
        "redirect_uris": client.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": client.auth_method.as_str(),
        "scope": SCOPE,
    });
    if let Some(secret) = secret {
        body["client_secret"] = json!(secret);
        body["client_secret_expires_at"] = json!(0);
    }
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The registration as it will be stored, or why it is refused.
fn checked(wiki_id: i64, reg: Registration) -> Result<NewOAuthClient, OAuthError> {
    if reg.redirect_uris.is_empty() {
        return Err(OAuthError::invalid_redirect_uri(
            "Register at least one redirect_uri.",
        ));
    }
    if reg.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::invalid_redirect_uri(format!(
            "Register at most {MAX_REDIRECT_URIS} redirect URIs."
        )));
    }
    for uri in &reg.redirect_uris {
        check_redirect_uri(uri)?;
    }
    let auth_method = match reg.token_endpoint_auth_method.as_deref() {
        // RFC 7591's default.
        None => ClientAuthMethod::SecretBasic,
        Some(name) => ClientAuthMethod::parse(name).ok_or_else(|| {
            OAuthError::invalid_client_metadata(format!(
                "token_endpoint_auth_method {name:?} is not supported; use none, \
                 client_secret_post or client_secret_basic."
            ))
        })?,
    };
    if let Some(grants) = &reg.grant_types {
        if !grants.iter().any(|g| g == "authorization_code") {
            return Err(OAuthError::invalid_client_metadata(
                "grant_types must include authorization_code.",
            ));
        }
        if let Some(other) = grants
            .iter()
            .find(|g| *g != "authorization_code" && *g != "refresh_token")
        {
            return Err(OAuthError::invalid_client_metadata(format!(
                "grant type {other:?} is not supported; use authorization_code and refresh_token."
            )));
        }
    }
    if let Some(types) = &reg.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(OAuthError::invalid_client_metadata(
            "response_types may only contain \"code\".",
        ));
    }
    let fallback = url::Url::parse(&reg.redirect_uris[0])
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let client_name = checked_name(reg.client_name.as_deref(), fallback)?;
    Ok(NewOAuthClient {
        wiki_id,
        client_name,
        redirect_uris: reg.redirect_uris,
        auth_method,
    })
}

/// A client's display name: trimmed, at most [`MAX_NAME_CHARS`] characters, no control
/// characters; `fallback` (a host of the client's) or "Unnamed app" when it gives none.
pub fn checked_name(raw: Option<&str>, fallback: Option<String>) -> Result<String, OAuthError> {
    match raw.map(str::trim) {
        Some(name) if name.chars().count() > MAX_NAME_CHARS => {
            Err(OAuthError::invalid_client_metadata(format!(
                "client_name is longer than {MAX_NAME_CHARS} characters."
            )))
        }
        Some(name) if name.chars().any(char::is_control) => Err(
            OAuthError::invalid_client_metadata("client_name may not contain control characters."),
        ),
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        _ => Ok(fallback.unwrap_or_else(|| "Unnamed app".into())),
    }
}

/// A redirect URI must be absolute https, or http to a loopback host (`localhost`,
/// `127.0.0.1`, `[::1]`), with no fragment (RFC 6749 §3.1.2) and no credentials.
pub fn check_redirect_uri(uri: &str) -> Result<(), OAuthError> {
    let refuse = |why: &str| OAuthError::invalid_redirect_uri(format!("{uri:?}: {why}"));
    if uri.len() > MAX_URI_LEN {
        return Err(refuse("too long"));
    }
    let parsed = url::Url::parse(uri).map_err(|_| refuse("not an absolute URL"))?;
    if parsed.fragment().is_some() || uri.contains('#') {
        return Err(refuse("a redirect URI may not have a fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refuse("a redirect URI may not carry credentials"));
    }
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match parsed.scheme() {
        "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(refuse(
            "use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])",
        )),
        _ => Err(refuse("use an https URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_http_without_fragments() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://localhost:3000/cb",
            "http://127.0.0.1:9/cb?x=1",
            "http://[::1]/cb",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/cb",
            "https://claude.ai/cb#frag",
            "javascript:alert(1)",
            "/relative",
            "https://user:pw@example.com/cb",
            "http://localhost.evil.com/cb",
            "myapp://cb",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    fn reg(json: serde_json::Value) -> Result<NewOAuthClient, OAuthError> {
        checked(1, serde_json::from_value(json).expect("json"))
    }

    #[test]
    fn registration_rules() {
        let ok = reg(
            json!({"redirect_uris": ["https://a.example/cb"], "client_name": "A",
            "token_endpoint_auth_method": "none"}),
        )
        .expect("valid");
        assert_eq!(ok.auth_method, ClientAuthMethod::None);
        assert_eq!(ok.client_name, "A");
        let unnamed = reg(json!({"redirect_uris": ["https://a.example/cb"]})).expect("valid");
        assert_eq!(unnamed.client_name, "a.example");
        assert_eq!(unnamed.auth_method, ClientAuthMethod::SecretBasic);
        assert!(reg(json!({"redirect_uris": []})).is_err());
        assert!(
            reg(json!({"redirect_uris": ["https://a.example/cb"],
            "client_name": "x".repeat(101)}))
            .is_err()
        );
        assert!(
            reg(json!({"redirect_uris": ["https://a.example/cb"],
            "grant_types": ["refresh_token"]}))
            .is_err()
        );
        assert!(
            reg(json!({"redirect_uris": ["https://a.example/cb"],
            "token_endpoint_auth_method": "private_key_jwt"}))
            .is_err()
        );
    }
}
