//! Wiki-host views. Routes follow An Otter Wiki: special pages under `/-/…`, every other path is a
//! page, and page actions are path suffixes (`/Page/edit`, `/Page/diff/A/B`, …).

pub mod admin;
pub mod atproto;
pub mod attachments;
pub mod changelog;
pub mod collaborators;
pub mod edit;
pub mod handoff;
pub mod helpers;
pub mod history;
pub mod index;
pub mod manage;
pub mod page;
pub mod platform;
pub mod route;
pub mod search;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::Method;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, extract::FromRequest};

use crate::context::{WikiCtx, resolve_wiki};
use crate::error::{AppError, AppResult};
use crate::limits::{RateLimitLayer, Scope};
use crate::state::AppState;
use route::{PageAction, parse_page_route};

/// All routes of a wiki host, behind the CSRF guard and the context resolver.
pub fn wiki_router(state: AppState) -> Router {
    Router::new()
        .route("/-/static/{*path}", get(crate::assets::serve))
        .route("/favicon.ico", get(crate::assets::favicon))
        .route("/-/healthz", get(platform::healthz))
        .route("/-/auth/login", get(handoff::start))
        .route(
            "/-/auth/handoff/{token}",
            get(handoff::redeem).route_layer(RateLimitLayer::new(&state, Scope::Login)),
        )
        .route("/-/logout", post(platform::wiki_logout))
        .route("/-/create", get(manage::create_form).post(manage::create))
        .route("/-/index", get(index::page_index))
        .route("/-/changelog", get(changelog::changelog))
        .route("/-/changelog/feed.rss", get(changelog::rss))
        .route("/-/changelog/feed.atom", get(changelog::atom))
        .route("/-/commit/{rev}", get(history::commit))
        .route(
            "/-/revert/{rev}",
            get(history::revert_form).post(history::revert),
        )
        .route("/-/search", get(search::search))
        .route(
            "/-/admin",
            get(admin::settings_form).post(admin::save_settings),
        )
        .route("/-/admin/members", post(collaborators::set_member))
        .route(
            "/-/admin/members/remove",
            post(collaborators::remove_member),
        )
        .route("/-/admin/requests", post(collaborators::answer_request))
        .route(
            "/-/request-access",
            get(collaborators::request_form).post(collaborators::request_access),
        )
        .route(
            "/-/oauth/authorize",
            get(crate::oauth::authorize::show).merge(
                post(crate::oauth::authorize::decide)
                    .route_layer(RateLimitLayer::new(&state, Scope::Login)),
            ),
        )
        .route("/robots.txt", get(platform::robots))
        .nest("/api/v1", crate::api::router())
        .route("/", get(page::home))
        .route(PAGE_ROUTE, get(page_get).post(page_post))
        // Inside the resolver, so token writes count per token; per route, so `rate_scope` sees
        // which route matched.
        .layer(RateLimitLayer::by_action(&state, rate_scope))
        .layer(middleware::from_fn_with_state(state.clone(), resolve_wiki))
        .layer(middleware::from_fn(crate::csrf::protect))
        .with_state(state.clone())
        // `/mcp` (and its discovery document) has its own bearer-only guard in front of the
        // context resolver, and no CSRF guard: it never reads cookies. Its exact paths win over
        // the `/{*path}` page catch-all.
        .merge(crate::mcp::router(state.clone()))
        // The OAuth endpoints for machines (metadata, register, token, revoke): clients
        // authenticate with their own credentials, never cookies.
        .merge(crate::oauth::router(state.clone()))
        // Git smart HTTP, likewise outside the CSRF guard: it never reads cookies either.
        .merge(crate::git_http::router(state))
}

/// The catch-all route of pages and their actions (`/Page/edit`, `/Page/preview`, …).
const PAGE_ROUTE: &str = "/{*path}";

/// What a wiki-host request costs, for its rate limit: decided by the route it matched and its
/// method, never by how its path ends (`PUT /api/v1/pages/X/preview` writes a page named
/// `preview`). The editor's live preview renders and changes nothing, so it spends the render
/// budget; every other unsafe request spends the write budget; safe methods spend none.
fn rate_scope(req: &Request) -> Option<Scope> {
    if req.method().is_safe() {
        return None;
    }
    let is_page_route = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|matched| matched.as_str() == PAGE_ROUTE);
    if is_page_route && req.method() == Method::POST {
        let path = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8_lossy();
        if parse_page_route(path.trim_start_matches('/'))
            .is_ok_and(|route| matches!(route.action, PageAction::Preview))
        {
            return Some(Scope::Render);
        }
    }
    Some(Scope::Write)
}

async fn page_get(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(path): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let route = parse_page_route(&path)?;
    let query = req.uri().query().unwrap_or("").to_string();
    let page = route.page;
    match route.action {
        PageAction::View => {
            let if_none_match = page::if_none_match(&req);
            page::view(&state, &ctx, &path, page, &query, if_none_match.as_deref()).await
        }
        PageAction::Edit => edit::edit_form(&state, &ctx, page).await,
        PageAction::History => match history::compare_redirect(&page, &query) {
            Some(redirect) => Ok(redirect),
            None => history::history(&state, &ctx, page).await,
        },
        PageAction::Diff(a, b) => history::diff(&state, &ctx, page, &a, &b).await,
        PageAction::Blame => history::blame(&state, &ctx, page).await,
        PageAction::Source => page::source(&state, &ctx, page, &query).await,
        PageAction::Raw => page::raw(&ctx, page, &query).await,
        PageAction::Rename => manage::rename_form(&state, &ctx, page).await,
        PageAction::Delete => manage::delete_form(&state, &ctx, page).await,
        PageAction::Attachments => attachments::list(&state, &ctx, page).await,
        PageAction::Attachment(name) => attachments::manage_form(&state, &ctx, page, &name).await,
        PageAction::AttachmentRaw(name) => {
            attachments::raw(&state, &ctx, page, &name, &query).await
        }
        PageAction::Save | PageAction::Preview | PageAction::InlineAttachment => Err(
            AppError::BadRequest("This address only accepts form submissions (POST).".into()),
        ),
    }
}

async fn page_post(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(path): Path<String>,
    req: Request,
) -> AppResult<Response> {
    if req.method() != Method::POST {
        return Err(AppError::BadRequest("Unsupported method.".into()));
    }
    let route = parse_page_route(&path)?;
    let page = route.page;
    match route.action {
        PageAction::Save => edit::save(&state, &ctx, page, form(req).await?).await,
        PageAction::Preview => edit::preview(&ctx, page, form(req).await?).await,
        PageAction::InlineAttachment => {
            attachments::inline_upload(&state, &ctx, page, multipart(req).await?).await
        }
        PageAction::Rename => manage::rename(&state, &ctx, page, form(req).await?).await,
        PageAction::Delete => manage::delete(&state, &ctx, page, form(req).await?).await,
        PageAction::Attachments => {
            attachments::upload(&state, &ctx, page, multipart(req).await?).await
        }
        PageAction::Attachment(name) => attachments::manage(&state, &ctx, page, &name, req).await,
        _ => Err(AppError::BadRequest(
            "This address does not accept form submissions.".into(),
        )),
    }
}

/// A url-encoded form as ordered key/value pairs.
pub type Form = Vec<(String, String)>;

/// Reads a url-encoded form.
pub async fn form(req: Request) -> AppResult<Form> {
    let axum::Form(pairs): axum::Form<Vec<(String, String)>> = axum::Form::from_request(req, &())
        .await
        .map_err(|err| AppError::BadRequest(format!("Could not read the form: {err}")))?;
    Ok(pairs)
}

async fn multipart(req: Request) -> AppResult<axum::extract::Multipart> {
    axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|err| AppError::BadRequest(format!("Expected a file upload form: {err}")))
}

/// The commit message the user typed, or `default()` when they left it blank.
pub fn commit_message(form: &Form, default: impl FnOnce() -> String) -> String {
    field(form, "message")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .unwrap_or_else(default)
}

/// The first value of `name` in a form.
pub fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl From<route::RouteError> for AppError {
    fn from(err: route::RouteError) -> Self {
        AppError::BadRequest(err.to_string())
    }
}
