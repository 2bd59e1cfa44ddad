//! The editor: form, live preview and save.

use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use robot_store::{Change, CommitOutcome, CommitRequest, RepoPath};
use robot_wiki::{PagePath, RenderOptions, render};

use super::helpers::{blocking, page_title, read_text, resolve_revision, wiki_chrome};
use super::{Form, commit_message, field};
use crate::cancel::spawn_blocking_until_dropped;
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::{page, redirect_with_flash};
use crate::state::AppState;
use crate::templates::{EditTpl, Flash};

/// Largest page we accept, in bytes.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// `GET /{page}/edit`.
pub async fn edit_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
) -> AppResult<Response> {
    ctx.require_write()?;
    let lookup = page_path.clone();
    let existing = blocking(&ctx.repo, move |repo| repo.resolve_page(&lookup, None)).await?;
    let content = match &existing {
        Some(path) => read_text(ctx, path, None)
            .await?
            .map(|(text, _)| text)
            .unwrap_or_default(),
        None => format!("# {}\n\n", page_title(&page_path, None)),
    };
    let head = blocking(&ctx.repo, |repo| repo.head()).await?;
    render_editor(
        state,
        ctx,
        &page_path,
        content,
        head.map(|h| h.to_string()).unwrap_or_default(),
        existing.is_none(),
        None,
    )
    .await
}

async fn render_editor(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: &PagePath,
    content: String,
    base_revision: String,
    is_new: bool,
    flash: Option<Flash>,
) -> AppResult<Response> {
    let title = page_title(page_path, Some(&content));
    let mut chrome = wiki_chrome(state, ctx, &format!("Edit {title}"), Some(page_path)).await?;
    // The live preview may draw diagrams.
    chrome.requires_mermaid = true;
    if flash.is_some() {
        chrome.flash = flash;
    }
    page(&EditTpl {
        chrome,
        title,
        page_url: page_path.url(),
        cancel_url: super::route::view_url(page_path),
        content,
        base_revision,
        is_new,
    })
}

/// Normalises editor text the way every saved page looks: LF line ends, one final newline.
pub fn normalize_content(content: &str) -> String {
    let text = content.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = text.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// `POST /{page}/save`.
pub async fn save(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    form: Form,
) -> AppResult<Response> {
    ctx.require_write()?;
    let content = normalize_content(field(&form, "content").unwrap_or_default());
    if content.len() > MAX_PAGE_BYTES {
        return Err(AppError::TooLarge(format!(
            "Pages are limited to {} MiB.",
            MAX_PAGE_BYTES / 1024 / 1024
        )));
    }
    let base = match field(&form, "base_revision").filter(|b| !b.is_empty()) {
        Some(rev) => Some(resolve_revision(ctx, rev).await?),
        None => None,
    };
    let lookup = page_path.clone();
    let existing = blocking(&ctx.repo, move |repo| repo.resolve_page(&lookup, None)).await?;
    let is_new = existing.is_none();
    let path = match existing {
        Some(path) => path,
        None => RepoPath::parse(&page_path.file_name())?,
    };
    let message = commit_message(&form, || {
        if is_new {
            format!("Created {page_path}")
        } else {
            format!("Updated {page_path}")
        }
    });
    let request = CommitRequest {
        author: ctx.author(),
        message,
        base,
        changes: vec![Change::Write {
            path,
            content: content.clone().into_bytes(),
        }],
    };
    match blocking(&ctx.repo, move |repo| repo.commit(request)).await {
        Ok(CommitOutcome::Committed { merged: true, .. }) => Ok(redirect_with_flash(
            &super::route::view_url(&page_path),
            "info",
            "Saved. Someone else edited this page meanwhile; their changes did not overlap yours and were merged.",
        )),
        Ok(CommitOutcome::Committed { .. }) => Ok(redirect_with_flash(
            &super::route::view_url(&page_path),
            "ok",
            "Saved.",
        )),
        Ok(CommitOutcome::Unchanged { .. }) => Ok(redirect_with_flash(
            &super::route::view_url(&page_path),
            "info",
            "Nothing changed.",
        )),
        Err(AppError::Conflict(_)) => {
            // Keep the user's text: show the editor again, based on the current head, with a warning.
            let head = blocking(&ctx.repo, |repo| repo.head()).await?;
            let flash = Flash {
                kind: "error".into(),
                message: "Someone else changed the same lines since you started editing. Your text is below; \
                          compare it with the current page (open it in a new tab), then save again to replace it."
                    .into(),
            };
            render_editor(
                state,
                ctx,
                &page_path,
                content,
                head.map(|h| h.to_string()).unwrap_or_default(),
                is_new,
                Some(flash),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// `POST /{page}/preview`: rendered HTML and TOC for the editor's live preview.
///
/// Part of the editor, so it needs what the editor needs (write). It renders arbitrary text on
/// demand, so it has a rate limit of its own (`Scope::Render`, see `views::rate_scope`), and the
/// render is abandoned when the editor stops waiting (it aborts its previous preview on every
/// keystroke): not started if still queued, and without further store lookups if running.
pub async fn preview(ctx: &WikiCtx, page_path: PagePath, form: Form) -> AppResult<Response> {
    ctx.require_write()?;
    let content = field(&form, "content").unwrap_or_default().to_string();
    if content.len() > MAX_PAGE_BYTES {
        return Err(AppError::TooLarge("Too much text to preview.".into()));
    }
    let repo = Arc::clone(&ctx.repo);
    let rendered = spawn_blocking_until_dropped(move |gone| {
        let exists = |p: &PagePath| {
            !gone.is_cancelled() && matches!(repo.resolve_page(p, None), Ok(Some(_)))
        };
        render(
            &content,
            &RenderOptions {
                page: Some(&page_path),
                page_exists: &exists,
            },
        )
    })
    .await?
    .ok_or_else(|| AppError::BadRequest("The preview was cancelled.".into()))?;
    let toc: Vec<_> = rendered
        .toc
        .iter()
        .map(|t| serde_json::json!({ "level": t.level, "text": t.text, "anchor": t.anchor }))
        .collect();
    Ok(Json(serde_json::json!({
        "html": rendered.html,
        "toc": toc,
        "requires_mermaid": rendered.requires_mermaid,
        "requires_math": rendered.requires_math,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::normalize_content;

    #[test]
    fn normalizes_line_endings_and_final_newline() {
        assert_eq!(normalize_content("a\r\nb\r\n\r\n"), "a\nb\n");
        assert_eq!(normalize_content("  \n"), "");
        assert_eq!(normalize_content("x"), "x\n");
    }
}
