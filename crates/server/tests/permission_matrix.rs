//! The permission matrix across every surface: each principal (anonymous, signed-in non-member,
//! viewer, editor, admin, owner, read-only and editor API tokens) × every combination of the
//! three access levels (4³ = 64) × each surface (browser UI, REST with a session, REST and MCP
//! with a token, attachments through the UI, REST and MCP, and git smart HTTP: clone and push).
//!
//! What each principal may do is `robot_platform::policy::permissions`, which its own unit tests
//! check against an independent oracle; here every surface must agree with it, and a refused
//! write must leave the wiki's head where it was.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use robot_platform::policy::{
    AccessSettings, Credential, Permissions, Principal, Role, permissions,
};
use robot_platform::{TokenRole, User};
use serde_json::{Value, json};

mod dashboard_support;

use dashboard_support::{
    CSRF, HTML, NOTES, Reply, World, cookie, make_wiki, send, unlimited_world as world,
};

/// Who asks, as the requests will carry it.
enum Who {
    Anonymous,
    User(User),
}

struct Case<'a> {
    world: &'a World,
    who: &'a Who,
    access: AccessSettings,
    label: String,
    n: usize,
}

impl Case<'_> {
    fn cookies(&self) -> String {
        match self.who {
            Who::Anonymous => format!("robot_csrf={CSRF}"),
            Who::User(user) => cookie(self.world, user),
        }
    }

    async fn head(&self) -> Option<String> {
        let store = std::sync::Arc::clone(&self.world.state.store);
        tokio::task::spawn_blocking(move || {
            store
                .wiki("notes")
                .expect("repo")
                .head()
                .expect("head")
                .map(|c| c.to_string())
        })
        .await
        .expect("join")
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        accept: &str,
        ctype: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, NOTES)
            .header(header::ACCEPT, accept)
            .header(header::COOKIE, self.cookies())
            .header("x-csrf-token", CSRF);
        if let Some(ctype) = ctype {
            req = req.header(header::CONTENT_TYPE, ctype);
        }
        send(
            &self.world.state,
            req.body(Body::from(body)).expect("request"),
        )
        .await
    }

    /// A refused request: anonymous browsers are sent to log in, anonymous API clients get 401,
    /// signed-in people 403.
    fn assert_refused(&self, surface: &str, reply: &Reply, browser: bool) {
        match (self.who, browser) {
            (Who::Anonymous, true) => {
                assert_eq!(
                    reply.status,
                    StatusCode::SEE_OTHER,
                    "{}: {surface}: {reply:?}",
                    self.label
                );
                let location = reply.headers[header::LOCATION].to_str().unwrap_or_default();
                assert!(
                    location.contains("/auth/login"),
                    "{}: {surface}: {location}",
                    self.label
                );
            }
            (Who::Anonymous, false) => {
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{}: {surface}: {reply:?}",
                    self.label
                );
            }
            (Who::User(_), _) => {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{}: {surface}: {reply:?}",
                    self.label
                );
            }
        }
    }

    async fn check(&self, expected: Permissions) {
        let label = &self.label;
        // UI read.
        let reply = self.request(Method::GET, "/Home", HTML, None, vec![]).await;
        if expected.read {
            assert_eq!(reply.status, StatusCode::OK, "{label}: UI read: {reply:?}");
        } else {
            self.assert_refused("UI read", &reply, true);
        }
        // REST read.
        let reply = self
            .request(
                Method::GET,
                "/api/v1/pages/Home",
                "application/json",
                None,
                vec![],
            )
            .await;
        if expected.read {
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{label}: REST read: {reply:?}"
            );
        } else {
            self.assert_refused("REST read", &reply, false);
        }
        // UI write.
        let before = self.head().await;
        let body = format!("content=%23+Case+{}&message=m&csrf_token={CSRF}", self.n);
        let reply = self
            .request(
                Method::POST,
                &format!("/Ui{}/save", self.n),
                HTML,
                Some("application/x-www-form-urlencoded"),
                body.into_bytes(),
            )
            .await;
        if expected.write {
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{label}: UI write: {reply:?}"
            );
            assert_ne!(
                self.head().await,
                before,
                "{label}: UI write made no commit"
            );
        } else {
            self.assert_refused("UI write", &reply, true);
            assert_eq!(
                self.head().await,
                before,
                "{label}: refused UI write changed the wiki"
            );
        }
        // REST write.
        let before = self.head().await;
        let body = json!({"content": format!("# Rest {}", self.n)})
            .to_string()
            .into_bytes();
        let reply = self
            .request(
                Method::PUT,
                &format!("/api/v1/pages/Rest{}", self.n),
                "application/json",
                Some("application/json"),
                body,
            )
            .await;
        if expected.write {
            assert!(reply.status.is_success(), "{label}: REST write: {reply:?}");
        } else {
            self.assert_refused("REST write", &reply, false);
            assert_eq!(
                self.head().await,
                before,
                "{label}: refused REST write changed the wiki"
            );
        }
        // UI attachment upload (multipart, token in the query).
        let before = self.head().await;
        let boundary = "matrixboundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ui{n}.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n",
            n = self.n
        );
        let reply = self
            .request(
                Method::POST,
                &format!("/Home/attachments?csrf_token={CSRF}"),
                HTML,
                Some(&format!("multipart/form-data; boundary={boundary}")),
                body.into_bytes(),
            )
            .await;
        if expected.upload {
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{label}: UI upload: {reply:?}"
            );
            assert_ne!(
                self.head().await,
                before,
                "{label}: UI upload made no commit"
            );
        } else {
            self.assert_refused("UI upload", &reply, true);
            assert_eq!(
                self.head().await,
                before,
                "{label}: refused UI upload changed the wiki"
            );
        }
        // REST attachment upload.
        let before = self.head().await;
        let body = json!({"filename": format!("rest{}.txt", self.n), "content": base64::engine::general_purpose::STANDARD.encode("hi")})
            .to_string()
            .into_bytes();
        let reply = self
            .request(
                Method::POST,
                "/api/v1/pages/Home/attachments",
                "application/json",
                Some("application/json"),
                body,
            )
            .await;
        if expected.upload {
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "{label}: REST upload: {reply:?}"
            );
        } else {
            self.assert_refused("REST upload", &reply, false);
            assert_eq!(
                self.head().await,
                before,
                "{label}: refused REST upload changed the wiki"
            );
        }
        // Settings page (admin).
        let reply = self
            .request(Method::GET, "/-/admin", HTML, None, vec![])
            .await;
        if expected.admin {
            assert_eq!(reply.status, StatusCode::OK, "{label}: admin: {reply:?}");
        } else {
            self.assert_refused("admin", &reply, true);
        }
        // MCP never accepts a session: cookies are not credentials there.
        let reply = self
            .request(
                Method::POST,
                "/mcp",
                "application/json, text/event-stream",
                Some("application/json"),
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
                    .to_string()
                    .into_bytes(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{label}: MCP with a session: {reply:?}"
        );
        // Git never accepts a session either: with cookies, a clone has exactly the anonymous
        // visitor's rights, and a push always needs a token.
        let anonymous = permissions(&Principal::Anonymous, None, &self.access);
        let reply = self
            .request(Method::GET, CLONE_REFS, "*/*", None, vec![])
            .await;
        assert_git(
            &reply,
            anonymous.read,
            StatusCode::UNAUTHORIZED,
            label,
            "git clone",
        );
        let before = self.head().await;
        let reply = self
            .request(
                Method::POST,
                "/.git/git-receive-pack",
                "application/x-git-receive-pack-result",
                Some("application/x-git-receive-pack-request"),
                b"0000".to_vec(),
            )
            .await;
        assert_git(&reply, false, StatusCode::UNAUTHORIZED, label, "git push");
        assert_eq!(
            self.head().await,
            before,
            "{label}: refused push changed the wiki"
        );
    }
}

/// The ref advertisement of a clone and of a push.
const CLONE_REFS: &str = "/.git/info/refs?service=git-upload-pack";
const PUSH_REFS: &str = "/.git/info/refs?service=git-receive-pack";

/// A git request is served (200, git's content type) or refused with `refusal` (a 401 with a
/// Basic challenge, so git asks for credentials, or a 403 without one).
fn assert_git(reply: &Reply, allowed: bool, refusal: StatusCode, label: &str, surface: &str) {
    if allowed {
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{label}: {surface}: {reply:?}"
        );
        let ctype = reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default();
        assert!(
            ctype.starts_with("application/x-git-"),
            "{label}: {surface}: {ctype}"
        );
        return;
    }
    assert_eq!(reply.status, refusal, "{label}: {surface}: {reply:?}");
    let challenge = reply.headers.get(header::WWW_AUTHENTICATE);
    if refusal == StatusCode::UNAUTHORIZED {
        let challenge = challenge.and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(
            challenge.starts_with("Basic "),
            "{label}: {surface}: {challenge}"
        );
    } else {
        assert!(challenge.is_none(), "{label}: {surface}: challenged");
    }
}

/// A git request to `notes` with `token` as the Basic password.
async fn git_request(w: &World, token: &str, method: Method, path: &str, body: &[u8]) -> Reply {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("git:{token}"));
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, NOTES)
        .header(header::AUTHORIZATION, format!("Basic {credentials}"))
        .header(
            header::CONTENT_TYPE,
            "application/x-git-receive-pack-request",
        )
        .body(Body::from(body.to_vec()))
        .expect("request");
    send(&w.state, req).await
}

/// Runs the whole matrix for one kind of principal (`role` on `notes`, or anonymous).
async fn matrix(role: Option<Role>, anonymous: bool) {
    let w = world().await;
    let wiki = make_wiki(&w.state, "notes", &w.alice).await;
    w.state
        .db
        .set_git_access(&wiki.slug, true)
        .await
        .expect("git on");
    let (who, principal, effective_role) = if anonymous {
        (Who::Anonymous, Principal::Anonymous, None)
    } else {
        let user = match role {
            Some(Role::Owner) => w.alice.clone(),
            Some(role) => {
                w.state
                    .db
                    .set_member(wiki.id, w.bob.id, role)
                    .await
                    .expect("member");
                w.bob.clone()
            }
            None => w.bob.clone(),
        };
        let principal = user.principal();
        (Who::User(user), principal, role)
    };
    for (n, access) in AccessSettings::every().enumerate() {
        w.state
            .db
            .update_wiki(&wiki.slug, "notes", "", &access)
            .await
            .expect("access");
        let expected = permissions(&principal, effective_role, &access);
        let case = Case {
            world: &w,
            who: &who,
            access,
            label: format!("{role:?}/anonymous={anonymous} at {access:?}"),
            n,
        };
        case.check(expected).await;
    }
}

#[tokio::test]
async fn anonymous_visitors() {
    matrix(None, true).await;
}

#[tokio::test]
async fn signed_in_non_members() {
    matrix(None, false).await;
}

#[tokio::test]
async fn viewers() {
    matrix(Some(Role::Viewer), false).await;
}

#[tokio::test]
async fn editors() {
    matrix(Some(Role::Editor), false).await;
}

#[tokio::test]
async fn admins() {
    matrix(Some(Role::Admin), false).await;
}

#[tokio::test]
async fn owners() {
    matrix(Some(Role::Owner), false).await;
}

/// `tools/call` on `notes` with `token`: (HTTP status, isError).
async fn mcp_call(w: &World, token: &str, tool: &str, args: Value) -> (StatusCode, bool, String) {
    let reply = dashboard_support::common::mcp_tool_call(&w.state, NOTES, token, tool, args).await;
    let is_error = reply.json["result"]["isError"].as_bool().unwrap_or(true);
    (reply.status, is_error, reply.text)
}

async fn rest(
    w: &World,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    send(&w.state, req.body(body).expect("request"))
        .await
        .status
}

/// API tokens carry their own role whatever the access levels say, over REST and MCP alike.
#[tokio::test]
async fn tokens_over_rest_and_mcp() {
    let w = world().await;
    let wiki = make_wiki(&w.state, "notes", &w.alice).await;
    w.state
        .db
        .set_git_access(&wiki.slug, true)
        .await
        .expect("git on");
    for role in [TokenRole::ReadOnly, TokenRole::Editor] {
        let (_, token) = w
            .state
            .db
            .create_api_token(wiki.id, w.alice.id, role.as_str(), role)
            .await
            .expect("token");
        // Minted by the owner, so the token's own role is the cap.
        let principal = Principal::Agent {
            user_id: w.alice.id,
            credential: Credential::ApiToken { token_id: 0, role },
        };
        for (n, access) in AccessSettings::every().enumerate() {
            w.state
                .db
                .update_wiki(&wiki.slug, "notes", "", &access)
                .await
                .expect("access");
            let expected = permissions(&principal, Some(Role::Owner), &access);
            let label = format!("{role} at {access:?}");
            let (status, is_error, text) =
                mcp_call(&w, &token, "read_note", json!({"path": "Home"})).await;
            assert_eq!(
                (status, is_error),
                (StatusCode::OK, !expected.read),
                "{label}: MCP read: {text}"
            );
            let (status, is_error, text) = mcp_call(
                &w,
                &token,
                "write_note",
                json!({"path": format!("Mcp{role}{n}"), "content": "x"}),
            )
            .await;
            assert_eq!(
                (status, is_error),
                (StatusCode::OK, !expected.write),
                "{label}: MCP write: {text}"
            );
            let (status, is_error, text) = mcp_call(
                &w,
                &token,
                "upload_attachment",
                json!({"path": "Home", "filename": format!("m{role}{n}.txt"), "content": "aGk="}),
            )
            .await;
            assert_eq!(
                (status, is_error),
                (StatusCode::OK, !expected.upload),
                "{label}: MCP upload: {text}"
            );
            let read = rest(&w, &token, Method::GET, "/api/v1/pages/Home", None).await;
            assert_eq!(
                read.is_success(),
                expected.read,
                "{label}: REST read {read}"
            );
            let write = rest(
                &w,
                &token,
                Method::PUT,
                &format!("/api/v1/pages/Tok{role}{n}"),
                Some(json!({"content": "x"})),
            )
            .await;
            assert_eq!(
                write.is_success(),
                expected.write,
                "{label}: REST write {write}"
            );
            if !expected.write {
                assert_eq!(write, StatusCode::FORBIDDEN, "{label}");
            }
            let upload = rest(
                &w,
                &token,
                Method::POST,
                "/api/v1/pages/Home/attachments",
                Some(json!({"filename": format!("t{role}{n}.txt"), "content": "aGk="})),
            )
            .await;
            assert_eq!(
                upload.is_success(),
                expected.upload,
                "{label}: REST upload {upload}"
            );
            let clone = git_request(&w, &token, Method::GET, CLONE_REFS, b"").await;
            assert_git(
                &clone,
                expected.read,
                StatusCode::FORBIDDEN,
                &label,
                "git clone",
            );
            let push = git_request(&w, &token, Method::GET, PUSH_REFS, b"").await;
            let may_push = expected.write && expected.upload;
            assert_git(&push, may_push, StatusCode::FORBIDDEN, &label, "git push");
            if !may_push {
                let before = w
                    .state
                    .store
                    .wiki("notes")
                    .expect("repo")
                    .head()
                    .expect("head");
                let refused =
                    git_request(&w, &token, Method::POST, "/.git/git-receive-pack", b"0000").await;
                assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}: git push");
                let after = w
                    .state
                    .store
                    .wiki("notes")
                    .expect("repo")
                    .head()
                    .expect("head");
                assert_eq!(after, before, "{label}: refused push changed the wiki");
            }
            let admin = rest(&w, &token, Method::GET, "/-/admin", None).await;
            assert_eq!(
                admin,
                StatusCode::FORBIDDEN,
                "{label}: tokens never administer"
            );
        }
    }
}
