//! Page view, source and raw text. A page URL may also name an attachment or a folder.

use std::sync::Arc;

use askama::Template as _;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use robot_platform::policy::AccessLevel;
use robot_store::CommitId;
use robot_wiki::{PagePath, RenderOptions, render};

use super::helpers::{
    blocking, catalog, change_row, page_title, query_param, read_text, resolve_revision,
    wiki_chrome,
};
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::{page as html_page, page_with_status};
use crate::state::AppState;
use crate::templates::{FolderTpl, MissingTpl, PageTpl, SourceTpl};
use crate::view_cache::{matches, view_etag};

/// `GET /`: the Home page.
pub async fn home(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let query = req.uri().query().unwrap_or("").to_string();
    let if_none_match = if_none_match(&req);
    view(
        &state,
        &ctx,
        "Home",
        PagePath::home(),
        &query,
        if_none_match.as_deref(),
    )
    .await
}

/// The request's `If-None-Match` header, when it is text.
pub fn if_none_match(req: &Request) -> Option<String> {
    req.headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `GET /{page}`: the rendered page, an attachment, a folder listing, or a "create it" page.
pub async fn view(
    state: &AppState,
    ctx: &WikiCtx,
    raw_path: &str,
    page: PagePath,
    query: &str,
    if_none_match: Option<&str>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let revision = match query_param(query, "revision") {
        Some(rev) => Some(resolve_revision(ctx, &rev).await?),
        None => None,
    };
    // A view of the head has a validator before any work is done (see `view_cache`). The head
    // is read here, not on the blocking pool: it is one small file from the page cache, and the
    // trip to the pool cost a cached view more than the read.
    let validator = match &revision {
        Some(_) => None,
        None => ctx
            .repo
            .head()?
            .and_then(|head| view_etag(ctx, &head, raw_path, query).map(|etag| (etag, head))),
    };
    if let Some((etag, _)) = &validator {
        if if_none_match.is_some_and(|tags| matches(tags, etag)) {
            return Ok(with_validator(
                StatusCode::NOT_MODIFIED.into_response(),
                ctx,
                etag,
            ));
        }
        if let Some(body) = state.views.get(etag) {
            return Ok(with_validator(Html(body).into_response(), ctx, etag));
        }
    }
    let lookup = page.clone();
    let at = revision
        .clone()
        .or_else(|| validator.as_ref().map(|(_, head)| head.clone()));
    let resolve_at = at.clone();
    let found = blocking(&ctx.repo, move |repo| {
        repo.resolve_page(&lookup, resolve_at.as_ref())
    })
    .await?;
    let Some(path) = found else {
        if let Some(response) =
            super::attachments::serve_by_page_url(state, ctx, raw_path, query).await?
        {
            return Ok(response);
        }
        return folder_or_missing(state, ctx, page).await;
    };
    let Some((markdown, blob_id)) = read_text(ctx, &path, at.clone()).await? else {
        return folder_or_missing(state, ctx, page).await;
    };
    let rendered = {
        let repo = Arc::clone(&ctx.repo);
        let renders = Arc::clone(&state.renders);
        let page = page.clone();
        tokio::task::spawn_blocking(move || {
            // Missing-link styling follows the current head, also for old revisions.
            let exists = |p: &PagePath| matches!(repo.resolve_page(p, None), Ok(Some(_)));
            renders.get_or_render(&page, &blob_id, &exists, |exists| {
                render(
                    &markdown,
                    &RenderOptions {
                        page: Some(&page),
                        page_exists: exists,
                    },
                )
            })
        })
        .await?
    };
    let title = rendered
        .title
        .clone()
        .unwrap_or_else(|| page_title(&page, None));
    let log_path = path.clone();
    let last = blocking(&ctx.repo, move |repo| repo.last_change(&log_path)).await?;
    let mut chrome = wiki_chrome(state, ctx, &title, Some(&page)).await?;
    let (html, lifted) = lift_leading_h1(&rendered.html);
    chrome.toc = rendered
        .toc
        .iter()
        .skip(usize::from(
            lifted && rendered.toc.first().is_some_and(|t| t.level == 1),
        ))
        .cloned()
        .collect();
    chrome.requires_mermaid = rendered.requires_mermaid;
    chrome.noindex = revision.is_some();
    let template = PageTpl {
        chrome,
        title: match &revision {
            Some(rev) => format!("{title} ({})", rev.short()),
            None => title,
        },
        page_url: page.url(),
        html: html.to_string(),
        revision: revision.map(|r| r.short().to_string()),
        last_change: last.as_ref().map(change_row),
    };
    let Some((etag, _)) = validator else {
        return html_page(&template);
    };
    let body = Bytes::from(template.render().map_err(AppError::internal)?);
    state.views.put(etag.clone(), body.clone());
    Ok(with_validator(Html(body).into_response(), ctx, &etag))
}

/// Adds the view's `ETag`, and asks caches to revalidate: publicly readable wikis may be
/// stored by shared caches, the others only by the browser.
fn with_validator(mut response: Response, ctx: &WikiCtx, etag: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, value);
    }
    let public = ctx.user.is_none() && ctx.wiki.access.read == AccessLevel::Anonymous;
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "no-cache"
        } else {
            "private, no-cache"
        }),
    );
    response
}

async fn folder_or_missing(state: &AppState, ctx: &WikiCtx, page: PagePath) -> AppResult<Response> {
    let lookup = page.clone();
    let dir = blocking(&ctx.repo, move |repo| repo.is_dir(&lookup, None)).await?;
    let title = page_title(&page, None);
    let chrome = wiki_chrome(state, ctx, &title, Some(&page)).await?;
    if dir.is_some() {
        let files = blocking(&ctx.repo, |repo| repo.files(None)).await?;
        let prefix = format!("{}/", page.url());
        let entries = catalog(&files)
            .into_iter()
            .filter(|e| e.url.starts_with(&prefix))
            .collect();
        return html_page(&FolderTpl {
            chrome,
            title,
            page_url: page.url(),
            entries,
        });
    }
    page_with_status(
        StatusCode::NOT_FOUND,
        &MissingTpl {
            chrome,
            title,
            name: page.to_string(),
            page_url: page.url(),
        },
    )
}

/// `GET /{page}/source`: the markdown, highlighted in the browser.
pub async fn source(
    state: &AppState,
    ctx: &WikiCtx,
    page: PagePath,
    query: &str,
) -> AppResult<Response> {
    ctx.require_read()?;
    let (content, revision) = markdown_at(ctx, &page, query).await?;
    let title = page_title(&page, Some(&content));
    let chrome = wiki_chrome(state, ctx, &format!("Source of {title}"), Some(&page)).await?;
    html_page(&SourceTpl {
        chrome,
        title,
        page_url: page.url(),
        content,
        revision: revision.map(|r| r.short().to_string()),
    })
}

/// `GET /{page}/raw`: the markdown as plain text.
pub async fn raw(ctx: &WikiCtx, page: PagePath, query: &str) -> AppResult<Response> {
    ctx.require_read()?;
    let (content, _) = markdown_at(ctx, &page, query).await?;
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], content).into_response())
}

async fn markdown_at(
    ctx: &WikiCtx,
    page: &PagePath,
    query: &str,
) -> AppResult<(String, Option<CommitId>)> {
    let revision = match query_param(query, "revision") {
        Some(rev) => Some(resolve_revision(ctx, &rev).await?),
        None => None,
    };
    let lookup = page.clone();
    let at = revision.clone();
    let path = blocking(&ctx.repo, move |repo| {
        repo.resolve_page(&lookup, at.as_ref())
    })
    .await?
    .ok_or_else(|| crate::error::AppError::NotFound(format!("There is no page “{page}”.")))?;
    let (content, _) = read_text(ctx, &path, revision.clone())
        .await?
        .ok_or_else(|| crate::error::AppError::NotFound(format!("There is no page “{page}”.")))?;
    Ok((content, revision))
}

/// Removes a leading `<h1>` from rendered content: the page header already shows it as the
/// title, next to the page actions. Returns the rest and whether a heading was removed.
fn lift_leading_h1(html: &str) -> (&str, bool) {
    let trimmed = html.trim_start();
    if !trimmed.starts_with("<h1") {
        return (html, false);
    }
    match trimmed.find("</h1>") {
        Some(end) => (&trimmed[end + "</h1>".len()..], true),
        None => (html, false),
    }
}

#[cfg(test)]
mod tests {
    use super::lift_leading_h1;

    #[test]
    fn lifts_only_a_leading_h1() {
        assert_eq!(
            lift_leading_h1("<h1 id=\"a\">A</h1>\n<p>x</p>"),
            ("\n<p>x</p>", true)
        );
        assert_eq!(
            lift_leading_h1("<p>x</p><h1>A</h1>"),
            ("<p>x</p><h1>A</h1>", false)
        );
    }
}
