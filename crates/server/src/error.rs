//! Errors every handler can return, shown as an HTML page to browsers and as JSON to API clients.
//!
//! Handlers do not know what the client accepts, so an error becomes a response carrying an
//! [`ErrorInfo`] extension; the `negotiate` middleware turns it into HTML, JSON or a login redirect
//! once it can see the request's `Accept` header.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use robot_store::StoreError;

/// A failure that a user or client can see, with a stable machine code and a human message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed; the message says how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// Signing in would help: no session, and the wiki does not admit anonymous visitors.
    #[error("{0}")]
    LoginRequired(String),
    /// A bearer token was sent but is not valid (unknown, revoked or malformed).
    #[error("{0}")]
    InvalidToken(String),
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// A write lost a race or its base revision conflicts with newer edits.
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// The change would take the wiki over its quota; nothing was written.
    #[error("{0}")]
    OverQuota(String),
    /// Too many requests of one kind from one client; `Retry-After` says when to come back.
    #[error("{message}")]
    RateLimited {
        /// What happened and when to retry.
        message: String,
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// Our fault; details go to the log, not to the client.
    /// A service the request needs is missing on this server (e.g. git): 503.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What the negotiation middleware needs to render an error.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// Human message.
    pub message: String,
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::LoginRequired(_) => (StatusCode::UNAUTHORIZED, "login_required"),
            AppError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            AppError::OverQuota(_) => (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded"),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Shorthand for an internal error from anything displayable.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{err}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = match &self {
            AppError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "request failed");
                "Something went wrong on our side. Please try again; if it persists, tell the operator."
                    .to_string()
            }
            other => other.to_string(),
        };
        let mut response = (status, message.clone()).into_response();
        if let AppError::RateLimited { retry_after, .. } = &self {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response.extensions_mut().insert(ErrorInfo {
            status,
            code,
            message,
        });
        response
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::WikiNotFound(_)
            | StoreError::NotFound(_)
            | StoreError::RevisionNotFound(_) => AppError::NotFound(err.to_string()),
            StoreError::InvalidPath(_) | StoreError::InvalidRevision(_) => {
                AppError::BadRequest(err.to_string())
            }
            StoreError::PageExists(_) | StoreError::WikiExists(_) | StoreError::Conflict { .. } => {
                AppError::Conflict(err.to_string())
            }
            StoreError::OverQuota(_) => AppError::OverQuota(capitalized(&err.to_string())),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<robot_platform::PlatformError> for AppError {
    fn from(err: robot_platform::PlatformError) -> Self {
        use robot_platform::PlatformError as P;
        match err {
            P::NotFound(_) => AppError::NotFound(err.to_string()),
            P::UserExists(_)
            | P::WikiExists(_)
            | P::TokenExists(_)
            | P::HandleTaken(_)
            | P::ClientIdTaken(_) => AppError::Conflict(err.to_string()),
            P::InvalidHandle(_)
            | P::InvalidSlug(_)
            | P::InvalidRole
            | P::InvalidTokenName(_)
            | P::InvalidAccessLifetime(_) => AppError::BadRequest(err.to_string()),
            P::Db(_) | P::Migrate(_) => AppError::Internal(anyhow::Error::new(err)),
        }
    }
}

impl From<robot_wiki::PageNameError> for AppError {
    fn from(err: robot_wiki::PageNameError) -> Self {
        AppError::BadRequest(format!("Invalid page name: {err}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::internal(err)
    }
}

/// Store messages are written to follow a colon; shown alone they start a sentence.
fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Result type of handlers.
pub type AppResult<T> = Result<T, AppError>;
