//! Search endpoints: keyword page search, passage search (hybrid, semantic, keyword) and index
//! rebuilds.

use axum::http::StatusCode;
use axum::response::Response;

use super::{ok, with_status};
use crate::api::Call;
use crate::api::error::ApiResult;
use crate::notes::search::{PassageQuery, parse_mode};
use crate::notes::{ListFilter, SearchHit, SearchResults};

/// Default number of search results.
const SEARCH_DEFAULT: usize = 50;

/// The `prefix`, `tag`, `category` and `updated_since` query parameters.
fn filter(call: &Call<'_>) -> ListFilter {
    let param = |name: &str| call.query.get(name).map(str::to_string);
    ListFilter {
        prefix: param("prefix"),
        category: param("category"),
        tag: param("tag"),
        updated_since: param("updated_since"),
    }
}

/// `GET /search?q=&limit=&offset=&mode=&prefix=&tag=&category=&updated_since=`.
pub async fn search(call: &Call<'_>) -> ApiResult<Response> {
    let query = call.query.get("q").unwrap_or_default();
    let limit = match call.query.number("limit", SEARCH_DEFAULT)? {
        0 => SEARCH_DEFAULT,
        n => n,
    };
    let offset = call.query.number("offset", 0)?;
    let filter = filter(call);
    match call.query.get("mode").map(str::trim) {
        None | Some("") | Some("keyword") => {
            ok(&call.notes.search(query, &filter, limit, offset).await?)
        }
        mode => {
            // The best passage of each page, in the page-level shape of keyword search.
            let found = call
                .notes
                .search_passages(&PassageQuery {
                    query: query.to_string(),
                    mode: parse_mode(mode)?,
                    filter,
                    limit,
                    per_page: 1,
                })
                .await?;
            ok(&SearchResults {
                query: found.query,
                total: found.total,
                results: found
                    .results
                    .into_iter()
                    .map(|p| SearchHit {
                        name: p.title,
                        path: p.path,
                        snippet: p.snippet,
                        score: p.score,
                    })
                    .collect(),
            })
        }
    }
}

/// `GET /semantic-search?q=&n=&max_chunks_per_page=&mode=&…filters`.
pub async fn semantic(call: &Call<'_>) -> ApiResult<Response> {
    let found = call
        .notes
        .search_passages(&PassageQuery {
            query: call.query.get("q").unwrap_or_default().to_string(),
            mode: parse_mode(call.query.get("mode"))?,
            filter: filter(call),
            limit: call.query.number("n", 5)?,
            per_page: call.query.number("max_chunks_per_page", 2)?,
        })
        .await?;
    ok(&found)
}

/// `POST /reindex`: 202 with the rebuild's state.
pub async fn reindex(call: &Call<'_>) -> ApiResult<Response> {
    with_status(StatusCode::ACCEPTED, &call.notes.reindex().await?)
}

/// `GET /reindex/status`.
pub async fn reindex_status(call: &Call<'_>) -> ApiResult<Response> {
    ok(&call.notes.reindex_status().await?)
}
