//! The wiki-wide changelog, with paging and RSS/Atom feeds.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use robot_store::{CommitInfo, LogQuery};

use super::helpers::{blocking, change_row, wiki_chrome};
use crate::context::WikiCtx;
use crate::error::AppResult;
use crate::respond::page;
use crate::state::AppState;
use crate::templates::ChangelogTpl;

/// Commits per changelog page.
const PER_PAGE: usize = 100;
/// Entries in a feed.
const FEED_ENTRIES: usize = 50;

/// Query of the changelog.
#[derive(serde::Deserialize)]
pub struct ChangelogQuery {
    page: Option<usize>,
}

/// `GET /-/changelog?page=N`.
pub async fn changelog(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Query(q): Query<ChangelogQuery>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let total = blocking(&ctx.repo, |repo| repo.commit_count()).await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    let skip = (page_no - 1) * PER_PAGE;
    let commits = blocking(&ctx.repo, move |repo| {
        repo.log(&LogQuery {
            path: None,
            follow_renames: false,
            skip,
            limit: PER_PAGE,
        })
    })
    .await?;
    let chrome = wiki_chrome(&state, &ctx, "Changelog", None).await?;
    page(&ChangelogTpl {
        chrome,
        entries: commits.iter().map(change_row).collect(),
        page: page_no,
        pages,
    })
}

async fn recent(ctx: &WikiCtx) -> AppResult<Vec<CommitInfo>> {
    ctx.require_read()?;
    blocking(&ctx.repo, |repo| {
        repo.log(&LogQuery {
            path: None,
            follow_renames: false,
            skip: 0,
            limit: FEED_ENTRIES,
        })
    })
    .await
}

fn xml(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

fn rfc2822(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc2822())
        .unwrap_or_default()
}

fn entry_title(c: &CommitInfo) -> String {
    let files: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
    format!("Commit {}: {}", c.short, files.join(", "))
}

/// `GET /-/changelog/feed.rss`.
pub async fn rss(Extension(ctx): Extension<Arc<WikiCtx>>) -> AppResult<Response> {
    let commits = recent(&ctx).await?;
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>");
    out.push_str(&format!(
        "<title>{}</title><link>{}/-/changelog</link><description>{}</description>",
        xml(&ctx.wiki.display_name),
        xml(&ctx.url),
        xml(&format!("Recent changes in {}", ctx.wiki.display_name))
    ));
    for c in &commits {
        out.push_str(&format!(
            "<item><title>{}</title><link>{}/-/commit/{}</link><guid isPermaLink=\"false\">{}</guid><description>{}</description><author>{}</author><pubDate>{}</pubDate></item>",
            xml(&entry_title(c)),
            xml(&ctx.url),
            c.id,
            c.id,
            xml(c.message.trim()),
            xml(&c.author_name),
            rfc2822(c.time)
        ));
    }
    out.push_str("</channel></rss>\n");
    Ok(([(CONTENT_TYPE, "application/rss+xml; charset=utf-8")], out).into_response())
}

/// `GET /-/changelog/feed.atom`.
pub async fn atom(Extension(ctx): Extension<Arc<WikiCtx>>) -> AppResult<Response> {
    let commits = recent(&ctx).await?;
    let updated = commits
        .first()
        .map(|c| rfc3339(c.time))
        .unwrap_or_else(|| rfc3339(0));
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    );
    out.push_str(&format!(
        "<title>{}</title><id>{}/-/changelog</id><link href=\"{}/-/changelog\"/><updated>{}</updated>",
        xml(&ctx.wiki.display_name),
        xml(&ctx.url),
        xml(&ctx.url),
        updated
    ));
    for c in &commits {
        out.push_str(&format!(
            "<entry><title>{}</title><id>{}/-/commit/{}</id><link href=\"{}/-/commit/{}\"/><updated>{}</updated><author><name>{}</name></author><summary>{}</summary></entry>",
            xml(&entry_title(c)),
            xml(&ctx.url),
            c.id,
            xml(&ctx.url),
            c.id,
            rfc3339(c.time),
            xml(&c.author_name),
            xml(c.message.trim())
        ));
    }
    out.push_str("</feed>\n");
    Ok(([(CONTENT_TYPE, "application/atom+xml; charset=utf-8")], out).into_response())
}
