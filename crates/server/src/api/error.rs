//! REST errors: always JSON `{error, message, …}` with a stable `error` code, whatever the client
//! accepts (API clients never get the browser's HTML pages or login redirects).

use axum::Json;
use axum::http::header::{ALLOW, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::notes::NotesError;

/// A failed API call.
#[derive(Debug)]
pub enum ApiError {
    /// Anything the notes service (or input parsing) refused.
    Notes(NotesError),
    /// The path exists, but not for this method.
    MethodNotAllowed(Vec<&'static str>),
}

impl From<NotesError> for ApiError {
    fn from(err: NotesError) -> Self {
        ApiError::Notes(err)
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// The HTTP status for a notes error.
pub fn status(err: &NotesError) -> StatusCode {
    match err {
        NotesError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        NotesError::Forbidden(_) => StatusCode::FORBIDDEN,
        NotesError::NotFound { .. } => StatusCode::NOT_FOUND,
        NotesError::Invalid { .. } | NotesError::SectionNotFound { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        NotesError::TooLarge(_) | NotesError::OverQuota(_) => StatusCode::PAYLOAD_TOO_LARGE,
        NotesError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        NotesError::RevisionRequired(_) | NotesError::Exists(_) | NotesError::Conflict(_) => {
            StatusCode::CONFLICT
        }
        NotesError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        NotesError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON body for a notes error.
pub fn body(err: &NotesError) -> Value {
    let message = match err {
        NotesError::Internal(inner) => {
            tracing::error!(error = %format!("{inner:#}"), "API request failed");
            "Something went wrong on our side. Please try again; if it persists, tell the operator."
                .to_string()
        }
        other => other.to_string(),
    };
    let mut body = json!({ "error": err.code(), "message": message });
    match err {
        NotesError::Conflict(info) => {
            body["current_revision"] = json!(info.current_revision);
            body["diff"] = json!(info.diff);
            body["paths"] = json!(info.paths);
        }
        NotesError::SectionNotFound { available, .. } => {
            body["available_sections"] = json!(available);
        }
        NotesError::RateLimited { retry_after, .. } => {
            body["retry_after"] = json!(retry_after);
        }
        _ => {}
    }
    body
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Notes(err) => {
                let mut response = (status(&err), Json(body(&err))).into_response();
                if matches!(err, NotesError::Unauthenticated { .. }) {
                    response
                        .headers_mut()
                        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                if let NotesError::RateLimited { retry_after, .. } = err {
                    response
                        .headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from(retry_after));
                }
                response
            }
            ApiError::MethodNotAllowed(allowed) => {
                let list = allowed.join(", ");
                let mut response = (
                    StatusCode::METHOD_NOT_ALLOWED,
                    Json(json!({
                        "error": "method_not_allowed",
                        "message": format!("This endpoint accepts {list}; see /api/v1/openapi.json."),
                    })),
                )
                    .into_response();
                if let Ok(value) = HeaderValue::from_str(&list) {
                    response.headers_mut().insert(ALLOW, value);
                }
                response
            }
        }
    }
}
