//! `POST /-/oauth/token`: the authorization-code grant (PKCE S256 required) and the
//! refresh-token grant (rotating). Both answer RFC 6749 JSON with `Cache-Control: no-store`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use robot_platform::oauth::{CodeRedemption, IssuedTokens, RefreshOutcome};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::{OAuthError, SCOPE, client, form_field, form_pairs, now, resource, wiki_of};
use crate::state::AppState;

/// Exchanges a code or a refresh token for a new token pair.
pub async fn token(State(state): State<AppState>, req: Request) -> Response {
    match run(&state, req).await {
        Ok(tokens) => issued(&tokens),
        Err(err) => err.into_response(),
    }
}

async fn run(state: &AppState, req: Request) -> Result<IssuedTokens, OAuthError> {
    let wiki = wiki_of(state, &req).await?;
    let headers = req.headers().clone();
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|_| OAuthError::invalid_request("The body could not be read."))?;
    let pairs = form_pairs(&body);
    let grant_type = form_field(&pairs, "grant_type")
        .ok_or_else(|| OAuthError::invalid_request("Send grant_type."))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type {grant_type:?} is not supported; use authorization_code or refresh_token."
        )));
    }
    let client = client::authenticate(state, wiki.id, &headers, &pairs).await?;
    let required = |name: &str| {
        form_field(&pairs, name).ok_or_else(|| OAuthError::invalid_request(format!("Send {name}.")))
    };
    // RFC 8707: a named resource must be this wiki's, and the one the grant was approved for.
    let wiki_url = state.config.wiki_url(wiki.slug.as_str());
    let requested = match form_field(&pairs, "resource") {
        Some(raw) => {
            Some(resource::canonical(&wiki_url, raw).ok_or_else(resource::invalid_target)?)
        }
        None => None,
    };
    let approved = |granted: &Option<String>| match (&requested, granted) {
        (Some(asked), Some(granted)) => asked == granted,
        _ => true,
    };
    if grant_type == "refresh_token" {
        let refresh = required("refresh_token")?;
        // Checked before the rotation, which would spend the refresh token; only a request
        // that names a resource can ask for another one.
        if requested.is_some()
            && let Some(granted) = state.db.oauth_refresh_resource(refresh, client.id).await?
            && !approved(&granted)
        {
            return Err(OAuthError::invalid_target(format!(
                "This grant is for {}; ask for that resource.",
                granted.as_deref().unwrap_or(&wiki_url)
            )));
        }
        return match state
            .db
            .refresh_oauth_tokens(refresh, client.id, now())
            .await?
        {
            RefreshOutcome::Issued(tokens) => Ok(tokens),
            RefreshOutcome::Reused => {
                tracing::warn!(wiki = %wiki.slug, client = %client.client_name,
                    "rotated refresh token reused: grant revoked");
                Err(OAuthError::invalid_grant(
                    "This refresh token was already used; the grant has been revoked. Sign in again.",
                ))
            }
            RefreshOutcome::Invalid => Err(OAuthError::invalid_grant(
                "The refresh token is unknown, expired or revoked.",
            )),
        };
    }
    let code = required("code")?;
    let redirect_uri = required("redirect_uri")?;
    let verifier = required("code_verifier")?;
    let (client_row, wiki_id) = (client.id, wiki.id);
    let outcome = state
        .db
        .redeem_oauth_code(code, now(), |stored| {
            stored.client == client_row
                && stored.wiki_id == wiki_id
                && stored.redirect_uri == redirect_uri
                && approved(&stored.resource)
                && pkce_matches(verifier, &stored.code_challenge)
        })
        .await?;
    match outcome {
        CodeRedemption::Issued(tokens) => Ok(tokens),
        CodeRedemption::Reused => {
            tracing::warn!(wiki = %wiki.slug, client = %client.client_name,
                "authorization code reused: grant revoked");
            Err(OAuthError::invalid_grant(
                "This authorization code was already used; the tokens it produced have been revoked.",
            ))
        }
        CodeRedemption::Expired => Err(OAuthError::invalid_grant(
            "The authorization code has expired; start the authorization again.",
        )),
        CodeRedemption::Refused => Err(OAuthError::invalid_grant(
            "The code was not issued to this client, redirect_uri and resource, or the \
             code_verifier does not match its code_challenge. The code is spent; start again.",
        )),
        CodeRedemption::Unknown => Err(OAuthError::invalid_grant("Unknown authorization code.")),
    }
}

/// PKCE S256 (RFC 7636 §4.6): base64url(SHA-256(verifier)) without padding equals the
/// challenge. The verifier must be 43–128 unreserved characters.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let computed =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    robot_auth::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

fn issued(tokens: &IssuedTokens) -> Response {
    let mut response = Json(json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.access_lifetime_secs,
        "refresh_token": tokens.refresh_token,
        "scope": SCOPE,
    }))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
