//! Client authentication at the token and revocation endpoints: `none` (public clients, which
//! prove themselves with PKCE), `client_secret_post` or `client_secret_basic`.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use robot_platform::oauth::OAuthClient;

use super::{OAuthError, form_field};
use crate::state::AppState;

/// The client of wiki `wiki_id` that sent this request, authenticated.
pub async fn authenticate(
    state: &AppState,
    wiki_id: i64,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<OAuthClient, OAuthError> {
    let (client_id, secret) = match basic_credentials(headers)? {
        Some((id, secret)) => (id, Some(secret)),
        None => {
            let id = form_field(pairs, "client_id")
                .ok_or_else(|| OAuthError::invalid_client("Send client_id."))?
                .to_string();
            (id, form_field(pairs, "client_secret").map(str::to_string))
        }
    };
    let client = state
        .db
        .oauth_client(wiki_id, &client_id)
        .await?
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "Unknown client_id at this wiki; register at /-/oauth/register first.",
            )
        })?;
    match (&client.secret_hash, secret) {
        // A public client presents no secret.
        (None, None) => Ok(client),
        (Some(_), Some(secret)) if client.secret_matches(&secret) => Ok(client),
        (Some(_), None) => Err(OAuthError::invalid_client(
            "This client is confidential: send its client_secret.",
        )),
        _ => Err(OAuthError::invalid_client(
            "The client credentials are wrong.",
        )),
    }
}

/// `client_id:client_secret` of an `Authorization: Basic` header (each form-url-decoded, as
/// RFC 6749 §2.3.1 says); `None` without such a header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let garbled = || OAuthError::invalid_client("Use HTTP Basic with client_id:client_secret.");
    let value = value.to_str().map_err(|_| garbled())?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or_else(garbled)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(garbled());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(garbled)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(garbled)?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Ok(Some((decode(id), decode(secret))))
}
