//! The search page: the same ranked search agents use (`notes::search`), with hits highlighted.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use robot_wiki::PagePath;

use super::helpers::wiki_chrome;
use super::route::view_url;
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::notes::{Notes, Surface};
use crate::respond::page;
use crate::state::AppState;
use crate::templates::{SearchResult, SearchTpl};

/// Most results shown.
const MAX_RESULTS: usize = 100;

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
    let needle: String = query.q.trim().chars().take(200).collect();
    let results = if needle.is_empty() {
        Vec::new()
    } else {
        let found = Notes::new(&state, &ctx, Surface::Web)
            .search(&needle, MAX_RESULTS)
            .await
            .map_err(|err| AppError::BadRequest(err.to_string()))?;
        let terms: Vec<String> = needle.split_whitespace().map(str::to_lowercase).collect();
        found
            .results
            .into_iter()
            .map(|hit| {
                let url = PagePath::parse(&hit.path)
                    .map(|p| view_url(&p))
                    .unwrap_or_default();
                SearchResult {
                    title: hit.name,
                    url,
                    snippets: if hit.snippet.is_empty() {
                        Vec::new()
                    } else {
                        vec![highlight(&hit.snippet, &terms)]
                    },
                    path: hit.path,
                }
            })
            .collect()
    };
    let mut chrome = wiki_chrome(&state, &ctx, "Search", None).await?;
    chrome.query = needle;
    page(&SearchTpl { chrome, results })
}

/// Escapes `text` and wraps case-insensitive matches of any term in `<mark>`.
fn highlight(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    let terms: Vec<Vec<char>> = terms
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().collect())
        .collect();
    if lower.len() != chars.len() {
        // Lowercasing changed the length (rare scripts): show the text unhighlighted.
        return html_escape::encode_text(text).into_owned();
    }
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let hit = terms
            .iter()
            .filter(|t| lower[i..].starts_with(t))
            .map(Vec::len)
            .max();
        match hit {
            Some(len) => {
                let matched: String = chars[i..i + len].iter().collect();
                out.push_str(&format!(
                    "<mark>{}</mark>",
                    html_escape::encode_text(&matched)
                ));
                i += len;
            }
            None => {
                out.push_str(&html_escape::encode_text(&chars[i].to_string()));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlights_every_term_and_escapes() {
        let terms = vec!["road".to_string(), "map".to_string()];
        assert_eq!(
            highlight("a <b> Road map", &terms),
            "a &lt;b&gt; <mark>Road</mark> <mark>map</mark>"
        );
    }
}
