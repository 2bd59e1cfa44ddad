//! The account's public Bluesky profile record (`app.bsky.actor.profile/self`), read from its
//! PDS for the display name shown on the platform.
//!
//! Read with `com.atproto.repo.getRecord` on the account's own PDS (public, no token) rather
//! than the Bluesky AppView: it works for accounts on any PDS, including a local test network,
//! and asks nothing of a third party. The name is untrusted text: it is trimmed, stripped of
//! control and bidirectional-override characters, and capped.

use serde_json::Value;
use url::Url;

use crate::AtprotoError;
use crate::fetch::Fetcher;
use crate::identity::Did;

/// Longest display name kept, in characters (Bluesky allows 64 graphemes).
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// The display name in `did`'s profile record on `pds`: `Ok(None)` when the account has no
/// profile record or the record has no usable `displayName`. Errors are for the caller to log;
/// a sign-in should not fail on them.
pub async fn fetch_display_name(
    fetcher: &Fetcher,
    pds: &Url,
    did: &Did,
) -> Result<Option<String>, AtprotoError> {
    let mut url = pds
        .join("/xrpc/com.atproto.repo.getRecord")
        .map_err(|e| AtprotoError::Key(format!("cannot build the profile URL: {e}")))?;
    url.query_pairs_mut()
        .append_pair("repo", did.as_str())
        .append_pair("collection", "app.bsky.actor.profile")
        .append_pair("rkey", "self");
    let reply = fetcher.get(&url, "application/json").await?;
    if reply.status == 200 {
        return Ok(display_name(&reply.json::<Value>()?));
    }
    // An account that never set up a profile: XRPC answers 400 `RecordNotFound`.
    let not_found = reply.status == 400
        && reply
            .json::<Value>()
            .is_ok_and(|body| body["error"] == "RecordNotFound");
    if not_found {
        Ok(None)
    } else {
        Err(reply.status_error())
    }
}

/// The cleaned `value.displayName` of a `getRecord` answer, if there is one left after
/// cleaning.
pub fn display_name(record: &Value) -> Option<String> {
    clean_display_name(record["value"]["displayName"].as_str()?)
}

/// Trims `raw`, removes control characters and the bidirectional embedding, override and
/// isolate characters (which could flip the text around it on our pages), and keeps at most
/// [`MAX_DISPLAY_NAME_CHARS`] characters. `None` when nothing is left.
pub fn clean_display_name(raw: &str) -> Option<String> {
    let kept: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let name: String = kept.trim().chars().take(MAX_DISPLAY_NAME_CHARS).collect();
    let name = name.trim_end();
    (!name.is_empty()).then(|| name.to_string())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_display_name_is_cleaned() {
        let record = |name: Value| json!({"uri": "at://x", "value": {"displayName": name}});
        assert_eq!(
            display_name(&record(json!("  Alice  "))).as_deref(),
            Some("Alice")
        );
        assert_eq!(
            display_name(&record(json!("Al\u{0}i\nce\u{202E}evil\u{7f}"))).as_deref(),
            Some("Aliceevil")
        );
        assert_eq!(display_name(&record(json!(" \t\n "))), None);
        assert_eq!(display_name(&record(json!(42))), None);
        assert_eq!(display_name(&json!({"value": {}})), None);
        assert_eq!(display_name(&json!([])), None);
        let long = "é".repeat(100);
        let capped = display_name(&record(json!(long))).expect("name");
        assert_eq!(capped.chars().count(), MAX_DISPLAY_NAME_CHARS);
        assert_eq!(
            clean_display_name("🤖 Robot 🤖").as_deref(),
            Some("🤖 Robot 🤖"),
            "emoji are names too"
        );
    }

    /// A PDS on loopback answering `getRecord` for two accounts, refusing a third.
    async fn pds() -> Url {
        use axum::extract::Query;
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        use std::collections::HashMap;
        let app = axum::Router::new().route(
            "/xrpc/com.atproto.repo.getRecord",
            axum::routing::get(|Query(q): Query<HashMap<String, String>>| async move {
                let right_record = q.get("collection").map(String::as_str)
                    == Some("app.bsky.actor.profile")
                    && q.get("rkey").map(String::as_str) == Some("self");
                match (q.get("repo").map(String::as_str), right_record) {
                    (Some("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), true) => axum::Json(json!({
                        "uri": "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.actor.profile/self",
                        "value": {"$type": "app.bsky.actor.profile", "displayName": " Alice A. "}
                    }))
                    .into_response(),
                    (Some("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"), true) => (
                        StatusCode::BAD_REQUEST,
                        axum::Json(json!({"error": "RecordNotFound", "message": "no profile"})),
                    )
                        .into_response(),
                    _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Url::parse(&format!("http://{addr}")).expect("url")
    }

    #[tokio::test]
    async fn fetches_the_profile_record_from_the_pds() {
        let pds = pds().await;
        let fetcher = Fetcher::new(true).expect("fetcher");
        let did = |s: &str| Did::parse(s).expect("did");
        let name = fetch_display_name(&fetcher, &pds, &did("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"))
            .await
            .expect("fetch");
        assert_eq!(name.as_deref(), Some("Alice A."));
        let none = fetch_display_name(&fetcher, &pds, &did("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"))
            .await
            .expect("no profile is not an error");
        assert_eq!(none, None);
        assert!(
            fetch_display_name(&fetcher, &pds, &did("did:plc:cccccccccccccccccccccccc"))
                .await
                .is_err()
        );
        // The SSRF rules apply: without the test switch, loopback is refused.
        let strict = Fetcher::new(false).expect("fetcher");
        assert!(matches!(
            fetch_display_name(&strict, &pds, &did("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")).await,
            Err(AtprotoError::Forbidden { .. })
        ));
    }
}
