//! Creating, renaming and deleting pages.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;
use robot_wiki::PagePath;

use super::helpers::{blocking, existing_page, page_title, read_text, wiki_chrome};
use super::{Form, field};
use crate::context::WikiCtx;
use crate::error::AppResult;
use crate::notes::{Notes, NotesError, Surface};
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
/// links in other pages — all in one commit, through the notes service like REST and MCP.
pub async fn rename(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    form: Form,
) -> AppResult<Response> {
    ctx.require_write()?;
    let typed = field(&form, "new_name").unwrap_or_default();
    let target = PagePath::parse(typed)?;
    let rewrite = field(&form, "update_backlinks").is_some();
    let message = field(&form, "message");
    Notes::new(state, ctx, Surface::Web)
        .rename(&page_path, &target, rewrite, message)
        .await?;
    Ok(redirect_with_flash(
        &target.url(),
        "ok",
        &format!("Renamed {page_path} to {target}."),
    ))
}

/// `GET /{page}/delete`: the confirmation, carrying the revision of the page it describes.
pub async fn delete_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
) -> AppResult<Response> {
    ctx.require_write()?;
    let note = Notes::new(state, ctx, Surface::Web)
        .read(&page_path, None, None)
        .await?;
    let title = page_title(&page_path, Some(&note.content));
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
        base_revision: note.revision,
    })
}

/// `POST /{page}/delete`. With the form's `base_revision`, a page someone changed after the
/// confirmation was shown is not deleted: the person is sent back to it to look first.
pub async fn delete(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    form: Form,
) -> AppResult<Response> {
    ctx.require_write()?;
    let recursive = field(&form, "recursive").is_some();
    let base = field(&form, "base_revision").filter(|b| !b.trim().is_empty());
    let message = field(&form, "message");
    match Notes::new(state, ctx, Surface::Web)
        .delete(&page_path, base, recursive, message)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            "/-/changelog",
            "ok",
            &format!("Deleted {page_path}."),
        )),
        Err(NotesError::Conflict(_)) => Ok(redirect_with_flash(
            &super::route::view_url(&page_path),
            "error",
            "Someone changed this page after you asked to delete it, so it was not deleted. \
             Here it is as it is now; delete it again if it should still go.",
        )),
        Err(other) => Err(other.into()),
    }
}
