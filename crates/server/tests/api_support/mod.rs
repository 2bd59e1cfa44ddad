//! Shared harness of the REST API tests: a temporary data directory, users, two wikis, tokens,
//! and JSON requests through the real router (no network).

#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::{TokenRole, User, Wiki};
use robot_server::AppState;
use serde_json::Value;

// Each test binary uses a different part of the shared harness.
#[allow(unused_imports)]
pub use common::{NOTES, OTHER, Reply};

/// The CSRF token used with session cookies.
pub const CSRF: &str = "test-csrf-token-0123456789abcdef0123456789";

/// A running app with `notes` (owned by alice) and `other` (owned by bob).
pub struct Api {
    _dir: tempfile::TempDir,
    /// The app state.
    pub state: AppState,
    /// Owner of `notes`.
    pub alice: User,
    /// Owner of `other`.
    pub bob: User,
    /// The `notes` wiki.
    pub notes: Wiki,
    /// The `other` wiki.
    pub other: Wiki,
    /// An editor token of `notes`.
    pub token: String,
}

impl Api {
    /// A fresh app.
    pub async fn new() -> Api {
        Api::on(common::world().await).await
    }

    /// A fresh app with semantic search on the real embedding model.
    pub async fn with_model() -> Api {
        Api::on(common::world_with_model().await).await
    }

    /// A fresh app with other quotas and rate limits.
    pub async fn limited(limits: robot_server::limits::LimitsConfig) -> Api {
        Api::on(common::world_limited(limits).await).await
    }

    /// A fresh app with these rate limits and the default quotas.
    pub async fn with_rates(rates: robot_server::limits::Rates) -> Api {
        Api::limited(robot_server::limits::LimitsConfig {
            rates,
            ..Default::default()
        })
        .await
    }

    async fn on(world: common::World) -> Api {
        let common::World {
            dir,
            state,
            alice,
            bob,
        } = world;
        let notes = common::make_wiki(&state, "notes", &alice).await;
        let other = common::make_wiki(&state, "other", &bob).await;
        let (_, token) = state
            .db
            .create_api_token(notes.id, alice.id, "agent", TokenRole::Editor)
            .await
            .expect("token");
        Api {
            _dir: dir,
            state,
            alice,
            bob,
            notes,
            other,
            token,
        }
    }

    /// Mints another token for `wiki`.
    pub async fn mint(&self, wiki: &Wiki, owner: &User, name: &str, role: TokenRole) -> String {
        self.state
            .db
            .create_api_token(wiki.id, owner.id, name, role)
            .await
            .expect("token")
            .1
    }

    /// A request to `host` with optional bearer token, extra headers and raw body.
    pub async fn raw(
        &self,
        host: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, host)
            .header(header::ACCEPT, "application/json");
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if !body.is_empty() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        common::send(&self.state, req.body(Body::from(body)).expect("request")).await
    }

    /// A JSON request to `notes` with the editor token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.with(&self.token, method, path, body).await
    }

    /// A JSON request to `notes` with `token`.
    pub async fn with(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(NOTES, method, path, Some(token), &[], bytes).await
    }

    /// GET with the editor token.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    /// Creates or replaces a page (reading its revision first when it exists); returns the
    /// new revision.
    pub async fn put_page(&self, path: &str, content: &str) -> String {
        let current = self.get(&format!("/api/v1/pages/{path}")).await;
        let mut body = serde_json::json!({ "content": content });
        if current.status == StatusCode::OK {
            body["revision"] = current.json["revision"].clone();
        }
        let reply = self
            .call(Method::PUT, &format!("/api/v1/pages/{path}"), Some(body))
            .await;
        assert!(reply.status.is_success(), "PUT {path}: {reply:?}");
        reply.str("revision")
    }

    /// The number of commits in `notes` (to check that a refused request wrote nothing).
    pub async fn commits(&self) -> u64 {
        let reply = self.get("/api/v1/changelog?limit=1").await;
        reply.json["total"].as_u64().expect("total")
    }

    /// A browser form post to `notes` as `user` (session cookie and CSRF token).
    pub async fn browser_post(&self, user: &User, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut pairs = form.to_vec();
        pairs.push(("csrf_token", CSRF));
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let req = Request::post(path)
            .header(header::HOST, NOTES)
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, self.cookie(user))
            .body(Body::from(body))
            .expect("request");
        common::send(&self.state, req).await
    }

    /// A browser multipart upload of one file to `page`'s attachments page, as alice.
    pub async fn browser_upload(&self, page: &str, name: &str, bytes: &[u8]) -> Reply {
        let boundary = "XBOUNDARYX";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(format!("/{page}/attachments?csrf_token={CSRF}"))
            .header(header::HOST, NOTES)
            .header(header::ACCEPT, "text/html")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, self.cookie(&self.alice))
            .body(Body::from(body))
            .expect("request");
        common::send(&self.state, req).await
    }

    /// A session cookie for `user` (with the test CSRF cookie).
    pub fn cookie(&self, user: &User) -> String {
        let token = robot_server::session::issue_token(&self.state, user).expect("session");
        format!("robot_session={token}; robot_csrf={CSRF}")
    }
}

/// Standard base64 of `bytes`.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Sends each case, checks its status and error code and that the message explains; then checks
/// that no commit was made.
pub async fn refuse_all(api: &Api, cases: Vec<(Method, &str, Option<Value>, StatusCode, &str)>) {
    let before = api.commits().await;
    for (method, path, body, status, code) in cases {
        let reply = api.call(method.clone(), path, body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{method} {path}: {reply:?}"
        );
        assert!(
            reply.str("message").len() > 10,
            "{method} {path}: the message explains: {reply:?}"
        );
    }
    assert_eq!(
        api.commits().await,
        before,
        "refused requests wrote nothing"
    );
}
