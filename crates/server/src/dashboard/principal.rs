//! Who is calling the dashboard or the management API: a platform user, from the session cookie
//! or from `Authorization: Bearer <platform session token>`.
//!
//! When an `Authorization` header is present it is the only credential considered (cookies are
//! ignored), exactly as on wiki hosts: the CSRF guard exempts such requests, so they must never
//! borrow a browser's ambient session.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use robot_platform::User;

use crate::error::AppError;
use crate::session::{SessionRefusal, current_user, verify_session};
use crate::state::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The `robot_session` cookie (state changes need the CSRF token).
    Cookie,
    /// A bearer platform session token (no ambient credentials, no CSRF token needed).
    Bearer,
}

/// The signed-in platform user making the request.
#[derive(Debug, Clone)]
pub struct PlatformUser {
    /// The user, read from the database on this request.
    pub user: User,
    /// How they authenticated.
    pub credential: Credential,
}

impl FromRequestParts<AppState> for PlatformUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<PlatformUser, AppError> {
        authenticate(state, &parts.headers).await
    }
}

/// Resolves the caller from the request headers.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<PlatformUser, AppError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return match current_user(state, headers).await {
            Some(user) => Ok(PlatformUser {
                user,
                credential: Credential::Cookie,
            }),
            None => Err(AppError::LoginRequired(
                "Log in to manage your wikis.".into(),
            )),
        };
    };
    let value = value.to_str().unwrap_or_default().trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(AppError::InvalidToken(
                "Use `Authorization: Bearer <platform session token>`.".into(),
            ));
        }
    };
    if token.starts_with(robot_platform::TOKEN_PREFIX) {
        return Err(AppError::InvalidToken(
            "This is a wiki API token: it works on its wiki's /api/v1 and /mcp, not on the \
             management API. Use a platform session token here."
                .into(),
        ));
    }
    let (_, user) = verify_session(state, token)
        .await
        .map_err(|refusal| match refusal {
            SessionRefusal::Db(err) => AppError::from(err),
            SessionRefusal::Expired => {
                AppError::InvalidToken("The session token has expired; sign in again.".into())
            }
            SessionRefusal::Invalid => {
                AppError::InvalidToken("The session token is invalid; sign in again.".into())
            }
            SessionRefusal::NotAUser => {
                AppError::InvalidToken("The session token does not name a platform user.".into())
            }
            SessionRefusal::UserGone => {
                AppError::InvalidToken("The session token's user no longer exists.".into())
            }
            SessionRefusal::Revoked => AppError::InvalidToken(
                "This session token was revoked by \"log out everywhere\"; sign in again.".into(),
            ),
        })?;
    Ok(PlatformUser {
        user,
        credential: Credential::Bearer,
    })
}
