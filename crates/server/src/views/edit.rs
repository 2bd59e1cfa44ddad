//! The editor: form, live preview and save.
//!
//! The editor reads and writes through the notes service, like REST and MCP: the form carries
//! the revision of exactly the text it shows (`Notes::read` reads both at one commit), and the
//! save is `Notes::write` with that revision, so an edit made by someone else meanwhile is merged
//! when it touched other lines and refused when it touched the same ones — never overwritten.
//! A refused save shows the person both edits merged as far as git can, with conflict markers
//! around the lines both changed, based on the current revision; a save that still carries those
//! markers is refused, so they are never published by accident.

use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use robot_store::{has_conflict_markers, merge_text};
use robot_wiki::{PagePath, RenderOptions, render};

use super::helpers::{page_title, wiki_chrome};
use super::{Form, field};
use crate::cancel::spawn_blocking_until_dropped;
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::notes::{Notes, NotesError, Surface};
use crate::respond::{page, redirect_with_flash};
use crate::state::AppState;
use crate::templates::{EditConflict, EditTpl, Flash};

/// Largest page we accept, in bytes.
pub const MAX_PAGE_BYTES: usize = crate::notes::MAX_PAGE_BYTES;

/// `GET /{page}/edit`.
pub async fn edit_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
) -> AppResult<Response> {
    ctx.require_write()?;
    let notes = Notes::new(state, ctx, Surface::Web);
    let editor = match notes.read(&page_path, None, None).await {
        Ok(note) => Editor {
            content: note.content,
            base_revision: note.revision,
            is_new: false,
        },
        Err(NotesError::NotFound { .. }) => Editor {
            content: format!("# {}\n\n", page_title(&page_path, None)),
            base_revision: String::new(),
            is_new: true,
        },
        Err(other) => return Err(other.into()),
    };
    render_editor(state, ctx, &page_path, editor, None, None).await
}

/// What the editor shows: the text, the revision it is based on, and whether the page is new.
struct Editor {
    content: String,
    base_revision: String,
    is_new: bool,
}

async fn render_editor(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: &PagePath,
    editor: Editor,
    flash: Option<Flash>,
    conflict: Option<EditConflict>,
) -> AppResult<Response> {
    let title = page_title(page_path, Some(&editor.content));
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
        content: editor.content,
        base_revision: editor.base_revision,
        is_new: editor.is_new,
        conflict,
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

/// `POST /{page}/save` (`content`, `base_revision` from the form, optional `message`).
pub async fn save(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    form: Form,
) -> AppResult<Response> {
    ctx.require_write()?;
    let content = normalize_content(field(&form, "content").unwrap_or_default());
    let base = field(&form, "base_revision")
        .unwrap_or_default()
        .trim()
        .to_string();
    let is_new = field(&form, "is_new") == Some("1");
    if has_conflict_markers(&content) {
        let flash = error_flash(
            "Your text still has the conflict markers (<<<<<<< your edit … >>>>>>> current \
             page). Keep the lines that should stay, delete the markers, then save.",
        );
        let editor = Editor {
            content,
            base_revision: base,
            is_new,
        };
        return render_editor(state, ctx, &page_path, editor, Some(flash), None).await;
    }
    let notes = Notes::new(state, ctx, Surface::Web);
    let message = field(&form, "message");
    let base_revision = (!base.is_empty()).then_some(base.as_str());
    match notes
        .write(&page_path, &content, base_revision, message)
        .await
    {
        Ok(outcome) => {
            let (kind, text) = match (outcome.changed, outcome.merged) {
                (false, _) => ("info", "Nothing changed."),
                (true, true) => (
                    "info",
                    "Saved. Someone else edited this page meanwhile; their changes did not \
                     overlap yours and were merged.",
                ),
                (true, false) => ("ok", "Saved."),
            };
            Ok(redirect_with_flash(
                &super::route::view_url(&page_path),
                kind,
                text,
            ))
        }
        Err(NotesError::Conflict(_) | NotesError::RevisionRequired(_)) => {
            conflict(state, ctx, &page_path, &notes, content, base_revision).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The editor after a refused save: the person's text and the current page merged (markers
/// where both changed the same lines), based on the current revision, with both versions shown.
async fn conflict(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: &PagePath,
    notes: &Notes<'_>,
    yours: String,
    base_revision: Option<&str>,
) -> AppResult<Response> {
    let current = match notes.read(page_path, None, None).await {
        Ok(note) => Some(note),
        Err(NotesError::NotFound { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    let base_text = match base_revision {
        Some(rev) => match notes.read(page_path, Some(rev), None).await {
            Ok(note) => note.content,
            Err(NotesError::NotFound { .. }) => String::new(),
            Err(other) => return Err(other.into()),
        },
        None => String::new(),
    };
    let Some(current) = current else {
        // Deleted meanwhile: saving again creates it with the person's text.
        let flash = error_flash(
            "This page was deleted while you were editing. Your text is below; save to create \
             it again.",
        );
        let editor = Editor {
            content: yours,
            base_revision: String::new(),
            is_new: true,
        };
        return render_editor(state, ctx, page_path, editor, Some(flash), None).await;
    };
    let merged = merge_text(&base_text, &yours, &current.content).map_err(AppError::from)?;
    let by = current
        .last_commit
        .as_ref()
        .map(|c| c.author.clone())
        .unwrap_or_default();
    let flash = error_flash(if merged.clean {
        "Someone else changed this page while you were editing. Both edits are merged below; \
         check the text and save."
    } else {
        "Someone else changed the same lines while you were editing, and nothing was saved. \
         Below, both edits are merged; where they touched the same lines, both versions stand \
         between <<<<<<< your edit and >>>>>>> current page. Keep what should stay, delete the \
         markers, then save."
    });
    let revision = current.revision.clone();
    let conflict = EditConflict {
        yours,
        current: current.content,
        current_revision: revision.chars().take(8).collect(),
        current_author: by,
    };
    let editor = Editor {
        content: merged.text,
        base_revision: revision,
        is_new: false,
    };
    render_editor(state, ctx, page_path, editor, Some(flash), Some(conflict)).await
}

fn error_flash(message: &str) -> Flash {
    Flash {
        kind: "error".into(),
        message: message.into(),
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
