//! Platform pages on the bare domain (landing, login, login links, logout, JWKS) and the
//! wiki-host side of signing in (the one-time handoff) and out.
//!
//! Sign-in across hosts: the session cookie carries `Domain={domain}` where browsers allow it. On
//! `localhost` (and, later, custom domains) they do not, so a platform that already knows the user
//! sends them to the wiki with a one-time, one-minute handoff link bound to that wiki's URL; the
//! wiki host redeems it and sets its own cookie.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router, middleware};
use robot_platform::User;

use crate::context::{WikiCtx, theme};
use crate::error::{AppError, AppResult};
use crate::limits::{RateLimitLayer, Scope};
use crate::negotiate::login_url;
use crate::respond::{page, redirect};
use crate::session::{current_user, issue_token, session_cookie};
use crate::state::AppState;
use crate::templates::{Chrome, LandingTpl, LoginTpl, LogoutTpl};

/// Cookie remembering where to go after signing in.
pub(crate) const RETURN_COOKIE: &str = "robot_return_to";
/// Lifetime of a handoff link.
const HANDOFF_TTL_SECS: i64 = 60;

/// Routes of the bare platform domain.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(landing))
        .route("/auth/login", get(login))
        .route(
            "/auth/link/{token}",
            get(redeem_login_link).route_layer(RateLimitLayer::new(&state, Scope::Login)),
        )
        .route("/auth/logout", get(logout_form).post(logout))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/-/static/{*path}", get(crate::assets::serve))
        .route("/favicon.ico", get(crate::assets::favicon))
        .route("/-/healthz", get(healthz_platform))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .merge(crate::dashboard::router(&state))
        .merge(crate::views::atproto::routes(&state))
        .layer(middleware::from_fn(crate::csrf::protect))
        .with_state(state)
}

/// Where to send someone after signing in, validated so it cannot leave our domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnTo {
    /// A path on the platform host.
    Platform(String),
    /// A URL on a wiki host: (host with port, path and query).
    Wiki { host: String, path: String },
}

/// Accepts a relative path (not `//…` or `/\…`) or an absolute URL on the platform or one of its
/// wiki hosts, with our scheme and port. Everything else is refused.
pub fn parse_return_to(state: &AppState, raw: &str) -> Option<ReturnTo> {
    let raw = raw.trim();
    if raw.chars().any(|c| c.is_control()) {
        return None;
    }
    if raw.starts_with('/') {
        return is_local_path(raw).then(|| ReturnTo::Platform(raw.to_string()));
    }
    let url = url::Url::parse(raw).ok()?;
    let config = &state.config;
    if url.scheme() != config.scheme()
        || url.port() != config.base_url.port()
        || !url.username().is_empty()
    {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    // `http://host//evil.com` keeps an empty first segment; as a relative Location it would
    // leave the site.
    if !is_local_path(&path) {
        return None;
    }
    match crate::tenancy::resolve_site(&host, &config.domain) {
        crate::tenancy::Site::Platform => Some(ReturnTo::Platform(path)),
        crate::tenancy::Site::Wiki(label) => Some(ReturnTo::Wiki {
            host: format!("{label}.{}{}", config.domain, config.port_suffix()),
            path,
        }),
        crate::tenancy::Site::Unknown => None,
    }
}

/// A path that stays on the host it is resolved against: one leading `/`, not `//` or `/\`.
pub(crate) fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\")
}

fn platform_chrome(
    state: &AppState,
    headers: &HeaderMap,
    user: Option<&User>,
    title: &str,
    csrf: String,
) -> Chrome {
    Chrome {
        site_name: "robot.wtf".into(),
        doc_title: title.to_string(),
        login_url: state.config.platform_url("/auth/login"),
        dashboard_url: "/app/".into(),
        user: user.map(|u| u.display_name.clone()),
        csrf,
        theme: theme(headers),
        ..Chrome::default()
    }
}

fn csrf_of(req: &Request) -> String {
    req.extensions()
        .get::<crate::csrf::CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

async fn landing(State(state): State<AppState>, req: Request) -> AppResult<Response> {
    let user = current_user(&state, req.headers()).await;
    let wikis = state.db.wikis_visible_to(user.as_ref()).await?;
    let wikis = wikis
        .iter()
        .map(|w| {
            (
                w.display_name.clone(),
                state.config.wiki_url(w.slug.as_str()),
                w.description.clone(),
            )
        })
        .collect();
    let mut chrome = platform_chrome(&state, req.headers(), user.as_ref(), "Home", csrf_of(&req));
    // Signing out everywhere and deleting the account land here with a message.
    chrome.flash = crate::context::flash(req.headers());
    let shown = chrome.flash.is_some();
    let response = page(&LandingTpl { chrome, wikis })?;
    Ok(if shown {
        crate::respond::clear_flash(response)
    } else {
        response
    })
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
    /// The wiki host's browser binding for a handoff (see `views::handoff`).
    binding: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    req: Request,
) -> AppResult<Response> {
    let user = current_user(&state, req.headers()).await;
    let target = q
        .return_to
        .as_deref()
        .and_then(|r| parse_return_to(&state, r));
    if let (Some(user), Some(target)) = (&user, &target) {
        let binding = q.binding.as_deref().filter(|b| is_browser_binding(b));
        return continue_to(&state, user, target, binding).await;
    }
    let mut response = render_login(
        &state,
        req.headers(),
        user.as_ref(),
        csrf_of(&req),
        "",
        None,
    )?;
    if let Some(raw) = q.return_to.filter(|_| target.is_some()) {
        let value: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        append_cookie(
            &mut response,
            &format!("{RETURN_COOKIE}={value}; Path=/; Max-Age=900; HttpOnly; SameSite=Lax"),
        );
    }
    Ok(response)
}

/// The login page: the Bluesky form (with `handle` kept and `error` shown after a failed
/// attempt) and the login-link instructions.
pub(crate) fn render_login(
    state: &AppState,
    headers: &HeaderMap,
    user: Option<&User>,
    csrf: String,
    handle: &str,
    error: Option<&str>,
) -> AppResult<Response> {
    let mut chrome = platform_chrome(state, headers, user, "Log in", csrf);
    chrome.flash = error.map(|message| crate::templates::Flash {
        kind: "error".into(),
        message: message.to_string(),
    });
    page(&LoginTpl {
        chrome,
        handle: handle.to_string(),
    })
}

/// The `return_to` remembered by the login page, decoded (still to be checked).
pub(crate) fn remembered_return_to(headers: &HeaderMap) -> Option<String> {
    crate::session::cookie_value(headers, RETURN_COOKIE).map(|v| {
        percent_encoding::percent_decode_str(&v.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// Sends a signed-in user on to `target`, via a handoff link when the wiki host cannot see the
/// platform's cookie.
///
/// A handoff link is only minted for the browser that asked for it: `binding` is the hash of
/// the nonce cookie the wiki host set in that browser (`views::handoff::start`). Without one,
/// the user is sent to the wiki host first to get one, which sends them back here with it.
pub(crate) async fn continue_to(
    state: &AppState,
    user: &User,
    target: &ReturnTo,
    binding: Option<&str>,
) -> AppResult<Response> {
    match target {
        ReturnTo::Platform(path) => Ok(redirect(path)),
        ReturnTo::Wiki { host, path } => {
            let scheme = state.config.scheme();
            if state.config.shares_parent_cookie() {
                return Ok(redirect(&format!("{scheme}://{host}{path}")));
            }
            let Some(binding) = binding else {
                return Ok(redirect(&crate::views::handoff::start_url(
                    scheme, host, path,
                )));
            };
            let url = format!("{scheme}://{host}{path}");
            let token = state
                .db
                .create_handoff_link(user.id, HANDOFF_TTL_SECS, &url, binding)
                .await?;
            Ok(redirect(&format!(
                "{scheme}://{host}/-/auth/handoff/{token}"
            )))
        }
    }
}

/// Whether `value` looks like a browser binding: a hex SHA-256.
fn is_browser_binding(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn redeem_login_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some((user, link_target)) = state.db.consume_login_link(&token).await? else {
        return Err(AppError::Forbidden(
            "This login link is invalid, expired or already used. Ask the operator for a new one (robot login-link HANDLE)."
                .into(),
        ));
    };
    let remembered = remembered_return_to(&headers);
    let target = link_target
        .or(remembered)
        .and_then(|raw| parse_return_to(&state, &raw))
        .unwrap_or(ReturnTo::Platform("/".into()));
    let token = issue_token(&state, &user)?;
    let mut response = continue_to(&state, &user, &target, None).await?;
    response
        .headers_mut()
        .extend(session_cookie(&state.config, Some(&token), true));
    append_cookie(
        &mut response,
        &format!("{RETURN_COOKIE}=; Path=/; Max-Age=0"),
    );
    tracing::info!(user = %user.handle, "signed in with a login link");
    Ok(response)
}

/// `GET /auth/logout`: a confirmation form, so a cross-site link cannot sign anyone out.
async fn logout_form(State(state): State<AppState>, req: Request) -> AppResult<Response> {
    let Some(user) = current_user(&state, req.headers()).await else {
        return Ok(redirect("/"));
    };
    let chrome = platform_chrome(&state, req.headers(), Some(&user), "Log out", csrf_of(&req));
    page(&LogoutTpl { chrome })
}

/// `POST /auth/logout`: revokes the ATProto tokens of this session (if it came from a Bluesky
/// sign-in), then clears the cookies.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(claims) = crate::session::current_claims(&state, &headers)
        && let Some(user_id) = claims.user_id()
    {
        crate::views::atproto::revoke_session(&state, user_id, &claims.jti).await;
    }
    let mut response = redirect("/");
    // Appended, not `extend`ed: extending a HeaderMap replaces the earlier `Set-Cookie`, which
    // left the parent-domain cookie in place on production domains.
    for shared in [true, false] {
        for (name, value) in &session_cookie(&state.config, None, shared) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.keys.jwks()).into_response()
}

async fn healthz_platform(State(state): State<AppState>) -> Response {
    match state.db.list_wikis().await {
        Ok(_) => "ok".into_response(),
        Err(err) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("database: {err}"),
        )
            .into_response(),
    }
}

/// `GET /-/healthz` on a wiki host: the repository answers.
pub async fn healthz(Extension(ctx): Extension<Arc<WikiCtx>>) -> Response {
    let repo = Arc::clone(&ctx.repo);
    match tokio::task::spawn_blocking(move || repo.head()).await {
        Ok(Ok(_)) => "ok".into_response(),
        _ => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "repository unavailable",
        )
            .into_response(),
    }
}

/// `POST /-/logout` on a wiki host: clears this host's cookie, then the platform's.
pub async fn wiki_logout(State(state): State<AppState>) -> Response {
    let mut response = redirect(&state.config.platform_url("/auth/logout"));
    response
        .headers_mut()
        .extend(session_cookie(&state.config, None, false));
    response
}

/// `GET /robots.txt` on a wiki host: only public wikis may be crawled.
pub async fn robots(Extension(ctx): Extension<Arc<WikiCtx>>) -> Response {
    let public = ctx.wiki.access.read == robot_platform::policy::AccessLevel::Anonymous;
    let body = if public {
        "User-agent: *\nAllow: /\n"
    } else {
        "User-agent: *\nDisallow: /\n"
    };
    ([(CONTENT_TYPE, "text/plain")], body).into_response()
}

/// Adds a `Set-Cookie` header (dropped if it is not a valid header value).
pub(crate) fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = axum::http::HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// The platform's login URL for a wiki page, for templates.
pub fn wiki_login_url(state: &AppState, wiki_url: &str, path: &str) -> String {
    login_url(state, &format!("{wiki_url}{path}"))
}
