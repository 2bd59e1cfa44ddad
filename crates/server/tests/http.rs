//! HTTP-level tests of the wiki host: tenancy, private-by-default, CSRF, permissions and the main
//! page flows, driven through the real router (no network).

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use robot_platform::policy::{AccessLevel, AccessSettings, Role};
use robot_platform::{Slug, User};
use robot_server::{AppState, app};
use tower::ServiceExt as _;

mod common;

struct Harness {
    _dir: tempfile::TempDir,
    state: AppState,
    alice: User,
    bob: User,
}

async fn harness() -> Harness {
    let common::World {
        dir,
        state,
        alice,
        bob,
    } = common::world().await;
    common::make_wiki(&state, "notes", &alice).await;
    Harness {
        _dir: dir,
        state,
        alice,
        bob,
    }
}

impl Harness {
    fn cookie_for(&self, user: &User) -> String {
        let token = robot_server::session::issue_token(&self.state, user).expect("token");
        format!("robot_session={token}; robot_csrf={}", CSRF)
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let response = app(self.state.clone())
            .oneshot(req)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(
        &self,
        host: &str,
        path: &str,
        user: Option<&User>,
        accept: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut req = Request::get(path)
            .header(header::HOST, host)
            .header(header::ACCEPT, accept);
        if let Some(user) = user {
            req = req.header(header::COOKIE, self.cookie_for(user));
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    async fn post(
        &self,
        path: &str,
        user: &User,
        form: &[(&str, &str)],
        with_csrf: bool,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut pairs: Vec<(&str, &str)> = form.to_vec();
        if with_csrf {
            pairs.push(("csrf_token", CSRF));
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let req = Request::post(path)
            .header(header::HOST, "notes.localhost:8080")
            .header(header::ACCEPT, HTML)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, self.cookie_for(user))
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}

const CSRF: &str = "test-csrf-token-0123456789abcdef0123456789";
const HTML: &str = "text/html,application/xhtml+xml";
const WIKI: &str = "notes.localhost:8080";

#[tokio::test]
async fn unknown_hosts_and_wikis_are_404_in_html_and_json() {
    let h = harness().await;
    let (status, _, body) = h.get("nope.localhost:8080", "/", None, HTML).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no wiki"), "{body}");
    let (status, _, body) = h
        .get("nope.localhost:8080", "/", None, "application/json")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"error\":\"not_found\""), "{body}");
    let (status, _, _) = h.get("evil.example", "/", None, HTML).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn new_wikis_are_private() {
    let h = harness().await;
    let (status, headers, _) = h.get(WIKI, "/", None, HTML).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "browsers are sent to log in");
    let location = headers[header::LOCATION].to_str().expect("location");
    assert!(
        location.starts_with("http://localhost:8080/auth/login?return_to="),
        "{location}"
    );
    let (status, _, body) = h.get(WIKI, "/", None, "application/json").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("login_required"));
    let (status, _, _) = h.get(WIKI, "/", Some(&h.bob), HTML).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a signed-in non-member sees nothing"
    );
    let (status, _, body) = h.get(WIKI, "/", Some(&h.alice), HTML).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Getting Started"),
        "the owner sees the seeded Home page"
    );
}

#[tokio::test]
async fn save_requires_csrf_and_write_permission() {
    let h = harness().await;
    let form = [("content", "# Plan\n\nHello"), ("message", "first")];
    let (status, _, _) = h.post("/Plan/save", &h.alice, &form, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, _) = h.post("/Plan/save", &h.bob, &form, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "non-member cannot write");
    let (status, _, _) = h.post("/Plan/save", &h.alice, &form, true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, body) = h.get(WIKI, "/Plan", Some(&h.alice), HTML).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Hello"));
}

#[tokio::test]
async fn members_get_their_role() {
    let h = harness().await;
    let wiki = h
        .state
        .db
        .wiki_by_slug(&Slug::parse("notes").expect("slug"))
        .await
        .expect("db")
        .expect("wiki");
    h.state
        .db
        .set_member(wiki.id, h.bob.id, Role::Viewer)
        .await
        .expect("member");
    let (status, _, body) = h.get(WIKI, "/", Some(&h.bob), HTML).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body.contains("id=\"edit-link\""),
        "viewers get no edit button"
    );
    let (status, _, _) = h
        .post("/Home/save", &h.bob, &[("content", "vandalism")], true)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.state
        .db
        .set_member(wiki.id, h.bob.id, Role::Editor)
        .await
        .expect("member");
    let (status, _, _) = h
        .post(
            "/Home/save",
            &h.bob,
            &[("content", "# Home\n\nedited")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn public_read_level_admits_anonymous_readers_only() {
    let h = harness().await;
    let slug = Slug::parse("notes").expect("slug");
    let access = AccessSettings {
        read: AccessLevel::Anonymous,
        write: AccessLevel::Approved,
        attachments: AccessLevel::Approved,
    };
    h.state
        .db
        .update_wiki(&slug, "Notes", "", &access)
        .await
        .expect("update");
    let (status, _, _) = h.get(WIKI, "/", None, HTML).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = h.get(WIKI, "/Home/edit", None, HTML).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "editing still needs a login");
}

#[tokio::test]
async fn hostile_revisions_and_paths_are_refused() {
    let h = harness().await;
    for path in [
        "/Home?revision=--output=/tmp/x",
        "/Home/diff/HEAD~1/HEAD",
        "/Home/source?revision=../../etc/passwd",
    ] {
        let (status, _, _) = h.get(WIKI, path, Some(&h.alice), HTML).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = h.get(WIKI, "/../../etc/passwd", Some(&h.alice), HTML).await;
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
        "{status}"
    );
}

#[tokio::test]
async fn login_link_signs_in_and_hands_off_to_the_wiki() {
    let h = harness().await;
    let token = h
        .state
        .db
        .create_login_link(h.alice.id, 60, Some("http://notes.localhost:8080/Home"))
        .await
        .expect("link");
    let mut browser = common::browser::Browser::new();
    let (reply, visited) = browser
        .follow(
            &h.state,
            &format!("http://localhost:8080/auth/link/{token}"),
            8,
        )
        .await;
    // The platform signs in, sends the browser to the wiki host to bind it, the wiki host back
    // to the platform with the binding, and the platform on with a handoff link for it.
    assert!(
        visited[1].starts_with("http://notes.localhost:8080/-/auth/login?next="),
        "{visited:?}"
    );
    assert!(visited[2].contains("&binding="), "{visited:?}");
    assert!(
        visited[3].starts_with("http://notes.localhost:8080/-/auth/handoff/"),
        "{visited:?}"
    );
    assert_eq!(
        visited.last().map(String::as_str),
        Some("http://notes.localhost:8080/Home"),
        "{visited:?}"
    );
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(browser.cookie("localhost:8080", "robot_session").is_some());
    assert!(browser.cookie(WIKI, "robot_session").is_some());
    assert!(
        browser.cookie(WIKI, "robot_handoff").is_none(),
        "the nonce is spent"
    );
    let (status, _, _) = h
        .get("localhost:8080", &format!("/auth/link/{token}"), None, HTML)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "links are single use");
    // The handoff link was used up too.
    let handoff = visited[3].trim_start_matches("http://notes.localhost:8080");
    let again = browser.get(&h.state, WIKI, handoff).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn open_redirects_are_refused() {
    let h = harness().await;
    for target in [
        "//evil.com/x",
        "/\\evil.com",
        "http://evil.com/",
        "http://notes.localhost.evil.com:8080/",
        "https://notes.localhost:8080/",
    ] {
        let token = h
            .state
            .db
            .create_login_link(h.alice.id, 60, Some(target))
            .await
            .expect("link");
        let (_, headers, _) = h
            .get("localhost:8080", &format!("/auth/link/{token}"), None, HTML)
            .await;
        assert_eq!(
            headers[header::LOCATION],
            "/",
            "{target} must not be followed"
        );
    }
}

#[tokio::test]
async fn signed_in_login_never_redirects_off_site() {
    let h = harness().await;
    for target in [
        "http://localhost:8080//evil.com/x",
        "http://localhost:8080/%5Cevil.com",
        "//evil.com",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let (_, headers, _) = h
            .get(
                "localhost:8080",
                &format!("/auth/login?return_to={encoded}"),
                Some(&h.alice),
                HTML,
            )
            .await;
        if let Some(location) = headers.get(header::LOCATION) {
            let location = location.to_str().expect("location");
            assert!(
                !location.starts_with("//")
                    && !location.starts_with("/\\")
                    && !location.contains("://evil.com"),
                "{target} → {location}"
            );
        }
    }
}

#[tokio::test]
async fn handoff_links_cannot_be_used_as_login_links_and_vice_versa() {
    let h = harness().await;
    let handoff = h
        .state
        .db
        .create_handoff_link(
            h.alice.id,
            60,
            "http://notes.localhost:8080/",
            &"0".repeat(64),
        )
        .await
        .expect("link");
    let (status, headers, _) = h
        .get(
            "localhost:8080",
            &format!("/auth/link/{handoff}"),
            None,
            HTML,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        headers
            .get(header::SET_COOKIE)
            .is_none_or(|c| !c.to_str().unwrap_or("").starts_with("robot_session=ey"))
    );
    let login = h
        .state
        .db
        .create_login_link(h.alice.id, 60, Some("http://notes.localhost:8080/"))
        .await
        .expect("link");
    let (status, _, _) = h
        .get(WIKI, &format!("/-/auth/handoff/{login}"), None, HTML)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logout_needs_a_post() {
    let h = harness().await;
    let (status, headers, body) = h
        .get("localhost:8080", "/auth/logout", Some(&h.alice), HTML)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"confirm-logout\""));
    assert!(
        headers
            .get(header::SET_COOKIE)
            .is_none_or(|c| !c.to_str().unwrap_or("").starts_with("robot_session=;"))
    );
}

#[tokio::test]
async fn outsiders_cannot_probe_attachment_names() {
    let h = harness().await;
    let mut statuses = Vec::new();
    for name in ["exists.txt", "missing.txt"] {
        let req = Request::post(format!("/Home/attachment/{name}"))
            .header(header::HOST, WIKI)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("robot_csrf={CSRF}"))
            .body(Body::from(format!("csrf_token={CSRF}&action=delete")))
            .expect("request");
        statuses.push(h.send(req).await.0);
    }
    assert_eq!(
        statuses,
        vec![StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED]
    );
}

#[tokio::test]
async fn uploads_cannot_create_pages() {
    let h = harness().await;
    let boundary = "XBOUNDARYX";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Sub.md\"\r\nContent-Type: text/markdown\r\n\r\n# Sneaky\r\n--{boundary}--\r\n"
    );
    let req = Request::post(format!("/Home/attachments?csrf_token={CSRF}"))
        .header(header::HOST, WIKI)
        .header(header::ACCEPT, "application/json")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, h.cookie_for(&h.alice))
        .body(Body::from(body))
        .expect("request");
    let (status, _, text) = h.send(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let (status, _, _) = h.get(WIKI, "/Home/Sub", Some(&h.alice), HTML).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no page was created");
}

#[tokio::test]
async fn production_domains_share_the_cookie_and_refuse_handoffs() {
    let world = common::world_on("robot.test", "https://robot.test").await;
    common::make_wiki(&world.state, "notes", &world.alice).await;
    let h = Harness {
        _dir: world.dir,
        state: world.state,
        alice: world.alice,
        bob: world.bob,
    };
    let token = h
        .state
        .db
        .create_login_link(h.alice.id, 60, Some("https://notes.robot.test/Home"))
        .await
        .expect("link");
    let (status, headers, _) = h
        .get("robot.test", &format!("/auth/link/{token}"), None, HTML)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION],
        "https://notes.robot.test/Home",
        "no handoff needed"
    );
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("robot_session=ey"))
        .expect("session cookie");
    assert!(
        cookie.contains("Domain=robot.test") && cookie.contains("Secure"),
        "{cookie}"
    );
    let handoff = h
        .state
        .db
        .create_handoff_link(
            h.alice.id,
            60,
            "https://notes.robot.test/Home",
            &"0".repeat(64),
        )
        .await
        .expect("link");
    let (status, _, _) = h
        .get(
            "notes.robot.test",
            &format!("/-/auth/handoff/{handoff}"),
            None,
            HTML,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "handoffs are never accepted where the cookie is shared"
    );
}
