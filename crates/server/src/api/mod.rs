//! The REST API at `/api/v1` on every wiki host, compatible with the otterwiki-api endpoints
//! (health, pages, search, links, changelog, attachments, rename) and extended with pagination,
//! diffs, sections, orphans and `whoami`.
//!
//! - Every endpoint is a row of [`routes::ENDPOINTS`]; [`router`] dispatches through that table
//!   and `GET /api/v1/openapi.json` is generated from it ([`openapi`]).
//! - Handlers only translate HTTP to [`crate::notes`] calls and back; permissions, validation,
//!   concurrency and commit messages live in the service, shared with MCP.
//! - Authentication is the wiki context's: `Authorization: Bearer <per-wiki token>` or the
//!   platform session cookie (cookie requests that change something also need the CSRF token in
//!   `X-CSRF-Token`, like the web UI's scripts).
//! - Errors are JSON `{error, message}` with a stable code ([`error`]).

pub mod error;
mod handlers;
pub mod input;
pub mod matcher;
pub mod openapi;
pub mod routes;
mod schemas;

use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::context::WikiCtx;
use crate::notes::{Notes, NotesError, Surface};
use crate::state::AppState;
use error::ApiError;
use input::{MAX_BODY_BYTES, Query};
use matcher::{Matched, Params, find};
use routes::{Access, Endpoint};

/// The API's routes, to be nested at `/api/v1` behind the CSRF guard and the context resolver.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", any(dispatch))
        .route("/{*rest}", any(dispatch))
}

/// One API call, parsed: the wiki's URL, the service, the path parameters, the query and the
/// raw body.
pub(crate) struct Call<'a> {
    pub(crate) wiki_url: String,
    pub(crate) notes: Notes<'a>,
    pub(crate) params: Params,
    pub(crate) query: Query,
    pub(crate) body: Bytes,
}

async fn dispatch(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = Query::parse(req.uri().query().unwrap_or(""));
    let (endpoint, params) = match find(&method, &path) {
        Matched::Found(endpoint, params) => (endpoint, params),
        Matched::MethodNotAllowed(allowed) => {
            return ApiError::MethodNotAllowed(allowed).into_response();
        }
        Matched::NotFound => {
            return ApiError::from(NotesError::NotFound {
                code: "unknown_endpoint",
                message: format!(
                    "There is no API endpoint {method} /api/v1{path}; see /api/v1/openapi.json \
                     for the list."
                ),
            })
            .into_response();
        }
    };
    // The route's permission is checked before the body is read, so a caller who may not do
    // this learns nothing from validation errors; the service checks again.
    let allowed = match endpoint.access {
        Access::Public => Ok(()),
        Access::Read => ctx.require_read(),
        Access::Write => ctx.require_write(),
        Access::Upload => ctx.require_upload(),
    };
    if let Err(err) = allowed {
        return ApiError::from(NotesError::from(err)).into_response();
    }
    let body = match read_body(endpoint, req).await {
        Ok(body) => body,
        Err(err) => return err.into_response(),
    };
    let call = Call {
        wiki_url: state.config.wiki_url(ctx.wiki.slug.as_str()),
        notes: Notes::new(&state, &ctx, Surface::Api),
        params,
        query,
        body,
    };
    match handlers::handle(endpoint, &call).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// The request body, for endpoints that take one.
async fn read_body(endpoint: &Endpoint, req: Request) -> Result<Bytes, ApiError> {
    if endpoint.body.is_none() {
        return Ok(Bytes::new());
    }
    to_bytes(req.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::from(NotesError::TooLarge(format!(
                "Request body too large or interrupted (limit {} MiB).",
                MAX_BODY_BYTES / 1024 / 1024
            )))
        })
}
