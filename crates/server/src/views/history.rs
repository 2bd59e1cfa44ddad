//! History, diff, blame, single commits and revert.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use robot_store::{ChangeStatus, LogQuery, Revision};
use robot_wiki::PagePath;

use super::helpers::{
    blocking, change_row, diff_views, existing_page, page_title, query_param, read_text,
    resolve_revision, wiki_chrome,
};
use super::{Form, commit_message};
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::respond::{page, redirect, redirect_with_flash};
use crate::state::AppState;
use crate::templates::{BlameTpl, BlameView, CommitTpl, DiffTpl, HistoryTpl, RevertTpl};

/// Most history entries shown on one page.
const HISTORY_LIMIT: usize = 500;

/// `GET /{page}/history` (also answers the compare form: `?rev_a=&rev_b=`).
pub async fn history(state: &AppState, ctx: &WikiCtx, page_path: PagePath) -> AppResult<Response> {
    ctx.require_read()?;
    let path = existing_page(ctx, &page_path).await?;
    let text = read_text(ctx, &path, None).await?.map(|(t, _)| t);
    let title = page_title(&page_path, text.as_deref());
    let log_path = path.clone();
    let commits = blocking(&ctx.repo, move |repo| {
        repo.log(&LogQuery {
            path: Some(log_path),
            follow_renames: true,
            skip: 0,
            limit: HISTORY_LIMIT,
        })
    })
    .await?;
    let entries = commits
        .iter()
        .map(|c| {
            let mut row = change_row(c);
            row.renamed_from = c
                .files
                .iter()
                .find(|f| {
                    f.status == ChangeStatus::Renamed && f.path.eq_ignore_ascii_case(path.as_str())
                })
                .and_then(|f| f.old_path.clone());
            row
        })
        .collect();
    let chrome = wiki_chrome(state, ctx, &format!("History of {title}"), Some(&page_path)).await?;
    page(&HistoryTpl {
        chrome,
        title,
        page_url: page_path.url(),
        entries,
    })
}

/// `GET /{page}/diff/{a}/{b}`.
pub async fn diff(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    a: &str,
    b: &str,
) -> AppResult<Response> {
    ctx.require_read()?;
    let from = resolve_revision(ctx, a).await?;
    let to = resolve_revision(ctx, b).await?;
    let lookup = page_path.clone();
    let (from_c, to_c) = (from.clone(), to.clone());
    let paths = blocking(&ctx.repo, move |repo| {
        let mut paths = Vec::new();
        for at in [&from_c, &to_c] {
            if let Some(p) = repo.resolve_page(&lookup, Some(at))?
                && !paths.contains(&p)
            {
                paths.push(p);
            }
        }
        Ok(paths)
    })
    .await?;
    if paths.is_empty() {
        return Err(AppError::NotFound(format!(
            "“{page_path}” exists in neither revision."
        )));
    }
    let (from_c, to_c) = (from.clone(), to.clone());
    let diffs = blocking(&ctx.repo, move |repo| {
        repo.diff(&from_c, &to_c, Some(&paths))
    })
    .await?;
    let title = page_title(&page_path, None);
    let chrome = wiki_chrome(state, ctx, &format!("Changes to {title}"), Some(&page_path)).await?;
    page(&DiffTpl {
        chrome,
        title,
        page_url: page_path.url(),
        rev_a_short: from.short().to_string(),
        rev_a: from.to_string(),
        rev_b_short: to.short().to_string(),
        rev_b: to.to_string(),
        diffs: diff_views(&diffs),
    })
}

/// Redirect target of the no-JavaScript compare form.
pub fn compare_redirect(page_path: &PagePath, query: &str) -> Option<Response> {
    let a = query_param(query, "rev_a")?;
    let b = query_param(query, "rev_b")?;
    Some(redirect(&format!("{}/diff/{a}/{b}", page_path.url())))
}

/// `GET /{page}/blame`.
pub async fn blame(state: &AppState, ctx: &WikiCtx, page_path: PagePath) -> AppResult<Response> {
    ctx.require_read()?;
    let path = existing_page(ctx, &page_path).await?;
    let text = read_text(ctx, &path, None).await?.map(|(t, _)| t);
    let title = page_title(&page_path, text.as_deref());
    let chunks = blocking(&ctx.repo, move |repo| repo.blame(&path, None)).await?;
    let chunks = chunks
        .iter()
        .map(|chunk| {
            let row = change_row(&chunk.commit);
            BlameView {
                id: row.id,
                short: row.short,
                author: row.author,
                date: row.date,
                message: row.message,
                lines: chunk
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (chunk.start_line + i as u32, l.clone()))
                    .collect(),
            }
        })
        .collect();
    let chrome = wiki_chrome(state, ctx, &format!("Blame of {title}"), Some(&page_path)).await?;
    page(&BlameTpl {
        chrome,
        title,
        page_url: page_path.url(),
        chunks,
    })
}

/// `GET /-/commit/{rev}`.
pub async fn commit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(rev): Path<String>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let (info, diffs) = show(&ctx, &rev).await?;
    let chrome = wiki_chrome(&state, &ctx, &format!("Commit {}", info.short), None).await?;
    page(&CommitTpl {
        chrome,
        info,
        diffs,
    })
}

async fn show(
    ctx: &WikiCtx,
    rev: &str,
) -> AppResult<(
    crate::templates::ChangeRow,
    Vec<crate::templates::DiffFileView>,
)> {
    let revision =
        Revision::parse(rev).map_err(|_| AppError::NotFound(format!("No revision “{rev}”.")))?;
    let (info, diffs) = blocking(&ctx.repo, move |repo| repo.show(&revision)).await?;
    Ok((change_row(&info), diff_views(&diffs)))
}

/// `GET /-/revert/{rev}`: confirmation page.
pub async fn revert_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(rev): Path<String>,
) -> AppResult<Response> {
    ctx.require_write()?;
    let (info, diffs) = show(&ctx, &rev).await?;
    let chrome = wiki_chrome(&state, &ctx, &format!("Revert {}", info.short), None).await?;
    page(&RevertTpl {
        chrome,
        info,
        diffs,
    })
}

/// `POST /-/revert/{rev}`.
pub async fn revert(
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Path(rev): Path<String>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_write()?;
    let form: Form = super::form(req).await?;
    let revision =
        Revision::parse(&rev).map_err(|_| AppError::NotFound(format!("No revision “{rev}”.")))?;
    let message = commit_message(&form, || format!("Reverted commit {rev}."));
    let author = ctx.author();
    let target = revision.clone();
    let info = blocking(&ctx.repo, move |repo| repo.commit_info(&target)).await?;
    match blocking(&ctx.repo, move |repo| {
        repo.revert(&revision, &author, &message)
    })
    .await
    {
        Ok(_) => {
            let back = info
                .files
                .iter()
                .find_map(|f| PagePath::from_file_path(&f.path))
                .map(|p| p.url())
                .unwrap_or_else(|| "/-/changelog".into());
            Ok(redirect_with_flash(
                &back,
                "ok",
                &format!("Reverted commit {}.", info.short),
            ))
        }
        Err(AppError::Conflict(_)) => Ok(redirect_with_flash(
            &format!("/-/commit/{}", info.id),
            "error",
            "This commit cannot be reverted automatically: later changes touch the same lines. Edit the page by hand instead.",
        )),
        Err(other) => Err(other),
    }
}
