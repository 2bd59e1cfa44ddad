//! OAuth for today's MCP clients (issue 13), through the real router: resource indicators
//! (RFC 8707) binding a token to the wiki's MCP endpoint, the owner-set access-token lifetime
//! with revocation that still works at once, and Client ID Metadata Documents fetched from a
//! real HTTP server on loopback — accepted when they check out, refused with a clear error when
//! they point at a private address, redirect, are too large or do not name themselves.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse as _;
use robot_platform::oauth::DEFAULT_ACCESS_LIFETIME_SECS;
use serde_json::{Value, json};

mod oauth_support;

use oauth_support::*;

const MCP_RESOURCE: &str = "http://notes.localhost:8080/mcp";

/// `GET /api/v1/pages` on `host` with `token`.
async fn rest_list(world: &World, host: &str, token: &str) -> Reply {
    json(
        world,
        host,
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(token.to_string()),
        None,
    )
    .await
}

#[tokio::test]
async fn a_token_for_the_mcp_endpoint_opens_nothing_else() {
    let s = setup().await;
    let world = &s.world;
    let (_, tokens) = connect_for(world, &world.alice, Some(MCP_RESOURCE)).await;
    let access = tokens["access_token"].as_str().expect("access");

    let me = whoami(world, access).await;
    assert_eq!(me["user"], "alice", "{me}");
    let rest = rest_list(world, NOTES, access).await;
    assert_eq!(rest.status, StatusCode::FORBIDDEN, "{rest:?}");
    assert!(
        rest.text.contains(MCP_RESOURCE),
        "says what it is for: {rest:?}"
    );
    let other_mcp = mcp_call(world, OTHER, access, "whoami", json!({})).await;
    assert_eq!(other_mcp.status, StatusCode::FORBIDDEN, "{other_mcp:?}");
    let other_rest = rest_list(world, OTHER, access).await;
    assert_eq!(other_rest.status, StatusCode::FORBIDDEN, "{other_rest:?}");

    // Approved for the wiki itself, a token opens its REST API too (and still no other wiki).
    let (_, whole) = connect_for(world, &world.alice, Some("http://notes.localhost:8080")).await;
    let whole = whole["access_token"].as_str().expect("access");
    assert_eq!(rest_list(world, NOTES, whole).await.status, StatusCode::OK);
    assert_eq!(whoami(world, whole).await["user"], "alice");
    assert_eq!(
        rest_list(world, OTHER, whole).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_token_endpoint_refuses_a_resource_that_was_not_approved() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    for (resource, why) in [
        ("http://other.localhost:8080/mcp", "another wiki"),
        ("http://notes.localhost:8080", "wider than approved"),
        ("https://evil.example/mcp", "not ours"),
    ] {
        let code = approve_for(world, NOTES, &world.alice, &client_id, Some(MCP_RESOURCE)).await;
        let reply = token_request(
            world,
            NOTES,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", &client_id),
                ("code_verifier", VERIFIER),
                ("resource", resource),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{why}: {reply:?}");
        assert!(
            matches!(reply.code(), "invalid_target" | "invalid_grant"),
            "{why}: {reply:?}"
        );
    }
    // The approved resource, named again, is fine; so is naming none.
    let code = approve_for(world, NOTES, &world.alice, &client_id, Some(MCP_RESOURCE)).await;
    let reply = token_request(
        world,
        NOTES,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("code_verifier", VERIFIER),
            ("resource", "http://notes.localhost:8080/mcp/"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // A refresh that asks for another resource is refused without spending the refresh token.
    let refresh_token = reply.str("refresh_token");
    let wrong = token_request(
        world,
        NOTES,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("client_id", &client_id),
            ("resource", "http://other.localhost:8080/mcp"),
        ],
    )
    .await;
    assert_eq!(wrong.code(), "invalid_target", "{wrong:?}");
    let right = refresh(world, &client_id, &refresh_token).await;
    assert_eq!(right.status, StatusCode::OK, "{right:?}");

    // The authorization endpoint refuses a foreign resource before any consent: to the app,
    // which alice has approved here before (an unapproved app's errors stay on our page).
    let page_reply = page(
        world,
        NOTES,
        &authorize_query(
            &client_id,
            &[("resource", "http://other.localhost:8080/mcp")],
        ),
        Some(&world.alice),
    )
    .await;
    assert_eq!(page_reply.status, StatusCode::SEE_OTHER, "{page_reply:?}");
    let back = query_of(&page_reply);
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_target"));
    assert_eq!(param(&back, "code"), None);
}

#[tokio::test]
async fn the_owner_sets_how_long_app_tokens_live_and_revocation_still_works_at_once() {
    let s = setup().await;
    let world = &s.world;
    let (_, tokens) = connect(world, &world.alice).await;
    assert_eq!(tokens["expires_in"], DEFAULT_ACCESS_LIFETIME_SECS);
    let long_lived = tokens["access_token"].as_str().expect("access").to_string();

    // The consent page says how long a token lasts.
    let client_id = register(world, NOTES).await;
    let consent_page = page(
        world,
        NOTES,
        &authorize_query(&client_id, &[]),
        Some(&world.alice),
    )
    .await;
    assert!(
        element_text(&consent_page.text, "token-lifetime").is_some_and(|t| t.contains("30 days")),
        "{consent_page:?}"
    );

    // The owner picks one hour; the next token says so. A value not offered changes nothing.
    let owner = Auth::Bearer(jwt(world, &world.alice));
    let refused = json(
        world,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/notes",
        owner.clone(),
        Some(json!({"display_name": "Renamed", "oauth_access_lifetime_secs": 1234})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    let set = json(
        world,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/notes",
        owner,
        Some(json!({"oauth_access_lifetime_secs": 3600})),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    assert_eq!(set.json["wiki"]["oauth_access_lifetime_secs"], 3600);
    assert_eq!(
        set.json["wiki"]["display_name"], "notes",
        "the refused change saved nothing"
    );
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let short = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(short.json["expires_in"], 3600, "{short:?}");

    // The token issued before keeps its 30 days, and revoking its grant stops it on the next
    // request.
    assert_eq!(whoami(world, &long_lived).await["user"], "alice");
    let grants = world
        .state
        .db
        .list_oauth_grants(s.notes_id)
        .await
        .expect("grants");
    for grant in grants {
        world
            .state
            .db
            .revoke_oauth_grant(s.notes_id, grant.id)
            .await
            .expect("revoke");
    }
    let after = mcp_call(world, NOTES, &long_lived, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");
}

/// A loopback HTTP server with one client metadata document and the ways a document can be
/// wrong; counts the fetches of the good one.
struct DocumentServer {
    addr: SocketAddr,
    fetches: Arc<AtomicUsize>,
}

impl DocumentServer {
    async fn start() -> DocumentServer {
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let fetches = Arc::new(AtomicUsize::new(0));
        let base = format!("http://{addr}");
        let document = |path: &str, client_id: String| {
            json!({
                "client_id": client_id,
                "client_name": "Loopback Agent",
                "client_uri": "https://agent.example/",
                "logo_uri": "https://cdn.agent.example/logo.png",
                "redirect_uris": [REDIRECT],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "path": path,
            })
        };
        let good = document("good", format!("{base}/client.json"));
        let impostor = document("impostor", "https://claude.ai/oauth/client.json".into());
        let counter = Arc::clone(&fetches);
        let app = axum::Router::new()
            .route(
                "/client.json",
                get(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let body = good.clone();
                    async move {
                        ([(header::CACHE_CONTROL, "max-age=600")], axum::Json(body)).into_response()
                    }
                }),
            )
            .route(
                "/impostor.json",
                get(move || {
                    let body = impostor.clone();
                    async move { axum::Json(body).into_response() }
                }),
            )
            .route(
                "/redirect.json",
                get(|| async { axum::response::Redirect::temporary("/client.json") }),
            )
            .route(
                "/big.json",
                get(|| async { format!("{{\"pad\":\"{}\"}}", "x".repeat(300 * 1024)) }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        DocumentServer { addr, fetches }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A world whose outbound fetches may reach loopback over http (the `--atproto-insecure-test`
/// switch, which only tests use), so a document can be served by the test itself.
async fn loopback_setup() -> Setup {
    let mut s = setup().await;
    s.world.state.fetcher = robot_atproto::fetch::Fetcher::new(true).expect("fetcher");
    s
}

#[tokio::test]
async fn a_client_identified_by_its_metadata_document_connects_with_pkce() {
    let s = loopback_setup().await;
    let world = &s.world;
    let server = DocumentServer::start().await;
    let client_id = server.url("/client.json");

    let metadata = json(
        world,
        NOTES,
        Method::GET,
        "/.well-known/oauth-authorization-server",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(metadata.json["client_id_metadata_document_supported"], true);

    // The consent page names the app as its document does, and shows where the document lives.
    let consent_page = page(
        world,
        NOTES,
        &authorize_query(&client_id, &[]),
        Some(&world.alice),
    )
    .await;
    assert_eq!(consent_page.status, StatusCode::OK, "{consent_page:?}");
    assert_eq!(
        element_text(&consent_page.text, "client-name").as_deref(),
        Some("Loopback Agent")
    );
    assert_eq!(
        element_text(&consent_page.text, "document-host").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        element_text(&consent_page.text, "client-host").as_deref(),
        Some("agent.example")
    );
    assert_eq!(
        element_text(&consent_page.text, "logo-host").as_deref(),
        Some("cdn.agent.example")
    );
    assert_eq!(
        element_text(&consent_page.text, "redirect-host").as_deref(),
        Some("client.example")
    );

    // Approve → code → tokens (public client: no secret, PKCE) → a tool call.
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let tokens = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{tokens:?}");
    let access = tokens.str("access_token");
    assert_eq!(whoami(world, &access).await["user"], "alice");
    let wrong_verifier = {
        let code = approve(world, NOTES, &world.alice, &client_id).await;
        exchange(
            world,
            NOTES,
            &client_id,
            &code,
            "another-verifier-that-is-long-enough-to-be-well-formed-xyz",
        )
        .await
    };
    assert_eq!(wrong_verifier.code(), "invalid_grant", "{wrong_verifier:?}");

    // The document was fetched once: its max-age (600 s) covers every later step.
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);
    // A redirect URI the document does not list is refused on our page, never followed.
    let elsewhere = page(
        world,
        NOTES,
        &authorize_query(&client_id, &[("redirect_uri", "https://evil.example/cb")]),
        Some(&world.alice),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST, "{elsewhere:?}");
    let connected: Vec<Value> = world
        .state
        .db
        .list_oauth_grants(s.notes_id)
        .await
        .expect("grants")
        .into_iter()
        .map(|g| json!(g.client_name))
        .collect();
    assert!(
        connected.contains(&json!("Loopback Agent")),
        "{connected:?}"
    );
}

#[tokio::test]
async fn bad_metadata_documents_are_refused_with_a_clear_error() {
    let s = loopback_setup().await;
    let world = &s.world;
    let server = DocumentServer::start().await;
    for (path, expected) in [
        ("/redirect.json", "redirect"),
        ("/big.json", "more than 262144 bytes"),
        ("/impostor.json", "not its own URL"),
        ("/missing.json", "HTTP 404"),
    ] {
        let reply = page(
            world,
            NOTES,
            &authorize_query(&server.url(path), &[]),
            Some(&world.alice),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {reply:?}");
        assert!(
            reply.text.contains("cannot be identified") && reply.text.contains(expected),
            "{path} should say {expected:?}: {reply:?}"
        );
        assert!(
            reply.headers.get(header::LOCATION).is_none(),
            "{path}: never redirected"
        );
    }
}

#[tokio::test]
async fn a_document_at_a_private_address_is_never_fetched() {
    // The production fetcher: https only, public addresses only.
    let s = setup().await;
    let world = &s.world;
    let server = DocumentServer::start().await;
    for client_id in [
        format!("https://{}/client.json", server.addr),
        "https://localhost/client.json".to_string(),
        "https://169.254.169.254/latest/meta-data/client.json".to_string(),
        "https://10.0.0.1/client.json".to_string(),
        server.url("/client.json"),
    ] {
        let reply = page(
            world,
            NOTES,
            &authorize_query(&client_id, &[]),
            Some(&world.alice),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{client_id}: {reply:?}"
        );
        assert!(
            reply.text.contains("cannot be identified"),
            "{client_id}: {reply:?}"
        );
    }
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        0,
        "nothing reached the loopback server"
    );
}
