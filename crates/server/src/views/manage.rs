//! Creating, renaming and deleting pages.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;
use robot_wiki::PagePath;

use super::helpers::{blocking, existing_page, page_title, read_text, wiki_chrome};
use super::{Form, commit_message, field};
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::{page, redirect, redirect_with_flash};
use crate::state::AppState;
use crate::templates::{CreateTpl, DeleteTpl, RenameTpl};

/// `GET /-/create`.
pub async fn create_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
) -> AppResult<Response> {
    ctx.require_write()?;
    let chrome = wiki_chrome(&state, &ctx, "Create a page", None).await?;
    page(&CreateTpl {
        chrome,
        pagename: String::new(),
    })
}

/// `POST /-/create`: sanitises the name and opens the editor (or the page, if it exists).
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_write()?;
    let form: Form = super::form(req).await?;
    let typed = field(&form, "pagename")
        .unwrap_or_default()
        .trim()
        .to_string();
    let parsed = PagePath::parse(&typed);
    let page_path = match parsed {
        Ok(p) if p.to_string() == typed => p,
        other => {
            let mut chrome = wiki_chrome(&state, &ctx, "Create a page", None).await?;
            let (suggestion, message) = match other {
                Ok(p) => (
                    p.to_string(),
                    format!(
                        "“{typed}” is not a valid page name as typed; we suggest “{p}”. Submit again to use it."
                    ),
                ),
                Err(err) => (
                    String::new(),
                    format!("That is not a valid page name: {err}"),
                ),
            };
            chrome.flash = Some(crate::templates::Flash {
                kind: "error".into(),
                message,
            });
            return page(&CreateTpl {
                chrome,
                pagename: suggestion,
            });
        }
    };
    let lookup = page_path.clone();
    if blocking(&ctx.repo, move |repo| repo.resolve_page(&lookup, None))
        .await?
        .is_some()
    {
        return Ok(redirect_with_flash(
            &page_path.url(),
            "info",
            "That page already exists.",
        ));
    }
    Ok(redirect(&format!("{}/edit", page_path.url())))
}

/// `GET /{page}/rename`.
pub async fn rename_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
) -> AppResult<Response> {
    ctx.require_write()?;
    let path = existing_page(ctx, &page_path).await?;
    let text = read_text(ctx, &path, None).await?.map(|(t, _)| t);
    let title = page_title(&page_path, text.as_deref());
    let chrome = wiki_chrome(state, ctx, &format!("Rename {title}"), Some(&page_path)).await?;
    page(&RenameTpl {
        chrome,
        title,
        page_url: page_path.url(),
        current_name: page_path.to_string(),
    })
}

/// `POST /{page}/rename`: moves the page, its attachments and sub-pages, optionally rewriting
/// links in other pages — all in one commit.
pub async fn rename(ctx: &WikiCtx, page_path: PagePath, form: Form) -> AppResult<Response> {
    ctx.require_write()?;
    existing_page(ctx, &page_path).await?;
    let typed = field(&form, "new_name").unwrap_or_default();
    let target = PagePath::parse(typed)?;
    if target.lookup_key() == page_path.lookup_key() && target.to_string() == page_path.to_string()
    {
        return Err(AppError::BadRequest(
            "The new name is the same as the old one.".into(),
        ));
    }
    let rewrite = field(&form, "update_backlinks").is_some();
    let message = commit_message(&form, || format!("Renamed {page_path} to {target}."));
    let author = ctx.author();
    let (from, to) = (page_path.clone(), target.clone());
    blocking(&ctx.repo, move |repo| {
        repo.rename_page(&from, &to, rewrite, &author, &message)
    })
    .await?;
    Ok(redirect_with_flash(
        &target.url(),
        "ok",
        &format!("Renamed {page_path} to {target}."),
    ))
}

/// `GET /{page}/delete`.
pub async fn delete_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
) -> AppResult<Response> {
    ctx.require_write()?;
    let path = existing_page(ctx, &page_path).await?;
    let text = read_text(ctx, &path, None).await?.map(|(t, _)| t);
    let title = page_title(&page_path, text.as_deref());
    let lookup = page_path.clone();
    let attachment_count = blocking(&ctx.repo, move |repo| repo.attachments(&lookup))
        .await?
        .len();
    let chrome = wiki_chrome(state, ctx, &format!("Delete {title}"), Some(&page_path)).await?;
    page(&DeleteTpl {
        chrome,
        title,
        page_url: page_path.url(),
        attachment_count,
    })
}

/// `POST /{page}/delete`.
pub async fn delete(ctx: &WikiCtx, page_path: PagePath, form: Form) -> AppResult<Response> {
    ctx.require_write()?;
    existing_page(ctx, &page_path).await?;
    let recursive = field(&form, "recursive").is_some();
    let message = commit_message(&form, || format!("{page_path} deleted."));
    let author = ctx.author();
    let target = page_path.clone();
    blocking(&ctx.repo, move |repo| {
        repo.delete_page(&target, recursive, &author, &message)
    })
    .await?;
    Ok(redirect_with_flash(
        "/-/changelog",
        "ok",
        &format!("Deleted {page_path}."),
    ))
}
