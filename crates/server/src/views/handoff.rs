//! The wiki-host side of signing in where the platform's cookie does not reach (`localhost`,
//! later custom domains): a one-time handoff link carries the platform session over.
//!
//! A handoff link signs in whoever opens it, so on its own it is a login-CSRF tool: someone
//! could mint one for their own account and get a victim to open it, and the victim would be
//! working in the attacker's account. Each link is therefore bound to the browser that asked
//! for it, like an OAuth `state`:
//!
//! 1. [`start`] (`GET /-/auth/login?next=/path`) sets a random nonce as an HttpOnly cookie on
//!    this wiki host and sends the browser to the platform's `/auth/login` with the nonce's
//!    SHA-256 as `binding`;
//! 2. the platform, where the user is signed in, mints a handoff link bound to that hash;
//! 3. [`redeem`] (`GET /-/auth/handoff/{token}`) signs in only the browser holding the nonce.
//!
//! An attacker's link carries the hash of the attacker's nonce, which no victim browser holds.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use robot_auth::{hash_token, random_token};

use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::redirect;
use crate::session::{binding_cookie, cookie_value, issue_token, session_cookie};
use crate::state::AppState;
use crate::views::platform::{ReturnTo, append_cookie, is_local_path, parse_return_to};

/// The cookie holding this browser's handoff nonce, on the wiki host only.
const NONCE_COOKIE: &str = "robot_handoff";
/// Its path: only the handoff endpoints ever see it.
const NONCE_PATH: &str = "/-/auth/";
/// How long a started sign-in may take (a Bluesky sign-in included).
const NONCE_TTL_SECS: i64 = 15 * 60;

/// Where a browser starts a bound sign-in on the wiki host `host` that ends at `path`.
pub fn start_url(scheme: &str, host: &str, path: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("{scheme}://{host}/-/auth/login?next={next}")
}

#[derive(serde::Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /-/auth/login?next=/path`: binds this browser (nonce cookie) and sends it to the
/// platform's login, which comes back with a handoff link for it.
pub async fn start(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Query(q): Query<StartQuery>,
) -> Response {
    // The platform checks the whole URL again (`parse_return_to`) before anyone goes there.
    let next = q
        .next
        .filter(|p| is_local_path(p) && !p.chars().any(char::is_control))
        .unwrap_or_else(|| "/".into());
    let nonce = random_token();
    let return_to: String =
        url::form_urlencoded::byte_serialize(format!("{}{next}", ctx.url).as_bytes()).collect();
    let mut response = redirect(&state.config.platform_url(&format!(
        "/auth/login?return_to={return_to}&binding={}",
        hash_token(&nonce)
    )));
    append_cookie(&mut response, &nonce_cookie(&state, Some(&nonce)));
    response
}

/// `GET /-/auth/handoff/{token}`: redeems a handoff link for this wiki host, in the browser it
/// was minted for.
pub async fn redeem(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let invalid = || {
        AppError::Forbidden(
            "This sign-in link is invalid, expired, or was made for another browser. Please log \
             in again."
                .into(),
        )
    };
    // Where the session cookie reaches every wiki host, handoffs are never issued; refusing them
    // there keeps a leaked or attacker-minted handoff URL from signing anyone in.
    if state.config.shares_parent_cookie() {
        return Err(invalid());
    }
    // No nonce: this browser never started a sign-in here, so the link is not its own.
    let binding = cookie_value(&headers, NONCE_COOKIE)
        .filter(|nonce| !nonce.is_empty())
        .map(|nonce| hash_token(&nonce))
        .ok_or_else(invalid)?;
    let (user, target) = state
        .db
        .consume_handoff_link(&token, &binding)
        .await?
        .ok_or_else(invalid)?;
    let target = target
        .and_then(|raw| parse_return_to(&state, &raw))
        .ok_or_else(invalid)?;
    let here = ctx
        .url
        .split_once("://")
        .map(|(_, h)| h.to_string())
        .unwrap_or_default();
    let ReturnTo::Wiki { host, path } = target else {
        return Err(invalid());
    };
    if host != here {
        return Err(invalid());
    }
    let session = issue_token(&state, &user)?;
    let mut response = redirect(&path);
    response
        .headers_mut()
        .extend(session_cookie(&state.config, Some(&session), false));
    // The nonce has done its job; a second link for this browser needs a new start.
    append_cookie(&mut response, &nonce_cookie(&state, None));
    Ok(response)
}

/// The `Set-Cookie` value that stores (or, with `None`, clears) the nonce.
fn nonce_cookie(state: &AppState, nonce: Option<&str>) -> String {
    binding_cookie(
        &state.config,
        NONCE_COOKIE,
        NONCE_PATH,
        NONCE_TTL_SECS,
        nonce,
    )
}
