//! A simple search page: case-insensitive substring search over page names and text, ranked by
//! name match, then number of hits. (Ranked full-text and semantic search come with the index.)

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use robot_wiki::PagePath;

use super::helpers::{blocking, page_title, wiki_chrome};
use crate::context::WikiCtx;
use crate::error::AppResult;
use crate::respond::page;
use crate::state::AppState;
use crate::templates::{SearchResult, SearchTpl};

/// Most results shown.
const MAX_RESULTS: usize = 100;
/// Snippets per result.
const MAX_SNIPPETS: usize = 3;

/// Query string of the search page.
#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /-/search?q=`.
pub async fn search(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let needle = query.q.trim().chars().take(200).collect::<String>();
    let results = if needle.is_empty() {
        Vec::new()
    } else {
        let lowered = needle.to_lowercase();
        blocking(&ctx.repo, move |repo| {
            let mut scored = Vec::new();
            for file in repo.files(None)?.iter() {
                let Some(page) = PagePath::from_file_path(file.path.as_str()) else {
                    continue;
                };
                let Some(blob) = repo.read(&file.path, None)? else {
                    continue;
                };
                let text = String::from_utf8_lossy(&blob.bytes);
                if let Some(hit) = score(&page, &text, &lowered) {
                    scored.push(hit);
                }
            }
            scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
            Ok(scored
                .into_iter()
                .take(MAX_RESULTS)
                .map(|(_, r)| r)
                .collect::<Vec<_>>())
        })
        .await?
    };
    let mut chrome = wiki_chrome(&state, &ctx, "Search", None).await?;
    chrome.query = needle;
    page(&SearchTpl { chrome, results })
}

fn score(page: &PagePath, text: &str, needle: &str) -> Option<((bool, usize), SearchResult)> {
    let name_hit = page.to_string().to_lowercase().contains(needle);
    let mut hits = 0;
    let mut snippets = Vec::new();
    for line in text.lines() {
        let lower = line.to_lowercase();
        let count = lower.matches(needle).count();
        if count > 0 {
            hits += count;
            if snippets.len() < MAX_SNIPPETS {
                snippets.push(highlight(line, needle));
            }
        }
    }
    if !name_hit && hits == 0 {
        return None;
    }
    let result = SearchResult {
        title: page_title(page, Some(text)),
        url: super::route::view_url(page),
        path: page.to_string(),
        snippets,
    };
    Some(((name_hit, hits), result))
}

/// Escapes a line and wraps case-insensitive matches in `<mark>`, trimmed to ~200 chars.
fn highlight(line: &str, needle: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let lower: Vec<char> = line.to_lowercase().chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    if lower.len() != chars.len() || needle.is_empty() {
        return html_escape::encode_text(&line.chars().take(200).collect::<String>()).into_owned();
    }
    let first = (0..lower.len())
        .find(|&i| lower[i..].starts_with(&needle))
        .unwrap_or(0);
    let start = first.saturating_sub(80);
    let end = (start + 200).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        if lower[i..].starts_with(&needle) && i + needle.len() <= chars.len() {
            let matched: String = chars[i..i + needle.len()].iter().collect();
            out.push_str(&format!(
                "<mark>{}</mark>",
                html_escape::encode_text(&matched)
            ));
            i += needle.len();
        } else {
            out.push_str(&html_escape::encode_text(&chars[i].to_string()));
            i += 1;
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlights_and_escapes() {
        assert_eq!(
            highlight("a <b> Road", "road"),
            "a &lt;b&gt; <mark>Road</mark>"
        );
    }
}
