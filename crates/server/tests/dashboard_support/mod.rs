//! Shared harness of the dashboard and permission tests: requests to the platform host and to
//! wiki hosts as a given user (session cookie, bearer platform token or wiki API token), through
//! the real router (no network).

#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use axum::body::Body;
use axum::http::{Method, Request, header};
use robot_platform::User;
use serde_json::Value;

// Each test binary uses a different part of the shared harness.
#[allow(unused_imports)]
pub use common::{NOTES, Reply, World, make_wiki, send, world};

/// The platform host.
pub const PLATFORM: &str = "localhost:8080";
/// The CSRF token the tests' browsers hold.
pub const CSRF: &str = "test-csrf-token-0123456789abcdef0123456789";
/// What a browser asks for.
pub const HTML: &str = "text/html,application/xhtml+xml";

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth<'a> {
    /// No credentials.
    None,
    /// A browser session of this user, with the CSRF token submitted or not.
    Cookie(&'a User, bool),
    /// `Authorization: Bearer <this>`.
    Bearer(String),
}

/// The session cookie (and CSRF cookie) of `user`.
pub fn cookie(world: &World, user: &User) -> String {
    let token = robot_server::session::issue_token(&world.state, user).expect("token");
    format!("robot_session={token}; robot_csrf={CSRF}")
}

/// A platform session token of `user`, for `Authorization: Bearer`.
pub fn jwt(world: &World, user: &User) -> String {
    robot_server::session::issue_token(&world.state, user).expect("token")
}

/// A JSON request (or none, for `body: None`) to `host`.
pub async fn json(
    world: &World,
    host: &str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, "application/json");
    req = with_auth(world, req, &auth);
    let body = match body {
        Some(value) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    send(&world.state, req.body(body).expect("request")).await
}

/// A browser GET of `path` on `host`.
pub async fn page(world: &World, host: &str, path: &str, user: Option<&User>) -> Reply {
    get_as(world, host, path, user, HTML).await
}

/// A GET of `path` on `host` asking for `accept`, with `user`'s session cookie if any.
pub async fn get_as(
    world: &World,
    host: &str,
    path: &str,
    user: Option<&User>,
    accept: &str,
) -> Reply {
    let mut req = Request::get(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, accept);
    if let Some(user) = user {
        req = req.header(header::COOKIE, cookie(world, user));
    }
    send(&world.state, req.body(Body::empty()).expect("request")).await
}

/// A browser form POST to `host` as `user`, with or without the CSRF field.
pub async fn form(
    world: &World,
    host: &str,
    path: &str,
    user: &User,
    fields: &[(&str, &str)],
    with_csrf: bool,
) -> Reply {
    let mut pairs = fields.to_vec();
    if with_csrf {
        pairs.push(("csrf_token", CSRF));
    }
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let req = Request::post(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, HTML)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie(world, user))
        .body(Body::from(body))
        .expect("request");
    send(&world.state, req).await
}

fn with_auth(
    world: &World,
    req: axum::http::request::Builder,
    auth: &Auth<'_>,
) -> axum::http::request::Builder {
    match auth {
        Auth::None => req,
        Auth::Cookie(user, with_csrf) => {
            let req = req.header(header::COOKIE, cookie(world, user));
            if *with_csrf {
                req.header("x-csrf-token", CSRF)
            } else {
                req
            }
        }
        Auth::Bearer(token) => req.header(header::AUTHORIZATION, format!("Bearer {token}")),
    }
}

/// The `Location` header of a redirect.
pub fn location(reply: &Reply) -> String {
    reply
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The decoded message of the flash cookie a redirect set, if any.
pub fn flash(reply: &Reply) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("robot_flash="))
        .map(|c| {
            let value = c.split(';').next().unwrap_or_default();
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

/// The text of the element with `id` in an HTML page (first match, tags inside not expected).
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open_end = start + html[start..].find('>')? + 1;
    let close = open_end + html[open_end..].find('<')?;
    Some(html_escape::decode_html_entities(&html[open_end..close]).into_owned())
}

/// A [`World`] without rate limits: the permission matrix makes hundreds of writes in seconds,
/// and rate limits have their own tests (`limits.rs`).
pub async fn unlimited_world() -> World {
    common::world_limited(robot_server::limits::LimitsConfig {
        rates: robot_server::limits::Rates::unlimited(),
        ..Default::default()
    })
    .await
}
