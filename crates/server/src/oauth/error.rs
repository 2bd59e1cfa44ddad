//! Errors of the machine-facing OAuth endpoints, as RFC 6749 §5.2 JSON
//! (`{error, error_description}`), never negotiated into HTML or a login redirect.

use axum::Json;
use axum::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use robot_platform::PlatformError;
use serde_json::json;

/// An OAuth error response.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            status,
            code,
            description: description.into(),
        }
    }

    /// 400 `invalid_request`: a parameter is missing or malformed.
    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 401 `invalid_client`: unknown client, or its credentials are wrong.
    pub fn invalid_client(description: impl Into<String>) -> OAuthError {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// 400 `invalid_grant`: the code or refresh token is unknown, used, expired or not this
    /// client's, or the PKCE verifier or redirect URI does not match.
    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> OAuthError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    /// 400 `invalid_redirect_uri` (RFC 7591).
    pub fn invalid_redirect_uri(description: impl Into<String>) -> OAuthError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_redirect_uri", description)
    }

    /// 400 `invalid_client_metadata` (RFC 7591).
    pub fn invalid_client_metadata(description: impl Into<String>) -> OAuthError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            description,
        )
    }

    /// 400 `invalid_target` (RFC 8707): the resource is not one this server issues tokens for,
    /// or not the one the grant was approved for.
    pub fn invalid_target(description: impl Into<String>) -> OAuthError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_target", description)
    }

    /// 404: the host names no wiki.
    pub fn no_wiki() -> OAuthError {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is no wiki here.")
    }
}

impl From<PlatformError> for OAuthError {
    fn from(err: PlatformError) -> OAuthError {
        tracing::error!(error = %err, "oauth endpoint failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The server could not complete the request; try again later.",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.code, "error_description": self.description });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"oauth\""),
            );
        }
        response
    }
}
