//! The smart HTTP endpoints. The context resolver has already checked that git access is on and
//! who is asking; these check what the request may do, then hand it to git.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use robot_store::human_bytes;

use super::body::{self, BodyError};
use super::runner::GitError;
use super::service::{FLUSH, Service, pkt_line};
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::redirect;
use crate::state::AppState;

/// Largest fetch negotiation (wants and haves) accepted.
const MAX_NEGOTIATION_BYTES: u64 = 16 * 1024 * 1024;
/// Largest push accepted from a wiki without a quota.
const MAX_PUSH_BYTES: u64 = 1024 * 1024 * 1024;

/// `GET /.git`: people who open the clone URL in a browser land on the wiki.
pub async fn home() -> Response {
    redirect("/")
}

/// `/.git/…` paths of the "dumb" protocol (`HEAD`, `objects/…`): not served, with a reason.
pub async fn dumb_protocol() -> AppError {
    AppError::NotFound(
        "This server speaks git's smart HTTP protocol only: clone with git 1.6.6 or newer from the /.git URL."
            .into(),
    )
}

/// `GET /.git/info/refs?service=…`: the ref advertisement that starts every clone, fetch and push.
pub async fn info_refs(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let service = Service::from_query(req.uri().query())?;
    authorize(&ctx, service)?;
    let v2 = service == Service::UploadPack && wants_protocol_v2(req.headers());
    let refs = state
        .git
        .advertise(ctx.wiki.slug.as_str(), service, ctx.repo.path(), v2)
        .await
        .map_err(git_failure)?;
    // Protocol v0 opens with a service line; v2 starts with its capabilities.
    let mut body = Vec::with_capacity(refs.len() + 64);
    if !v2 {
        body.extend(pkt_line(&format!("# service={}\n", service.wire_name())));
        body.extend_from_slice(FLUSH);
    }
    body.extend(refs);
    Ok(git_response(service.advertisement_type(), Body::from(body)))
}

/// `POST /.git/git-upload-pack`: sends the objects a clone or fetch asked for.
pub async fn upload_pack(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let service = Service::UploadPack;
    authorize(&ctx, service)?;
    require_request_type(req.headers(), service)?;
    let v2 = wants_protocol_v2(req.headers());
    let (parts, request_body) = req.into_parts();
    let idle = state.git.idle_timeout();
    let request = body::read(request_body, &parts.headers, MAX_NEGOTIATION_BYTES, idle)
        .await
        .map_err(|err| match err {
            BodyError::TooLarge => AppError::TooLarge(format!(
                "The fetch request is over {}.",
                human_bytes(MAX_NEGOTIATION_BYTES)
            )),
            BodyError::Stalled(idle) => stalled(idle),
            BodyError::Invalid(why) => AppError::BadRequest(why),
        })?;
    let slot = state
        .git
        .slot(ctx.wiki.slug.as_str())
        .await
        .map_err(git_failure)?;
    let pack = state
        .git
        .upload_pack(slot, ctx.repo.path(), v2, request)
        .map_err(git_failure)?;
    Ok(git_response(service.result_type(), pack))
}

/// `POST /.git/git-receive-pack`: a push. The pack is admitted against the quota before git
/// sees it; git and the pre-receive hook then decide ref by ref, under the wiki's writer lock,
/// and the hook checks what the push wrote against the quota before any ref moves.
pub async fn receive_pack(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let service = Service::ReceivePack;
    authorize(&ctx, service)?;
    require_request_type(req.headers(), service)?;
    let room = {
        let repo = Arc::clone(&ctx.repo);
        tokio::task::spawn_blocking(move || repo.push_room()).await??
    };
    let limit = room.map_or(MAX_PUSH_BYTES, |room| room.min(MAX_PUSH_BYTES));
    let (parts, request_body) = req.into_parts();
    let idle = state.git.idle_timeout();
    let request = body::read(request_body, &parts.headers, limit, idle)
        .await
        .map_err(|err| match (err, room) {
            (BodyError::TooLarge, Some(room)) => AppError::OverQuota(format!(
                "This push does not fit the wiki's storage quota: {} is left. Nothing was changed.",
                human_bytes(room)
            )),
            (BodyError::TooLarge, None) => AppError::TooLarge(format!(
                "Pushes are limited to {} at a time.",
                human_bytes(MAX_PUSH_BYTES)
            )),
            (BodyError::Stalled(idle), _) => stalled(idle),
            (BodyError::Invalid(why), _) => AppError::BadRequest(why),
        })?;
    let slot = state
        .git
        .slot(ctx.wiki.slug.as_str())
        .await
        .map_err(git_failure)?;
    let runner = state.git.clone();
    let repo = Arc::clone(&ctx.repo);
    let pushed = tokio::task::spawn_blocking(move || {
        let path = repo.path().to_path_buf();
        let size = request.len() as u64;
        repo.receive_push(size, |budget| {
            runner.receive_pack(slot, &path, budget, request)
        })
    })
    .await??;
    let (report, outcome) = pushed;
    let report = report.map_err(git_failure)?;
    tracing::info!(
        wiki = ctx.wiki.slug.as_str(),
        token = ctx.token.as_ref().map(|t| t.name.as_str()),
        before = ?outcome.before,
        after = ?outcome.after,
        "git push"
    );
    Ok(git_response(service.result_type(), Body::from(report)))
}

/// Clone and fetch need read access; a push needs a token that may edit pages and upload files
/// (a push can bring both). A browser session never counts here: the resolver ignores cookies.
fn authorize(ctx: &WikiCtx, service: Service) -> AppResult<()> {
    let challenge = |what: &str| {
        AppError::LoginRequired(format!(
            "{what} needs a token of this wiki as the password: \
             git clone https://token:YOUR_TOKEN@{}/.git (tokens are on the wiki's dashboard page).",
            ctx.url
                .split_once("://")
                .map_or(ctx.url.as_str(), |(_, host)| host)
        ))
    };
    let token = ctx.token.as_ref();
    match service {
        Service::UploadPack if ctx.perms.read => Ok(()),
        Service::UploadPack => match token {
            Some(token) => Err(AppError::Forbidden(format!(
                "The {} token “{}” may not read this wiki.",
                token.role, token.name
            ))),
            None => Err(challenge("Cloning this wiki")),
        },
        Service::ReceivePack => match token {
            None => Err(challenge("Pushing")),
            Some(_) if ctx.perms.write && ctx.perms.upload => Ok(()),
            Some(token) => Err(AppError::Forbidden(format!(
                "The {} token “{}” may not push: pushing needs a token that may edit pages and upload attachments.",
                token.role, token.name
            ))),
        },
    }
}

/// Refuses POSTs without git's content type: a cross-site form cannot send it, and a request
/// without it is not from git.
fn require_request_type(headers: &HeaderMap, service: Service) -> AppResult<()> {
    let expected = service.request_type();
    let sent = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sent.split(';').next().unwrap_or_default().trim() == expected {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "Expected Content-Type {expected}: this address is for git clients."
        )))
    }
}

/// Whether the client asked for protocol v2 (`Git-Protocol: version=2`).
fn wants_protocol_v2(headers: &HeaderMap) -> bool {
    headers
        .get("git-protocol")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(':').any(|part| part.trim() == "version=2"))
}

fn git_response(content_type: String, body: Body) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A request body that stopped arriving.
fn stalled(idle: std::time::Duration) -> AppError {
    AppError::BadRequest(format!(
        "The request stopped arriving for {} s and was cut off; check the connection and try again.",
        idle.as_secs().max(1)
    ))
}

fn git_failure(err: GitError) -> AppError {
    match err {
        GitError::NotInstalled | GitError::Busy => AppError::Unavailable(err.to_string()),
        other => AppError::internal(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_protocol_v2_among_other_parameters() {
        let mut headers = HeaderMap::new();
        assert!(!wants_protocol_v2(&headers));
        headers.insert("git-protocol", HeaderValue::from_static("version=2"));
        assert!(wants_protocol_v2(&headers));
        headers.insert(
            "git-protocol",
            HeaderValue::from_static("object-format=sha1:version=2"),
        );
        assert!(wants_protocol_v2(&headers));
        headers.insert("git-protocol", HeaderValue::from_static("version=1"));
        assert!(!wants_protocol_v2(&headers));
    }

    #[test]
    fn requests_need_gits_content_type() {
        let mut headers = HeaderMap::new();
        assert!(require_request_type(&headers, Service::UploadPack).is_err());
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-git-upload-pack-request"),
        );
        assert!(require_request_type(&headers, Service::UploadPack).is_ok());
        assert!(require_request_type(&headers, Service::ReceivePack).is_err());
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert!(require_request_type(&headers, Service::UploadPack).is_err());
    }
}
