//! The platform session: an RS256 token in the `robot_session` cookie.
//!
//! In production the cookie carries `Domain={domain}` and so reaches every wiki host. Browsers
//! refuse that for `localhost` (and custom domains can never share it), so the platform can also
//! hand a signed-in user over to a wiki host with a one-time link (see `views::platform`).
//!
//! Tokens are not stored, so they cannot be deleted: "log out everywhere" ([`log_out_everywhere`])
//! records a per-user cut-off instead, and [`verify_session`] refuses tokens issued before it.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use robot_auth::{AuthError, SessionClaims};
use robot_platform::User;

use crate::config::ServerConfig;
use crate::state::AppState;

mod everywhere;

pub use everywhere::log_out_everywhere;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "robot_session";
/// Session lifetime.
pub const SESSION_TTL_SECS: i64 = 24 * 60 * 60;

/// The value of cookie `name` in the request, if present.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// Why a session token does not sign anyone in.
#[derive(Debug, thiserror::Error)]
pub enum SessionRefusal {
    /// The token was genuine but has expired.
    #[error("the session has expired; sign in again")]
    Expired,
    /// Not a token of ours (forged, malformed, another issuer or algorithm).
    #[error("the session token is invalid; sign in again")]
    Invalid,
    /// A genuine token whose subject is not a platform user.
    #[error("the session token does not name a platform user")]
    NotAUser,
    /// The user has been deleted since.
    #[error("the session token's user no longer exists")]
    UserGone,
    /// Issued before the user's last "log out everywhere".
    #[error("this session was signed out everywhere; sign in again")]
    Revoked,
    /// The user could not be read.
    #[error(transparent)]
    Db(#[from] robot_platform::PlatformError),
}

/// Checks a session token and returns its claims and the user it signs in, read from the
/// database now. The one place that decides whether a session is still valid, for the cookie
/// (wiki hosts, platform pages, the dashboard) and the bearer platform token (management API):
/// signature, issuer, expiry, an existing user, and not issued at or before their last "log
/// out everywhere" ([`User::accepts_session_issued_at`]); a token issued before the account was
/// created never signs it in (ids are never reused either, so this is a second line).
pub async fn verify_session(
    state: &AppState,
    token: &str,
) -> Result<(SessionClaims, User), SessionRefusal> {
    let claims = state.keys.verify(token).map_err(|err| match err {
        AuthError::Expired => SessionRefusal::Expired,
        _ => SessionRefusal::Invalid,
    })?;
    let user_id = claims.user_id().ok_or(SessionRefusal::NotAUser)?;
    let user = state
        .db
        .user_by_id(user_id)
        .await?
        .ok_or(SessionRefusal::UserGone)?;
    // Issued before this account existed: it named an account that is gone.
    if claims.iat < user.created_at {
        return Err(SessionRefusal::UserGone);
    }
    if !user.accepts_session_issued_at(claims.iat) {
        return Err(SessionRefusal::Revoked);
    }
    Ok((claims, user))
}

/// The signed-in user, if the request carries a valid session cookie ([`verify_session`]).
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Option<User> {
    let token = cookie_value(headers, SESSION_COOKIE)?;
    match verify_session(state, &token).await {
        Ok((_, user)) => Some(user),
        Err(SessionRefusal::Db(err)) => {
            tracing::warn!(%err, "session user lookup failed");
            None
        }
        Err(err) => {
            tracing::debug!(%err, "ignoring the session cookie");
            None
        }
    }
}

/// The claims of the request's valid session cookie, if any (the user may since be deleted).
pub fn current_claims(state: &AppState, headers: &HeaderMap) -> Option<SessionClaims> {
    let token = cookie_value(headers, SESSION_COOKIE)?;
    state.keys.verify(&token).ok()
}

/// Mints a session token for `user`.
pub fn issue_token(state: &AppState, user: &User) -> anyhow::Result<String> {
    Ok(issue_session(state, user)?.0)
}

/// Mints a session token for `user` and returns it with its `jti`, so state kept for the session
/// (an ATProto grant) can be found again at logout.
///
/// `user` must be freshly read: its `sessions_valid_after` moves a token issued in the second of
/// a "log out everywhere" just past it ([`User::next_session_iat`]). With a stale `user` such a
/// token is refused, never wrongly accepted.
pub fn issue_session(state: &AppState, user: &User) -> anyhow::Result<(String, String)> {
    let claims = SessionClaims::new(
        user.id,
        &user.handle,
        &user.display_name,
        &state.config.domain,
        SESSION_TTL_SECS,
    );
    let iat = user.next_session_iat(claims.iat);
    let claims = claims.issued_at(iat);
    Ok((state.keys.issue(&claims)?, claims.jti))
}

/// The `Set-Cookie` value of a cookie that binds one sign-in step to the browser that started
/// it (the ATProto login's `state`, a wiki host's handoff nonce), or with `None` clears it:
/// HttpOnly, sent only to `path`, SameSite=Lax (so it still comes along on the top-level
/// redirect that ends the step), `Secure` wherever cookies are, gone after `max_age_secs`.
pub(crate) fn binding_cookie(
    config: &ServerConfig,
    name: &str,
    path: &str,
    max_age_secs: i64,
    value: Option<&str>,
) -> String {
    let mut cookie = match value {
        Some(value) => format!("{name}={value}; Max-Age={max_age_secs}"),
        None => format!("{name}=; Max-Age=0"),
    };
    cookie.push_str(&format!("; Path={path}; HttpOnly; SameSite=Lax"));
    if config.secure_cookies() {
        cookie.push_str("; Secure");
    }
    cookie
}

/// A `Set-Cookie` header that stores (or, with `None`, clears) the session.
///
/// `shared` asks for the parent-domain cookie where the configuration allows it.
pub fn session_cookie(config: &ServerConfig, token: Option<&str>, shared: bool) -> HeaderMap {
    let mut cookie = match token {
        Some(token) => format!("{SESSION_COOKIE}={token}; Max-Age={SESSION_TTL_SECS}"),
        None => format!("{SESSION_COOKIE}=; Max-Age=0"),
    };
    cookie.push_str("; Path=/; HttpOnly; SameSite=Lax");
    if shared && config.shares_parent_cookie() {
        cookie.push_str(&format!("; Domain={}", config.domain));
    }
    if config.secure_cookies() {
        cookie.push_str("; Secure");
    }
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.append(SET_COOKIE, value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookie_among_many() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; robot_session=tok; b=2"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }
}
