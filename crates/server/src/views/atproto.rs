//! Sign-in with Bluesky (ATProto OAuth) on the platform host: the client metadata document and
//! JWKS the authorization servers fetch, the login form's submission, and the callback.
//!
//! A login in flight lives in the platform DB under the hash of its `state` (one-time, ten
//! minutes) and is also bound to the browser that started it by a `state` cookie, so a callback
//! URL handed to someone else cannot sign them in (login CSRF). The ATProto tokens are kept
//! server-side, tied to the platform session's `jti`, so logout can revoke them.

use axum::Form;
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use robot_atproto::AtprotoError;
use robot_platform::{AtprotoLogin, AtprotoSession, PlatformError};

use crate::error::AppResult;
use crate::limits::{RateLimitLayer, Scope};
use crate::session::{cookie_value, issue_session, session_cookie};
use crate::state::AppState;
use crate::views::platform::{
    RETURN_COOKIE, ReturnTo, append_cookie, continue_to, parse_return_to, remembered_return_to,
    render_login,
};

/// The client metadata document; its URL is our `client_id`.
pub const CLIENT_METADATA_PATH: &str = "/oauth/client-metadata.json";
/// The client's public keys.
pub const JWKS_PATH: &str = "/oauth/jwks.json";
/// Where the login form posts.
pub const LOGIN_PATH: &str = "/auth/atproto/login";
/// Where authorization servers send the browser back.
pub const CALLBACK_PATH: &str = "/auth/atproto/callback";
/// Cookie binding a login in flight to the browser that started it.
const STATE_COOKIE: &str = "robot_atproto_state";
/// How long a login may take between the form and the callback.
const LOGIN_TTL_SECS: i64 = 10 * 60;
/// Longest time a sign-in waits for the account's profile (the display name).
const PROFILE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Longest time logout waits for the authorization server to revoke tokens.
const REVOKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The ATProto routes of the platform host (behind the platform's CSRF guard).
pub fn routes(state: &AppState) -> axum::Router<AppState> {
    let login_limit = RateLimitLayer::new(state, Scope::Login);
    axum::Router::new()
        .route(CLIENT_METADATA_PATH, get(client_metadata))
        .route(JWKS_PATH, get(jwks))
        .route(LOGIN_PATH, post(login).route_layer(login_limit.clone()))
        .route(CALLBACK_PATH, get(callback).route_layer(login_limit))
}

async fn client_metadata(State(state): State<AppState>) -> Response {
    Json(state.atproto.client_metadata()).into_response()
}

async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.atproto.jwks()).into_response()
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    handle: String,
}

/// `POST /auth/atproto/login`: resolve the handle, push the authorization request, and send the
/// browser to the user's authorization server.
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Extension(csrf): axum::Extension<crate::csrf::CsrfToken>,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let input = form.handle.trim().to_string();
    let start = match state.atproto.start(&input).await {
        Ok(start) => start,
        Err(err) => {
            tracing::info!(input = %input, %err, "ATProto login could not start");
            return login_failed(
                &state,
                &headers,
                &csrf.0,
                &input,
                &start_error(&input, &err),
            );
        }
    };
    let return_to = remembered_return_to(&headers).filter(|r| parse_return_to(&state, r).is_some());
    let pending = start.pending;
    let login = AtprotoLogin {
        state: pending.state.clone(),
        issuer: pending.issuer,
        did: pending.did,
        handle: pending.handle,
        pds_url: pending.pds,
        token_endpoint: pending.token_endpoint,
        revocation_endpoint: pending.revocation_endpoint,
        pkce_verifier: pending.pkce_verifier,
        dpop_key: pending.dpop_key,
        dpop_nonce: pending.dpop_nonce,
        return_to,
    };
    state
        .db
        .create_atproto_login(&login, LOGIN_TTL_SECS)
        .await?;
    let mut response = crate::respond::redirect(start.authorize_url.as_str());
    append_cookie(&mut response, &state_cookie(&state, Some(&pending.state)));
    Ok(response)
}

#[derive(serde::Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    iss: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/atproto/callback`: the authorization server's answer. The login in flight is
/// taken (so a `state` never works twice), then everything must match it: the browser, the
/// issuer, and, after the code exchange, the account.
async fn callback(
    State(state): State<AppState>,
    Query(q): Query<CallbackQuery>,
    req: Request,
) -> AppResult<Response> {
    let headers = req.headers().clone();
    let csrf = req
        .extensions()
        .get::<crate::csrf::CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let fail = |message: &str| login_failed(&state, &headers, &csrf, "", message);
    let Some(state_param) = q.state.as_deref().filter(|s| !s.is_empty()) else {
        return fail("The sign-in response is missing its state. Please sign in again.");
    };
    let Some(login) = state.db.take_atproto_login(state_param).await? else {
        return fail(
            "This sign-in attempt is unknown, expired or was already used. Please sign in again.",
        );
    };
    let handle = login.handle.clone().unwrap_or_default();
    let fail = |message: &str| login_failed(&state, &headers, &csrf, &handle, message);
    let bound = cookie_value(&headers, STATE_COOKIE)
        .is_some_and(|c| robot_auth::constant_time_eq(c.as_bytes(), state_param.as_bytes()));
    if !bound {
        return fail("This sign-in was started in another browser. Please sign in again here.");
    }
    if let Some(error) = &q.error {
        let message = if error == "access_denied" {
            "You declined the sign-in at your Bluesky server.".to_string()
        } else {
            format!(
                "Your Bluesky server refused the sign-in: {error}{}",
                q.error_description
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )
        };
        return fail(&message);
    }
    let (Some(iss), Some(code)) = (q.iss.as_deref(), q.code.as_deref()) else {
        return fail("The sign-in response is incomplete. Please sign in again.");
    };
    let pending = robot_atproto::PendingLogin {
        state: login.state.clone(),
        issuer: login.issuer.clone(),
        did: login.did.clone(),
        handle: login.handle.clone(),
        pds: login.pds_url.clone(),
        token_endpoint: login.token_endpoint.clone(),
        revocation_endpoint: login.revocation_endpoint.clone(),
        pkce_verifier: login.pkce_verifier.clone(),
        dpop_key: login.dpop_key.clone(),
        dpop_nonce: login.dpop_nonce.clone(),
    };
    let session = match state.atproto.finish(&pending, iss, code).await {
        Ok(session) => session,
        Err(err) => {
            tracing::warn!(did = %login.did, %err, "ATProto callback refused");
            return fail(&finish_error(&err));
        }
    };
    let display_name = profile_display_name(&state, &session).await;
    let user = match state
        .db
        .upsert_atproto_user(&session.did, &session.handle, display_name.as_deref())
        .await
    {
        Ok(user) => user,
        Err(err @ (PlatformError::HandleTaken(_) | PlatformError::InvalidHandle(_))) => {
            return fail(&format!(
                "You cannot sign in with this account here: {err}."
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let (token, jti) = issue_session(&state, &user)?;
    state
        .db
        .create_atproto_session(&AtprotoSession {
            user_id: user.id,
            session_jti: jti,
            did: session.did,
            issuer: session.issuer,
            pds_url: session.pds,
            token_endpoint: session.token_endpoint,
            revocation_endpoint: session.revocation_endpoint,
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            scope: session.scope,
            expires_at: session.expires_at,
            dpop_key: session.dpop_key,
            dpop_nonce: session.dpop_nonce,
        })
        .await?;
    purge_expired_sessions(&state).await;
    let target = login
        .return_to
        .as_deref()
        .and_then(|raw| parse_return_to(&state, raw))
        .unwrap_or(ReturnTo::Platform("/".into()));
    let mut response = continue_to(&state, &user, &target, None).await?;
    response
        .headers_mut()
        .extend(session_cookie(&state.config, Some(&token), true));
    append_cookie(
        &mut response,
        &format!("{RETURN_COOKIE}=; Path=/; Max-Age=0"),
    );
    append_cookie(&mut response, &state_cookie(&state, None));
    tracing::info!(user = %user.handle, did = ?user.did, "signed in with ATProto");
    Ok(response)
}

/// The display name to store for a signed-in account: its Bluesky profile's `displayName`, the
/// handle when it has none, or `None` (keep what is stored) when the profile cannot be read in
/// time. Never fails the sign-in.
async fn profile_display_name(
    state: &AppState,
    session: &robot_atproto::Session,
) -> Option<String> {
    match tokio::time::timeout(PROFILE_TIMEOUT, state.atproto.display_name(session)).await {
        Ok(Ok(Some(name))) => Some(name),
        Ok(Ok(None)) => Some(session.handle.clone()),
        Ok(Err(err)) => {
            tracing::warn!(did = %session.did, %err, "cannot read the Bluesky profile");
            None
        }
        Err(_) => {
            tracing::warn!(did = %session.did, "reading the Bluesky profile timed out");
            None
        }
    }
}

/// Forgets the ATProto sessions whose platform session has expired: logout can no longer name
/// them, and keeping their tokens serves nothing. Run on each sign-in, so the table stays about
/// one session lifetime long without a background task; a failure only delays the clean-up.
async fn purge_expired_sessions(state: &AppState) {
    let cutoff = chrono::Utc::now()
        .timestamp()
        .saturating_sub(crate::session::SESSION_TTL_SECS);
    match state.db.purge_atproto_sessions(cutoff).await {
        Ok(0) => {}
        Ok(purged) => tracing::debug!(purged, "forgot expired ATProto sessions"),
        Err(err) => tracing::warn!(%err, "cannot purge expired ATProto sessions"),
    }
}

/// Revokes the ATProto tokens issued with the platform session `jti` of `user_id`, if any. Best
/// effort: the stored session is deleted either way, and a slow server cannot hold logout up.
pub async fn revoke_session(state: &AppState, user_id: i64, jti: &str) {
    match state.db.take_atproto_session(user_id, jti).await {
        Ok(Some(stored)) => revoke_tokens(state, stored).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(%err, "cannot load the ATProto session to revoke"),
    }
}

/// Revokes the tokens of an ATProto session already taken from the database. Best effort,
/// bounded by the logout timeout.
pub async fn revoke_tokens(state: &AppState, stored: AtprotoSession) {
    let session = to_client_session(stored);
    match tokio::time::timeout(REVOKE_TIMEOUT, state.atproto.revoke(&session)).await {
        Ok(Ok(())) => tracing::info!(did = %session.did, "revoked the ATProto tokens"),
        Ok(Err(err)) => tracing::warn!(did = %session.did, %err, "ATProto token revocation failed"),
        Err(_) => tracing::warn!(did = %session.did, "ATProto token revocation timed out"),
    }
}

fn to_client_session(s: AtprotoSession) -> robot_atproto::Session {
    robot_atproto::Session {
        did: s.did,
        handle: String::new(),
        issuer: s.issuer,
        pds: s.pds_url,
        token_endpoint: s.token_endpoint,
        revocation_endpoint: s.revocation_endpoint,
        access_token: s.access_token,
        refresh_token: s.refresh_token,
        scope: s.scope,
        expires_at: s.expires_at,
        dpop_key: s.dpop_key,
        dpop_nonce: s.dpop_nonce,
    }
}

/// Sets (or with `None` clears) the cookie binding a login to this browser. SameSite=Lax still
/// sends it on the top-level redirect back from the authorization server.
fn state_cookie(state: &AppState, value: Option<&str>) -> String {
    crate::session::binding_cookie(
        &state.config,
        STATE_COOKIE,
        "/auth/atproto",
        LOGIN_TTL_SECS,
        value,
    )
}

/// The login page again, with the handle kept and the error shown, as a 400.
fn login_failed(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
    handle: &str,
    message: &str,
) -> AppResult<Response> {
    let mut response = render_login(
        state,
        headers,
        None,
        csrf.to_string(),
        handle,
        Some(message),
    )?;
    *response.status_mut() = StatusCode::BAD_REQUEST;
    Ok(response)
}

/// What to tell a person whose login could not start.
fn start_error(input: &str, err: &AtprotoError) -> String {
    match err {
        AtprotoError::InvalidIdentifier(_) => format!(
            "“{input}” is not a Bluesky handle (like alice.bsky.social) or a DID (like did:plc:…)."
        ),
        AtprotoError::HandleNotFound { handle, .. } => format!(
            "We could not find the handle “{handle}”. Check the spelling, or sign in with your DID."
        ),
        AtprotoError::HandleMismatch { handle, .. } => format!(
            "The handle “{handle}” is not confirmed by its own account, so it cannot be used to sign in. Try your DID."
        ),
        AtprotoError::DidNotResolved { .. } | AtprotoError::NoPds(_) => {
            format!("We could not look up that account: {err}.")
        }
        err if err.is_unreachable() => {
            format!("Your Bluesky server (PDS) could not be reached: {err}. Try again later.")
        }
        AtprotoError::BadServerMetadata { .. } | AtprotoError::Forbidden { .. } => {
            format!("That account's sign-in server cannot be used: {err}.")
        }
        _ => format!("The sign-in could not start: {err}."),
    }
}

/// What to tell a person whose callback was refused.
fn finish_error(err: &AtprotoError) -> String {
    match err {
        AtprotoError::BadCallback(_) => {
            format!("The sign-in response was refused: {err}. Please sign in again.")
        }
        err if err.is_unreachable() => format!(
            "Your Bluesky server (PDS) could not be reached to finish the sign-in: {err}. Try again later."
        ),
        _ => format!("The sign-in could not be completed: {err}. Please sign in again."),
    }
}
