//! The Bluesky (ATProto OAuth) login surface through the real router, without a network: the
//! client metadata and JWKS, the CSRF guard and input errors of the login form, every refusal of
//! the callback that can be decided before talking to an authorization server, and the loopback
//! alias of the redirect URI. The full flow against a real PDS is `e2e/atproto.test.mjs`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::AtprotoLogin;

mod common;

use common::{send, world, world_on};

const PLATFORM: &str = "localhost:8080";
const CSRF: &str = "test-csrf-token-0123456789abcdef0123456789";

fn get(host: &str, path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.body(Body::empty()).expect("request")
}

fn post_login(handle: &str, csrf: Option<&str>) -> Request<Body> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("handle", handle);
    if let Some(token) = csrf {
        form.append_pair("csrf_token", token);
    }
    Request::post("/auth/atproto/login")
        .header(header::HOST, PLATFORM)
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("robot_csrf={CSRF}"))
        .body(Body::from(form.finish()))
        .expect("request")
}

fn pending(state: &str) -> AtprotoLogin {
    AtprotoLogin {
        state: state.into(),
        issuer: "https://bsky.social".into(),
        did: "did:plc:ewvi7nxzyoun6zhxrhs64oiz".into(),
        handle: Some("alice.bsky.social".into()),
        pds_url: "https://pds.example.com".into(),
        // Never contacted: every refusal below happens before the code exchange.
        token_endpoint: "https://127.0.0.1/oauth/token".into(),
        revocation_endpoint: None,
        pkce_verifier: "v".repeat(64),
        dpop_key: robot_atproto::jose::EsKey::generate().to_secret_string(),
        dpop_nonce: None,
        return_to: None,
    }
}

#[tokio::test]
async fn client_metadata_and_jwks_describe_one_public_key() {
    let w = world().await;
    let doc = send(&w.state, get(PLATFORM, "/oauth/client-metadata.json", None)).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(
        doc.str("client_id"),
        "http://localhost:8080/oauth/client-metadata.json"
    );
    // Authorization servers refuse `localhost` redirect URIs: the loopback IP stands in.
    assert_eq!(
        doc.json["redirect_uris"],
        serde_json::json!(["http://127.0.0.1:8080/auth/atproto/callback"])
    );
    assert_eq!(doc.str("application_type"), "web");
    assert_eq!(doc.json["dpop_bound_access_tokens"], true);
    assert_eq!(doc.str("token_endpoint_auth_method"), "private_key_jwt");
    assert_eq!(doc.str("scope"), "atproto transition:generic");
    let jwks = send(&w.state, get(PLATFORM, "/oauth/jwks.json", None)).await;
    assert_eq!(jwks.status, StatusCode::OK);
    assert_eq!(jwks.json, doc.json["jwks"]);
    let key = &jwks.json["keys"][0];
    assert_eq!(key["alg"], "ES256");
    assert!(key.get("d").is_none(), "never the private key");
    assert!(
        w.dir.path().join("data/keys/atproto-client.pem").exists(),
        "generated on first start"
    );

    let prod = world_on("robot.wtf", "https://robot.wtf").await;
    let doc = send(
        &prod.state,
        get("robot.wtf", "/oauth/client-metadata.json", None),
    )
    .await;
    assert_eq!(
        doc.str("client_id"),
        "https://robot.wtf/oauth/client-metadata.json"
    );
    assert_eq!(
        doc.json["redirect_uris"],
        serde_json::json!(["https://robot.wtf/auth/atproto/callback"])
    );
}

#[tokio::test]
async fn the_login_page_offers_bluesky_and_login_links() {
    let w = world().await;
    let page = send(&w.state, get(PLATFORM, "/auth/login", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(r#"action="/auth/atproto/login""#));
    assert!(page.text.contains(r#"name="handle""#));
    assert!(page.text.contains("robot login-link"));
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_token() {
    let w = world().await;
    let refused = send(&w.state, post_login("alice.bsky.social", None)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = send(
        &w.state,
        post_login(
            "alice.bsky.social",
            Some("wrong-token-wrong-token-wrong-token"),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_explained_on_the_login_page() {
    let w = world().await;
    let reply = send(&w.state, post_login("not a handle!", Some(CSRF))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text.contains("is not a Bluesky handle"), "{reply:?}");
    assert!(
        reply.text.contains(r#"value="not a handle!""#),
        "the input is kept"
    );
    // Reserved top-level domains are refused without any lookup outside test mode.
    let reply = send(&w.state, post_login("alice.test", Some(CSRF))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply
            .text
            .contains("We could not find the handle “alice.test”"),
        "{reply:?}"
    );
    // Markup in the input is escaped, never rendered.
    let reply = send(&w.state, post_login("<script>x</script>.com", Some(CSRF))).await;
    assert!(!reply.text.contains("<script>x</script>"));
}

#[tokio::test]
async fn the_callback_refuses_what_it_cannot_trust() {
    let w = world().await;
    let callback = |query: &str, cookie: Option<&str>| {
        get(PLATFORM, &format!("/auth/atproto/callback?{query}"), cookie)
    };
    let expect = |reply: common::Reply, needle: &str| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{needle}");
        assert!(reply.text.contains(needle), "{needle}: {reply:?}");
        assert!(
            !reply
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.starts_with("robot_session=ey"))),
            "no session"
        );
    };
    expect(
        send(&w.state, callback("code=c", None)).await,
        "missing its state",
    );
    expect(
        send(&w.state, callback("state=never-issued&iss=x&code=c", None)).await,
        "unknown, expired or was already used",
    );

    // A state from another browser (no matching cookie) is refused, and spent.
    w.state
        .db
        .create_atproto_login(&pending("s-1"), 600)
        .await
        .expect("store");
    let cookie = "robot_atproto_state=s-1";
    expect(
        send(
            &w.state,
            callback(
                "state=s-1&iss=https%3A%2F%2Fbsky.social&code=c",
                Some("robot_atproto_state=other"),
            ),
        )
        .await,
        "started in another browser",
    );
    expect(
        send(
            &w.state,
            callback(
                "state=s-1&iss=https%3A%2F%2Fbsky.social&code=c",
                Some(cookie),
            ),
        )
        .await,
        "already used",
    );

    // A foreign issuer is refused before the code is exchanged.
    w.state
        .db
        .create_atproto_login(&pending("s-2"), 600)
        .await
        .expect("store");
    expect(
        send(
            &w.state,
            callback(
                "state=s-2&iss=https%3A%2F%2Fevil.example.com&code=c",
                Some("robot_atproto_state=s-2"),
            ),
        )
        .await,
        "comes from &#34;https://evil.example.com&#34;",
    );

    // The user said no at their server.
    w.state
        .db
        .create_atproto_login(&pending("s-3"), 600)
        .await
        .expect("store");
    expect(
        send(
            &w.state,
            callback(
                "state=s-3&error=access_denied",
                Some("robot_atproto_state=s-3"),
            ),
        )
        .await,
        "You declined the sign-in",
    );

    // An expired login is as good as unknown.
    w.state
        .db
        .create_atproto_login(&pending("s-4"), -1)
        .await
        .expect("store");
    expect(
        send(
            &w.state,
            callback(
                "state=s-4&iss=https%3A%2F%2Fbsky.social&code=c",
                Some("robot_atproto_state=s-4"),
            ),
        )
        .await,
        "unknown, expired or was already used",
    );
}

#[tokio::test]
async fn the_loopback_alias_only_forwards_the_callback() {
    let w = world().await;
    let reply = send(
        &w.state,
        get(
            "127.0.0.1:8080",
            "/auth/atproto/callback?state=a&code=b&iss=c",
            None,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.headers[header::LOCATION],
        "http://localhost:8080/auth/atproto/callback?state=a&code=b&iss=c"
    );
    for path in ["/", "/auth/login", "/oauth/client-metadata.json"] {
        let reply = send(&w.state, get("127.0.0.1:8080", path, None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let post = Request::builder()
        .method(Method::POST)
        .uri("/auth/atproto/callback")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&w.state, post).await.status, StatusCode::NOT_FOUND);

    // A real domain has no alias.
    let prod = world_on("robot.wtf", "https://robot.wtf").await;
    let reply = send(
        &prod.state,
        get("127.0.0.1", "/auth/atproto/callback?state=a", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_insecure_test_switch_is_refused_outside_localhost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = robot_server::ServerConfig::new(
        "127.0.0.1:8080".parse().expect("addr"),
        dir.path().join("data"),
        "robot.wtf",
        url::Url::parse("https://robot.wtf").expect("url"),
    );
    config.atproto.insecure_test = true;
    let err = robot_server::AppState::open(config)
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .contains("only works for a platform on localhost"),
        "{err}"
    );
}
