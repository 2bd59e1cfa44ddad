//! Shared steps of the OAuth tests: a client registered, a person's consent, the code exchange,
//! a refresh, and MCP calls with the token — through the real router (no network).

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use robot_platform::User;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

#[path = "../dashboard_support/mod.rs"]
pub mod dashboard_support;

#[allow(unused_imports)]
pub use dashboard_support::{
    Auth, CSRF, HTML, NOTES, PLATFORM, Reply, World, cookie, element_text, form, json, jwt,
    location, make_wiki, page, send, unlimited_world,
};

pub const OTHER: &str = "other.localhost:8080";
pub const WIKI_URL: &str = "http://notes.localhost:8080";
pub const REDIRECT: &str = "https://client.example/callback";
pub const VERIFIER: &str = "a-perfectly-random-code-verifier-of-more-than-43-chars";

pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
}

pub fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The query parameters of a redirect's `Location`.
pub fn query_of(reply: &Reply) -> Vec<(String, String)> {
    let url = url::Url::parse(&location(reply)).expect("absolute location");
    url.query_pairs().into_owned().collect()
}

pub fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

pub struct Setup {
    pub world: World,
    /// A wiki owned by bob, where alice has no role.
    pub other_id: i64,
    pub notes_id: i64,
}

pub async fn setup() -> Setup {
    let world = unlimited_world().await;
    let notes = make_wiki(&world.state, "notes", &world.alice).await;
    let other = make_wiki(&world.state, "other", &world.bob).await;
    Setup {
        world,
        other_id: other.id,
        notes_id: notes.id,
    }
}

/// Registers a public client at `host`; returns its `client_id`.
pub async fn register(world: &World, host: &str) -> String {
    let reply = json(
        world,
        host,
        Method::POST,
        "/-/oauth/register",
        Auth::None,
        Some(json!({
            "client_name": "Claude",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert!(reply.json.get("client_secret").is_none());
    reply.str("client_id")
}

pub fn authorize_query(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("state", "xyz"),
        ("resource", "http://notes.localhost:8080/mcp"),
    ];
    for (k, v) in extra {
        pairs.retain(|(name, _)| name != k);
        if !v.is_empty() {
            pairs.push((k, v));
        }
    }
    format!("/-/oauth/authorize?{}", encode(&pairs))
}

/// The consent form's POST as `user`, approving or denying, for the wiki's MCP endpoint.
pub async fn consent(
    world: &World,
    host: &str,
    user: &User,
    client_id: &str,
    decision: &str,
    with_csrf: bool,
) -> Reply {
    let resource = format!("http://{host}/mcp");
    consent_for(
        world,
        host,
        user,
        client_id,
        decision,
        with_csrf,
        Some(&resource),
    )
    .await
}

/// The consent form's POST naming `resource` (none: the whole wiki).
pub async fn consent_for(
    world: &World,
    host: &str,
    user: &User,
    client_id: &str,
    decision: &str,
    with_csrf: bool,
    resource: Option<&str>,
) -> Reply {
    let challenge = challenge(VERIFIER);
    let mut fields = vec![
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge.as_str()),
        ("state", "xyz"),
        ("decision", decision),
    ];
    if let Some(resource) = resource {
        fields.push(("resource", resource));
    }
    form(world, host, "/-/oauth/authorize", user, &fields, with_csrf).await
}

/// Approves on `host` as `user` and returns the code.
pub async fn approve(world: &World, host: &str, user: &User, client_id: &str) -> String {
    let resource = format!("http://{host}/mcp");
    approve_for(world, host, user, client_id, Some(&resource)).await
}

/// Approves on `host` as `user` for `resource` (none: the whole wiki) and returns the code.
pub async fn approve_for(
    world: &World,
    host: &str,
    user: &User,
    client_id: &str,
    resource: Option<&str>,
) -> String {
    let reply = consent_for(world, host, user, client_id, "approve", true, resource).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
    assert!(
        location(&reply).starts_with(REDIRECT),
        "{}",
        location(&reply)
    );
    let query = query_of(&reply);
    assert_eq!(param(&query, "state").as_deref(), Some("xyz"));
    param(&query, "code").expect("code")
}

/// A form POST to the token endpoint (no cookies, like a server-side client).
pub async fn token_request(world: &World, host: &str, pairs: &[(&str, &str)]) -> Reply {
    let req = Request::post("/-/oauth/token")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(encode(pairs)))
        .expect("request");
    send(&world.state, req).await
}

pub async fn exchange(
    world: &World,
    host: &str,
    client_id: &str,
    code: &str,
    verifier: &str,
) -> Reply {
    token_request(
        world,
        host,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub async fn refresh(world: &World, client_id: &str, refresh_token: &str) -> Reply {
    token_request(
        world,
        NOTES,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
        ],
    )
    .await
}

/// Registration, consent (for the MCP endpoint) and exchange as `user` on `notes`:
/// (client_id, token response).
pub async fn connect(world: &World, user: &User) -> (String, Value) {
    connect_for(world, user, Some("http://notes.localhost:8080/mcp")).await
}

/// Registration, consent for `resource` (none: the whole wiki) and exchange as `user` on
/// `notes`: (client_id, token response).
pub async fn connect_for(world: &World, user: &User, resource: Option<&str>) -> (String, Value) {
    let client_id = register(world, NOTES).await;
    let code = approve_for(world, NOTES, user, &client_id, resource).await;
    let reply = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    (client_id, reply.json)
}

/// An MCP `tools/call` on `host` with a bearer token.
pub async fn mcp_call(world: &World, host: &str, token: &str, tool: &str, args: Value) -> Reply {
    dashboard_support::common::mcp_tool_call(&world.state, host, token, tool, args).await
}

/// The permissions `whoami` reports for `token` on `notes` (panics unless the call is allowed).
pub async fn whoami(world: &World, token: &str) -> Value {
    let reply = mcp_call(world, NOTES, token, "whoami", json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.json["result"]["structuredContent"].clone()
}
