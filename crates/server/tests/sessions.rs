//! "Log out everywhere": a copied session cookie or bearer platform token stops working on the
//! platform host and on wiki hosts, signing in again works (even within the same second), other
//! people's sessions are untouched, and the stored Bluesky sessions are dropped. Through the real
//! router.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::AtprotoSession;

mod dashboard_support;

use dashboard_support::{
    Auth, CSRF, HTML, NOTES, PLATFORM, Reply, World, flash, json, jwt, location, make_wiki, page,
    send, unlimited_world as world,
};

/// A request carrying exactly this `Cookie` header: a cookie copied out of a browser.
async fn with_cookie(
    w: &World,
    method: Method,
    host: &str,
    path: &str,
    cookie: &str,
    accept: &str,
) -> Reply {
    let mut req = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, accept)
        .header(header::COOKIE, cookie);
    let body = if method == Method::POST {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(format!("csrf_token={CSRF}"))
    } else {
        Body::empty()
    };
    send(&w.state, req.body(body).expect("request")).await
}

/// A fresh session cookie of `handle`, as a browser holds it.
async fn copied_cookie(w: &World, handle: &str) -> String {
    let user = w
        .state
        .db
        .user_by_handle(handle)
        .await
        .expect("q")
        .expect("user");
    let token = robot_server::session::issue_token(&w.state, &user).expect("token");
    format!("robot_session={token}; robot_csrf={CSRF}")
}

fn clears_the_session_cookie(reply: &Reply) -> bool {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("robot_session=;") && c.contains("Max-Age=0"))
}

fn atproto(user_id: i64, jti: &str) -> AtprotoSession {
    AtprotoSession {
        user_id,
        session_jti: jti.into(),
        did: "did:plc:ewvi7nxzyoun6zhxrhs64oiz".into(),
        issuer: "https://bsky.social".into(),
        pds_url: "https://pds.example.com".into(),
        token_endpoint: "https://pds.example.com/oauth/token".into(),
        // No revocation endpoint: nothing is contacted, the row must still go.
        revocation_endpoint: None,
        access_token: "at".into(),
        refresh_token: None,
        scope: "atproto".into(),
        expires_at: None,
        dpop_key: robot_atproto::jose::EsKey::generate().to_secret_string(),
        dpop_nonce: None,
    }
}

#[tokio::test]
async fn the_account_page_logs_out_every_session_and_a_copied_cookie_stops_working() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let copied = copied_cookie(&w, "alice").await;
    let other_browser = copied_cookie(&w, "alice").await;
    let bob = copied_cookie(&w, "bob").await;
    for (session, what) in [(&w.alice, "alice"), (&w.bob, "bob")] {
        w.state
            .db
            .create_atproto_session(&atproto(session.id, what))
            .await
            .expect("store");
    }

    // Before: the copied cookie works on the platform and on alice's private wiki.
    let account = with_cookie(&w, Method::GET, PLATFORM, "/app/account", &copied, HTML).await;
    assert_eq!(account.status, StatusCode::OK, "{account:?}");
    assert!(account.text.contains("id=\"logout-everywhere\""));
    assert!(
        account
            .text
            .contains("action=\"/app/account/logout-everywhere\"")
    );
    let home = with_cookie(&w, Method::GET, NOTES, "/Home", &copied, HTML).await;
    assert_eq!(home.status, StatusCode::OK, "{home:?}");

    // Without the CSRF token nothing happens.
    let forged = with_cookie(
        &w,
        Method::POST,
        PLATFORM,
        "/app/account/logout-everywhere",
        &format!(
            "{}; robot_csrf=other-token-0123456789abcdef0123456789",
            copied.split(';').next().unwrap_or_default()
        ),
        HTML,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{forged:?}");
    let still = with_cookie(&w, Method::GET, NOTES, "/Home", &copied, HTML).await;
    assert_eq!(still.status, StatusCode::OK);

    let out = with_cookie(
        &w,
        Method::POST,
        PLATFORM,
        "/app/account/logout-everywhere",
        &other_browser,
        HTML,
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{out:?}");
    assert_eq!(location(&out), "/");
    assert!(flash(&out).contains("signed out everywhere"), "{out:?}");
    assert!(clears_the_session_cookie(&out), "{:?}", out.headers);
    // The landing page shows the message once.
    let flash_cookie = out
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("robot_flash="))
        .and_then(|c| c.split(';').next())
        .expect("a flash cookie")
        .to_string();
    let landing = with_cookie(&w, Method::GET, PLATFORM, "/", &flash_cookie, HTML).await;
    assert!(landing.text.contains("flash-ok"), "{landing:?}");
    assert!(
        landing.text.contains("signed out everywhere"),
        "{landing:?}"
    );

    // After: the copied cookie is refused on the platform host and on the wiki host.
    let dashboard = with_cookie(&w, Method::GET, PLATFORM, "/app/", &copied, HTML).await;
    assert_eq!(dashboard.status, StatusCode::SEE_OTHER, "{dashboard:?}");
    assert!(location(&dashboard).contains("/auth/login"));
    let api = with_cookie(
        &w,
        Method::GET,
        PLATFORM,
        "/api/me",
        &copied,
        "application/json",
    )
    .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "{api:?}");
    let wiki = with_cookie(&w, Method::GET, NOTES, "/Home", &copied, HTML).await;
    assert_ne!(wiki.status, StatusCode::OK, "{wiki:?}");
    let raw = with_cookie(&w, Method::GET, NOTES, "/Home/raw", &copied, "text/plain").await;
    assert_ne!(raw.status, StatusCode::OK, "{raw:?}");

    // Alice's Bluesky session is gone; bob's session and his Bluesky session are untouched.
    assert_eq!(
        w.state
            .db
            .count_atproto_sessions(w.alice.id)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        w.state
            .db
            .count_atproto_sessions(w.bob.id)
            .await
            .expect("count"),
        1
    );
    let bobs = with_cookie(
        &w,
        Method::GET,
        PLATFORM,
        "/api/me",
        &bob,
        "application/json",
    )
    .await;
    assert_eq!(bobs.status, StatusCode::OK, "{bobs:?}");
    assert_eq!(bobs.str("handle"), "bob");

    // Signing in again, within the same second, works on both hosts.
    let fresh = copied_cookie(&w, "alice").await;
    let me = with_cookie(
        &w,
        Method::GET,
        PLATFORM,
        "/api/me",
        &fresh,
        "application/json",
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    let home = with_cookie(&w, Method::GET, NOTES, "/Home", &fresh, HTML).await;
    assert_eq!(home.status, StatusCode::OK, "{home:?}");
}

#[tokio::test]
async fn a_login_link_right_after_logging_out_everywhere_signs_in() {
    let w = world().await;
    let old = copied_cookie(&w, "alice").await;
    robot_server::session::log_out_everywhere(&w.state, w.alice.id)
        .await
        .expect("revoke");
    let link = w
        .state
        .db
        .create_login_link(w.alice.id, 60, None)
        .await
        .expect("link");
    let signed_in = page(&w, PLATFORM, &format!("/auth/link/{link}"), None).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{signed_in:?}");
    let cookie = signed_in
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("robot_session=") && !c.starts_with("robot_session=;"))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let me = with_cookie(
        &w,
        Method::GET,
        PLATFORM,
        "/api/me",
        &cookie,
        "application/json",
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    let refused = with_cookie(
        &w,
        Method::GET,
        PLATFORM,
        "/api/me",
        &old,
        "application/json",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_api_logs_out_everywhere_and_the_bearer_token_stops_working() {
    let w = world().await;
    let token = jwt(&w, &w.alice);
    let spare = jwt(&w, &w.alice);
    let bobs = jwt(&w, &w.bob);
    let me = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Bearer(token.clone()),
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");

    // Cookie clients need the CSRF header, like every other JSON write.
    let no_csrf = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/me/logout-everywhere",
        Auth::Cookie(&w.alice, false),
        None,
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{no_csrf:?}");
    let me = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Bearer(spare.clone()),
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "nothing was revoked: {me:?}");

    let out = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/me/logout-everywhere",
        Auth::Bearer(token.clone()),
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{out:?}");
    assert_eq!(out.json["logged_out_everywhere"], true);
    assert!(
        out.json["sessions_valid_after"]
            .as_i64()
            .unwrap_or_default()
            > 1_600_000_000
    );

    for revoked in [token, spare] {
        let me = json(
            &w,
            PLATFORM,
            Method::GET,
            "/api/me",
            Auth::Bearer(revoked),
            None,
        )
        .await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{me:?}");
        assert!(me.str("message").contains("log out everywhere"), "{me:?}");
    }
    let bob = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Bearer(bobs),
        None,
    )
    .await;
    assert_eq!(
        bob.status,
        StatusCode::OK,
        "other users keep their sessions"
    );

    // A token issued after the revocation (same second or not) works.
    let alice = w
        .state
        .db
        .user_by_id(w.alice.id)
        .await
        .expect("q")
        .expect("alice");
    let again = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Bearer(jwt(&w, &alice)),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");

    // With the CSRF header, a cookie client logs out everywhere and loses its cookie.
    let by_cookie = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/me/logout-everywhere",
        Auth::Cookie(&alice, true),
        None,
    )
    .await;
    assert_eq!(by_cookie.status, StatusCode::OK, "{by_cookie:?}");
    assert!(clears_the_session_cookie(&by_cookie));
}
