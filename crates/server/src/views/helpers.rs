//! Shared pieces of the wiki views: blocking git calls, dates, titles, trees and diff shaping.

use std::collections::BTreeSet;
use std::sync::Arc;

use robot_store::{ChangeStatus, CommitInfo, FileDiff, LineKind, WikiRepo};
use robot_wiki::{PagePath, display_title, first_heading};

use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::negotiate::login_url;
use crate::state::AppState;
use crate::templates::{ChangeRow, Chrome, DiffFileView, HunkView, IndexEntry, LineView, TreeItem};

/// Runs blocking repository work off the async runtime.
pub async fn blocking<T, F>(repo: &Arc<WikiRepo>, work: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&WikiRepo) -> Result<T, robot_store::StoreError> + Send + 'static,
{
    let repo = Arc::clone(repo);
    Ok(tokio::task::spawn_blocking(move || work(&repo)).await??)
}

/// `2026-11-24 20:33` in the commit's own time zone.
pub fn format_time(secs: i64, offset_minutes: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset is valid"));
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| {
            t.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A commit shaped for history tables.
pub fn change_row(info: &CommitInfo) -> ChangeRow {
    ChangeRow {
        id: info.id.to_string(),
        short: info.short.clone(),
        date: format_time(info.time, info.tz_offset_minutes),
        author: info.author_name.clone(),
        message: info.message.trim().to_string(),
        renamed_from: None,
        files: info
            .files
            .iter()
            .map(|f| {
                (
                    f.path.clone(),
                    file_url(
                        &f.path,
                        &info.id.to_string(),
                        f.status == ChangeStatus::Deleted,
                    ),
                )
            })
            .collect(),
    }
}

/// Link for a changed file: the page (at that revision) or the attachment.
fn file_url(path: &str, rev: &str, deleted: bool) -> String {
    if deleted {
        return format!("/-/commit/{rev}");
    }
    match PagePath::from_file_path(path) {
        Some(page) => format!("{}?revision={rev}", super::route::view_url(&page)),
        None => match path.rsplit_once('/') {
            Some((dir, name)) => match PagePath::from_file_path(&format!("{dir}.md")) {
                Some(page) => format!("{}/a/{}?revision={rev}", page.url(), encode(name)),
                None => format!("/-/commit/{rev}"),
            },
            None => format!("/-/commit/{rev}"),
        },
    }
}

/// Characters escaped in a URL path segment we generate: everything that would end the segment,
/// start a query or fragment, or break a markdown link — readable names like `plan-v2.png` stay
/// as they are.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes one path segment.
pub fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Diffs shaped for display.
pub fn diff_views(diffs: &[FileDiff]) -> Vec<DiffFileView> {
    diffs
        .iter()
        .map(|d| DiffFileView {
            old_path: d.old_path.clone(),
            new_path: d.new_path.clone(),
            status: format!("{:?}", d.status).to_lowercase(),
            binary: d.binary,
            hunks: d
                .hunks
                .iter()
                .map(|h| HunkView {
                    header: h.header.trim_end().to_string(),
                    lines: h
                        .lines
                        .iter()
                        .map(|l| {
                            let (class, sign) = match l.kind {
                                LineKind::Added => ("added", "+"),
                                LineKind::Removed => ("removed", "-"),
                                LineKind::Context => ("context", " "),
                            };
                            LineView {
                                class,
                                sign,
                                old: l.old_lineno.map(|n| n.to_string()).unwrap_or_default(),
                                new: l.new_lineno.map(|n| n.to_string()).unwrap_or_default(),
                                text: l.text.trim_end_matches(['\n', '\r']).to_string(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The title of a page from its markdown (first heading) and name.
pub fn page_title(page: &PagePath, markdown: Option<&str>) -> String {
    let heading = markdown.and_then(first_heading);
    display_title(page, heading.as_deref())
}

/// Breadcrumbs: one link per ancestor folder/page, then the page itself.
pub fn breadcrumbs(page: &PagePath) -> Vec<(String, String)> {
    let mut crumbs = Vec::new();
    let mut current: Option<PagePath> = Some(page.clone());
    while let Some(p) = current {
        crumbs.push((display_title(&p, None), super::route::view_url(&p)));
        current = p.parent();
    }
    crumbs.reverse();
    if crumbs.len() <= 1 {
        Vec::new()
    } else {
        crumbs
    }
}

/// Every page and folder in the wiki, sorted case-insensitively with folders nested.
pub fn catalog(files: &[robot_store::FileEntry]) -> Vec<IndexEntry> {
    let mut pages: BTreeSet<(String, String)> = BTreeSet::new();
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for file in files {
        if let Some(page) = PagePath::from_file_path(file.path.as_str()) {
            pages.insert((page.lookup_key(), page.to_string()));
            let mut parent = page.parent();
            while let Some(p) = parent {
                dirs.insert(p.to_string());
                parent = p.parent();
            }
        }
    }
    let page_keys: BTreeSet<String> = pages.iter().map(|(k, _)| k.clone()).collect();
    let mut entries: Vec<(String, IndexEntry)> = Vec::new();
    for (key, name) in &pages {
        if let Ok(page) = PagePath::parse(name) {
            entries.push((key.clone(), entry(&page, false)));
        }
    }
    for dir in dirs {
        if let Ok(page) = PagePath::parse(&dir)
            && !page_keys.contains(&page.lookup_key())
        {
            entries.push((page.lookup_key(), entry(&page, true)));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().map(|(_, e)| e).collect()
}

fn entry(page: &PagePath, is_dir: bool) -> IndexEntry {
    IndexEntry {
        title: display_title(page, None),
        url: page.url(),
        depth: page.segments().len(),
        is_dir,
    }
}

/// Sidebar tree: top-level entries plus the branch that leads to the current page.
pub fn tree(catalog: &[IndexEntry], current: Option<&PagePath>) -> Vec<TreeItem> {
    let current_url = current.map(|p| p.url()).unwrap_or_default();
    catalog
        .iter()
        .filter(|e| {
            let parent_url = e.url.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            e.depth == 1
                || (!parent_url.is_empty() && current_url.starts_with(parent_url) && {
                    let rest = &current_url[parent_url.len()..];
                    rest.is_empty() || rest.starts_with('/')
                })
        })
        .take(300)
        .map(|e| TreeItem {
            title: e.title.clone(),
            url: e.url.clone(),
            depth: e.depth,
            active: e.url == current_url,
            is_dir: e.is_dir,
        })
        .collect()
}

/// The chrome for a wiki page, with the sidebar filled in.
pub async fn wiki_chrome(
    state: &AppState,
    ctx: &WikiCtx,
    title: &str,
    current: Option<&PagePath>,
) -> AppResult<Chrome> {
    let login = login_url(
        state,
        &format!(
            "{}{}",
            ctx.url,
            current.map(|p| p.url()).unwrap_or_else(|| "/".into())
        ),
    );
    let mut chrome = ctx.chrome(title, login);
    chrome.tree = tree(&page_listing(state, ctx).await?, current);
    if let Some(page) = current {
        chrome.breadcrumbs = breadcrumbs(page);
        chrome.page_path = page.to_string();
    }
    Ok(chrome)
}

/// Every page and folder of the wiki at its head ([`catalog`]), cached per head.
pub async fn page_listing(state: &AppState, ctx: &WikiCtx) -> AppResult<Arc<Vec<IndexEntry>>> {
    let listings = Arc::clone(&state.listings);
    let slug = ctx.wiki.slug.to_string();
    blocking(&ctx.repo, move |repo| listings.listing(&slug, repo)).await
}

/// Resolves a page or fails with a 404 that names it.
pub async fn existing_page(ctx: &WikiCtx, page: &PagePath) -> AppResult<robot_store::RepoPath> {
    let lookup = page.clone();
    blocking(&ctx.repo, move |repo| repo.resolve_page(&lookup, None))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no page “{page}”.")))
}

/// Reads a text file at a revision (None = head).
pub async fn read_text(
    ctx: &WikiCtx,
    path: &robot_store::RepoPath,
    at: Option<robot_store::CommitId>,
) -> AppResult<Option<(String, String)>> {
    let path = path.clone();
    let blob = blocking(&ctx.repo, move |repo| repo.read(&path, at.as_ref())).await?;
    Ok(blob.map(|b| (String::from_utf8_lossy(&b.bytes).into_owned(), b.blob_id)))
}

/// Parses and resolves a user-supplied revision to a commit id.
pub async fn resolve_revision(ctx: &WikiCtx, rev: &str) -> AppResult<robot_store::CommitId> {
    let revision = robot_store::Revision::parse(rev)
        .map_err(|_| AppError::NotFound(format!("No revision “{rev}”.")))?;
    blocking(&ctx.repo, move |repo| repo.resolve(&revision))
        .await
        .map_err(|_| AppError::NotFound(format!("No revision “{rev}”.")))
}

/// The value of `name` in a query string.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn keeps_file_names_readable() {
        assert_eq!(encode("plan-v2.png"), "plan-v2.png");
        assert_eq!(encode("a b(1)#?.txt"), "a%20b%281%29%23%3F.txt");
        assert_eq!(encode("ü.png"), "%C3%BC.png");
    }
}
