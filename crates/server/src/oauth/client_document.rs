//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the way MCP
//! clients identify themselves since the 2025-11-25 revision): the `client_id` is an https URL,
//! and the JSON document at that URL says who the client is and where it may be sent back to.
//! No registration step: the authorization server fetches the document when the client first
//! shows up, and again when the copy it keeps goes stale.
//!
//! Why it is safe to fetch: the URL comes from whoever opens the authorization page, so the
//! fetch goes through the SSRF-hardened client of the ATProto login (https only, public
//! addresses checked after DNS, no redirects, 256 KiB, 10 s). The document must name itself
//! (`client_id` equal to its URL), may only be a public client (PKCE; no shared secret), and its
//! redirect URIs pass the same rules as registered ones. The consent page shows the document's
//! host beside the name it claims, so a person sees who is asking.
//!
//! The copy is kept as a client row of the wiki (so grants hang off it like any client's) for as
//! long as the document's `Cache-Control: max-age` (or `Expires`) allows, clamped to
//! [`MIN_CACHE`]..[`MAX_CACHE`], an hour when it says nothing.

use std::time::{Duration, SystemTime};

use axum::http::header::{CACHE_CONTROL, EXPIRES};
use robot_platform::oauth::{MetadataClient, OAuthClient};
use serde::Deserialize;
use url::Url;

use super::register::{MAX_REDIRECT_URIS, check_redirect_uri, checked_name};
use super::{OAuthError, now};
use crate::state::AppState;

/// A fetched document is used at least this long (a client cannot make us fetch per request).
pub const MIN_CACHE: Duration = Duration::from_secs(60);
/// A fetched document is fetched again after at most this long (changes reach us within a day).
pub const MAX_CACHE: Duration = Duration::from_secs(24 * 3600);
/// How long a document without cache headers is kept.
const DEFAULT_CACHE: Duration = Duration::from_secs(3600);
/// Longest `client_id` URL accepted.
const MAX_URL_LEN: usize = 2000;

/// Why a metadata document cannot identify a client. Shown on the authorization page (the
/// client cannot be trusted with a redirect until its document checks out).
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The `client_id` is a URL, but not one a document may live at.
    #[error("the client_id {url:?} is not a usable metadata document URL: {reason}")]
    BadUrl { url: String, reason: &'static str },
    /// The fetch was refused or failed (private address, redirect, too large, unreachable…).
    #[error("the app's client metadata document at {url} could not be fetched: {reason}")]
    Fetch { url: String, reason: String },
    /// The document was fetched but does not describe a client this server accepts.
    #[error("the app's client metadata document at {url} is not acceptable: {reason}")]
    Invalid { url: String, reason: String },
}

/// What a client metadata document may say (unknown fields are ignored, as RFC 7591 asks).
#[derive(Debug, Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

/// Whether `client_id` names a metadata document (an http(s) URL) rather than a registered
/// client (whose ids are random tokens, never URLs).
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// The client behind a metadata-document `client_id` at wiki `wiki_id`: the kept copy while it
/// is fresh, else the document fetched and checked now.
pub async fn resolve(
    state: &AppState,
    wiki_id: i64,
    client_id: &str,
) -> Result<OAuthClient, DocumentError> {
    let url = document_url(state, client_id)?;
    let now = now();
    let kept = state
        .db
        .oauth_client(wiki_id, client_id)
        .await
        .map_err(|e| fetch_error(client_id, e.to_string()))?;
    if let Some(kept) = kept
        && kept.metadata_url
        && kept.expires_at.is_some_and(|at| at > now)
    {
        return Ok(kept);
    }
    let reply = state
        .fetcher
        .get(&url, "application/json")
        .await
        .map_err(|e| fetch_error(client_id, e.to_string()))?;
    if reply.status != 200 {
        return Err(fetch_error(
            client_id,
            format!("it answered HTTP {} instead of 200", reply.status),
        ));
    }
    let document: Document = serde_json::from_slice(&reply.body).map_err(|e| {
        invalid(
            client_id,
            format!("it is not a JSON client metadata document ({e})"),
        )
    })?;
    let lifetime = cache_lifetime(reply.headers.get(CACHE_CONTROL), reply.headers.get(EXPIRES));
    let client = checked(wiki_id, client_id, &url, document, now + secs(lifetime))?;
    let kept = state
        .db
        .upsert_metadata_client(client)
        .await
        .map_err(|e| invalid(client_id, e.to_string()))?;
    tracing::info!(client = %kept.client_id, name = %kept.client_name,
        "oauth client metadata document fetched");
    Ok(kept)
}

/// The URL of a document `client_id`: https with a path, no credentials, no fragment (http too
/// when the fetcher is in its test mode; the fetcher applies the address rules).
fn document_url(state: &AppState, client_id: &str) -> Result<Url, DocumentError> {
    let bad = |reason| DocumentError::BadUrl {
        url: client_id.chars().take(200).collect(),
        reason,
    };
    if client_id.len() > MAX_URL_LEN {
        return Err(bad("it is longer than 2000 characters"));
    }
    let url = Url::parse(client_id).map_err(|_| bad("it is not a URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if state.fetcher.insecure_test() => {}
        _ => return Err(bad("it must be an https URL")),
    }
    if url.path() == "/" || url.path().is_empty() {
        return Err(bad("it must have a path"));
    }
    if url.fragment().is_some() || client_id.contains('#') {
        return Err(bad("it may not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it may not carry credentials"));
    }
    Ok(url)
}

/// Checks a fetched document and turns it into the client row to keep.
fn checked(
    wiki_id: i64,
    client_id: &str,
    url: &Url,
    document: Document,
    expires_at: i64,
) -> Result<MetadataClient, DocumentError> {
    let refuse = |reason: String| invalid(client_id, reason);
    let describe = |e: OAuthError| refuse(e.to_string());
    if document.client_id != client_id {
        return Err(refuse(format!(
            "its client_id is {:?}, not its own URL",
            document.client_id
        )));
    }
    match document.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(other) => {
            return Err(refuse(format!(
                "token_endpoint_auth_method {other:?} is not supported for metadata documents; \
                 use none (with PKCE)"
            )));
        }
    }
    if document.redirect_uris.is_empty() {
        return Err(refuse("it lists no redirect_uris".into()));
    }
    if document.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(refuse(format!(
            "it lists more than {MAX_REDIRECT_URIS} redirect_uris"
        )));
    }
    for uri in &document.redirect_uris {
        check_redirect_uri(uri).map_err(describe)?;
    }
    if let Some(grants) = &document.grant_types
        && !grants.iter().any(|g| g == "authorization_code")
    {
        return Err(refuse(
            "its grant_types do not include authorization_code".into(),
        ));
    }
    if let Some(types) = &document.response_types
        && !types.iter().any(|t| t == "code")
    {
        return Err(refuse("its response_types do not include code".into()));
    }
    let client_name = checked_name(
        document.client_name.as_deref(),
        url.host_str().map(str::to_string),
    )
    .map_err(describe)?;
    Ok(MetadataClient {
        wiki_id,
        client_id: client_id.to_string(),
        client_name,
        redirect_uris: document.redirect_uris,
        logo_uri: document.logo_uri.filter(|u| web_url(u)),
        client_uri: document.client_uri.filter(|u| web_url(u)),
        expires_at,
    })
}

/// Whether `uri` is an http(s) URL (shown by host only; never fetched or linked otherwise).
fn web_url(uri: &str) -> bool {
    Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
}

/// How long to keep a document, from its `Cache-Control` (`no-store`/`no-cache` → the minimum,
/// `max-age`) or `Expires`, clamped to [`MIN_CACHE`]..[`MAX_CACHE`].
pub fn cache_lifetime(
    cache_control: Option<&axum::http::HeaderValue>,
    expires: Option<&axum::http::HeaderValue>,
) -> Duration {
    let clamp = |d: Duration| d.clamp(MIN_CACHE, MAX_CACHE);
    if let Some(value) = cache_control.and_then(|v| v.to_str().ok()) {
        let mut max_age = None;
        for directive in value.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-store" || directive == "no-cache" {
                return MIN_CACHE;
            }
            if let Some(secs) = directive.strip_prefix("max-age=") {
                max_age = secs.trim_matches('"').parse::<u64>().ok();
            }
        }
        if let Some(secs) = max_age {
            return clamp(Duration::from_secs(secs));
        }
    }
    if let Some(at) = expires
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        return clamp(at.duration_since(SystemTime::now()).unwrap_or_default());
    }
    DEFAULT_CACHE
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn fetch_error(url: &str, reason: String) -> DocumentError {
    DocumentError::Fetch {
        url: url.chars().take(200).collect(),
        reason,
    }
}

fn invalid(url: &str, reason: String) -> DocumentError {
    DocumentError::Invalid {
        url: url.chars().take(200).collect(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn header(v: &str) -> HeaderValue {
        HeaderValue::from_str(v).expect("header")
    }

    #[test]
    fn cache_headers_set_the_lifetime_within_bounds() {
        let lifetime = |cc: Option<&str>, exp: Option<&str>| {
            cache_lifetime(cc.map(header).as_ref(), exp.map(header).as_ref())
        };
        assert_eq!(lifetime(None, None), DEFAULT_CACHE);
        assert_eq!(
            lifetime(Some("public, max-age=600"), None),
            Duration::from_secs(600)
        );
        assert_eq!(lifetime(Some("max-age=5"), None), MIN_CACHE);
        assert_eq!(lifetime(Some("max-age=99999999"), None), MAX_CACHE);
        assert_eq!(lifetime(Some("no-store"), None), MIN_CACHE);
        assert_eq!(lifetime(Some("no-cache, max-age=600"), None), MIN_CACHE);
        assert_eq!(
            lifetime(None, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            MIN_CACHE,
            "an Expires in the past"
        );
    }

    fn document(client_id: &str) -> Document {
        Document {
            client_id: client_id.into(),
            redirect_uris: vec!["https://app.example/callback".into()],
            client_name: Some("Example App".into()),
            client_uri: Some("https://app.example/".into()),
            logo_uri: Some("javascript:alert(1)".into()),
            token_endpoint_auth_method: Some("none".into()),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            response_types: Some(vec!["code".into()]),
        }
    }

    #[test]
    fn a_document_must_name_itself_and_be_a_public_client() {
        let id = "https://app.example/oauth/client.json";
        let url = Url::parse(id).expect("url");
        let kept = checked(1, id, &url, document(id), 100).expect("valid");
        assert_eq!(kept.client_name, "Example App");
        assert_eq!(kept.logo_uri, None, "only http(s) logos are kept");
        assert_eq!(kept.client_uri.as_deref(), Some("https://app.example/"));

        let other = checked(1, id, &url, document("https://evil.example/c.json"), 100);
        assert!(matches!(other, Err(DocumentError::Invalid { .. })));

        let mut secret = document(id);
        secret.token_endpoint_auth_method = Some("client_secret_basic".into());
        assert!(checked(1, id, &url, secret, 100).is_err());

        let mut no_redirect = document(id);
        no_redirect.redirect_uris.clear();
        assert!(checked(1, id, &url, no_redirect, 100).is_err());

        let mut plain_http = document(id);
        plain_http.redirect_uris = vec!["http://app.example/callback".into()];
        assert!(checked(1, id, &url, plain_http, 100).is_err());

        let mut unnamed = document(id);
        unnamed.client_name = None;
        let kept = checked(1, id, &url, unnamed, 100).expect("valid");
        assert_eq!(
            kept.client_name, "app.example",
            "the host stands in for a name"
        );
    }
}
