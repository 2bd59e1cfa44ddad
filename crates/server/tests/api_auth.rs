//! Who may use the REST API: tokens are bound to one wiki and one role, revocation is immediate,
//! private wikis refuse anonymous callers with JSON, and sessions work with the CSRF token.

mod api_support;

use api_support::{Api, CSRF, NOTES, OTHER, b64};
use axum::http::{Method, StatusCode};
use robot_platform::TokenRole;
use serde_json::json;

#[tokio::test]
async fn a_token_only_works_on_its_own_wiki() {
    let api = Api::new().await;
    api.put_page("Docs", "# Docs\n").await;
    let other_token = api
        .mint(&api.other, &api.bob, "bob-agent", TokenRole::Editor)
        .await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/pages", None),
        (Method::GET, "/api/v1/pages/Home", None),
        (
            Method::PUT,
            "/api/v1/pages/Stolen",
            Some(json!({ "content": "x" })),
        ),
        (Method::GET, "/api/v1/pages/Home/attachments", None),
        (
            Method::POST,
            "/api/v1/pages/Home/attachments",
            Some(json!({ "filename": "a.txt", "content": b64(b"x") })),
        ),
        (Method::GET, "/api/v1/search?q=home", None),
    ] {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let reply = api
            .raw(OTHER, method.clone(), path, Some(&api.token), &[], bytes)
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}: {reply:?}"
        );
        assert!(reply.str("message").contains("another wiki"));
    }
    // And bob's token cannot touch notes.
    let reply = api
        .with(
            &other_token,
            Method::GET,
            "/api/v1/pages/Docs/attachments",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = api
        .raw(
            OTHER,
            Method::GET,
            "/api/v1/pages/Home",
            Some(&other_token),
            &[],
            vec![],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn read_only_tokens_read_but_never_write() {
    let api = Api::new().await;
    let revision = api.put_page("Docs", "# Docs\n").await;
    let reader = api
        .mint(&api.notes, &api.alice, "reader", TokenRole::ReadOnly)
        .await;
    let read = api
        .with(&reader, Method::GET, "/api/v1/pages/Docs", None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let whoami = api.with(&reader, Method::GET, "/api/v1/whoami", None).await;
    assert_eq!(whoami.json["permissions"]["write"], false);
    assert_eq!(
        (whoami.str("principal"), whoami.str("role")),
        ("token".into(), "read-only".into())
    );
    let before = api.commits().await;
    for (method, path, body) in [
        (
            Method::PUT,
            "/api/v1/pages/Docs",
            json!({ "content": "x", "revision": revision }),
        ),
        (
            Method::PATCH,
            "/api/v1/pages/Docs",
            json!({ "old_string": "Docs", "new_string": "x" }),
        ),
        (Method::DELETE, "/api/v1/pages/Docs", json!({})),
        (
            Method::POST,
            "/api/v1/pages/Docs/rename",
            json!({ "new_path": "Elsewhere" }),
        ),
        (
            Method::POST,
            "/api/v1/pages/Docs/attachments",
            json!({ "filename": "a.txt", "content": b64(b"x") }),
        ),
        (
            Method::DELETE,
            "/api/v1/pages/Docs/attachments/a.txt",
            json!({}),
        ),
        // Even invalid input is refused for lack of permission first.
        (Method::PUT, "/api/v1/pages/Docs", json!({ "content": 5 })),
    ] {
        let reply = api.with(&reader, method.clone(), path, Some(body)).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}: {reply:?}"
        );
        assert!(
            reply.str("message").contains("read-only token"),
            "{reply:?}"
        );
    }
    assert_eq!(api.commits().await, before, "nothing was written");
}

#[tokio::test]
async fn revoked_bad_and_missing_credentials_get_json_401() {
    let api = Api::new().await;
    let doomed = api
        .mint(&api.notes, &api.alice, "doomed", TokenRole::Editor)
        .await;
    assert_eq!(
        api.with(&doomed, Method::GET, "/api/v1/pages", None)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        api.state
            .db
            .revoke_api_token(api.notes.id, "doomed")
            .await
            .expect("revoke")
    );
    let revoked = api.with(&doomed, Method::GET, "/api/v1/pages", None).await;
    assert_eq!(
        (revoked.status, revoked.code()),
        (StatusCode::UNAUTHORIZED, "invalid_token"),
        "{revoked:?}"
    );
    let bogus = api
        .with("rw_not-a-token", Method::GET, "/api/v1/pages", None)
        .await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
    let basic = api
        .raw(
            NOTES,
            Method::GET,
            "/api/v1/pages",
            None,
            &[("authorization", "Basic YTpi")],
            vec![],
        )
        .await;
    assert_eq!(
        (basic.status, basic.code()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    for path in [
        "/api/v1/pages",
        "/api/v1/pages/Home",
        "/api/v1/search?q=x",
        "/api/v1/changelog",
    ] {
        let anonymous = api.raw(NOTES, Method::GET, path, None, &[], vec![]).await;
        assert_eq!(
            (anonymous.status, anonymous.code()),
            (StatusCode::UNAUTHORIZED, "login_required"),
            "{path}: {anonymous:?}"
        );
        assert_eq!(anonymous.headers["content-type"], "application/json");
    }
    // Even a browser-like Accept header gets JSON, not a login redirect.
    let browser = api
        .raw(
            NOTES,
            Method::GET,
            "/api/v1/pages",
            None,
            &[("accept", "text/html")],
            vec![],
        )
        .await;
    assert_eq!(browser.status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.code(), "login_required");
    let health = api
        .raw(NOTES, Method::GET, "/api/v1/health", None, &[], vec![])
        .await;
    assert_eq!(health.status, StatusCode::OK, "health needs no credentials");
}

#[tokio::test]
async fn sessions_work_and_need_csrf_to_write() {
    let api = Api::new().await;
    let cookie = api.cookie(&api.alice);
    let body = json!({ "content": "# By session\n" })
        .to_string()
        .into_bytes();
    let read = api
        .raw(
            NOTES,
            Method::GET,
            "/api/v1/pages/Home",
            None,
            &[("cookie", &cookie)],
            vec![],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    let no_csrf = api
        .raw(
            NOTES,
            Method::PUT,
            "/api/v1/pages/Session",
            None,
            &[("cookie", &cookie)],
            body.clone(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{no_csrf:?}");
    let with_csrf = api
        .raw(
            NOTES,
            Method::PUT,
            "/api/v1/pages/Session",
            None,
            &[("cookie", &cookie), ("x-csrf-token", CSRF)],
            body,
        )
        .await;
    assert_eq!(with_csrf.status, StatusCode::CREATED, "{with_csrf:?}");
    let read = api.get("/api/v1/pages/Session").await;
    assert_eq!(read.json["last_commit"]["author"], "Alice");
    let stranger = api.cookie(&api.bob);
    let denied = api
        .raw(
            NOTES,
            Method::GET,
            "/api/v1/pages",
            None,
            &[("cookie", &stranger)],
            vec![],
        )
        .await;
    assert_eq!(
        (denied.status, denied.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
}
