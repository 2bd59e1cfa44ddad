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
use crate::notes::search::{PassageQuery, parse_mode};
use crate::notes::{ListFilter, Notes, NotesError, Surface};
use crate::respond::page;
use crate::state::AppState;
use crate::templates::{SearchResult, SearchTpl};

/// Most results shown.
const MAX_RESULTS: usize = 100;
/// Most results shown when ranking by meaning (one passage per page).
const MAX_PASSAGE_RESULTS: usize = 50;

/// Query string of the search page.
#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    mode: String,
    prefix: Option<String>,
    tag: Option<String>,
    category: Option<String>,
    updated_since: Option<String>,
}

/// `GET /-/search?q=&mode=&prefix=&tag=&category=&updated_since=`.
pub async fn search(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let needle: String = query.q.trim().chars().take(200).collect();
    let filter = ListFilter {
        prefix: query.prefix,
        category: query.category,
        tag: query.tag,
        updated_since: query.updated_since,
    };
    let mode = match query.mode.trim() {
        "hybrid" | "semantic" => query.mode.trim().to_string(),
        _ => "keyword".to_string(),
    };
    let notes = Notes::new(&state, &ctx, Surface::Web);
    let terms: Vec<String> = needle.split_whitespace().map(str::to_lowercase).collect();
    let mut pending = 0;
    let found = if needle.is_empty() {
        Ok(Vec::new())
    } else if mode == "keyword" {
        notes
            .search(&needle, &filter, MAX_RESULTS, 0)
            .await
            .map(|found| {
                found
                    .results
                    .into_iter()
                    .map(|h| (h.name, h.path, h.snippet))
                    .collect()
            })
    } else {
        let passages = PassageQuery {
            query: needle.clone(),
            mode: parse_mode(Some(&mode)).unwrap_or(robot_search::SearchMode::Hybrid),
            filter: filter.clone(),
            limit: MAX_PASSAGE_RESULTS,
            per_page: 1,
        };
        notes.search_passages(&passages).await.map(|found| {
            pending = found.index.pending_vectors;
            found
                .results
                .into_iter()
                .map(|p| (p.title, p.path, p.snippet))
                .collect()
        })
    };
    let (results, error) = match found {
        Ok(found) => (
            found
                .into_iter()
                .map(|(title, path, snippet)| SearchResult {
                    title,
                    url: PagePath::parse(&path)
                        .map(|p| view_url(&p))
                        .unwrap_or_default(),
                    snippets: if snippet.is_empty() {
                        Vec::new()
                    } else {
                        vec![highlight(&snippet, &terms)]
                    },
                    path,
                })
                .collect(),
            None,
        ),
        Err(NotesError::Internal(e)) => return Err(AppError::Internal(e)),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let mut chrome = wiki_chrome(&state, &ctx, "Search", None).await?;
    chrome.query = needle;
    page(&SearchTpl {
        chrome,
        results,
        mode,
        semantic: state.indexer.embedder().is_some(),
        filter,
        pending,
        error,
    })
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
