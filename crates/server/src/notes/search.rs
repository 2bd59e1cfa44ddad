//! Keyword search, ranked by the full-text index (`robot_search`, SQLite FTS5): title matches
//! weigh ten times body matches, with a snippet around the best body match. The wiki's index is
//! synced to its git head before every search, so results reflect every write at once, whoever
//! made it (browser, REST, MCP, another process).

use std::sync::Arc;

use robot_search::SearchFilter;

use super::error::{NotesError, NotesResult};
use super::{Notes, SearchHit, SearchResults};

/// Most results returned at once.
pub const MAX_SEARCH_LIMIT: usize = 200;
/// Longest query searched, in characters.
const MAX_QUERY_CHARS: usize = 200;

impl Notes<'_> {
    /// Pages matching `query`, best first, at most `limit` (1 to 200); `total` counts every
    /// match. Pages must contain every term (`"a phrase"` for exact phrases, `prefix*` for
    /// prefixes); when none does, pages with any term are returned.
    pub async fn search(&self, query: &str, limit: usize) -> NotesResult<SearchResults> {
        self.require_read()?;
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        if query.is_empty() {
            return Err(NotesError::invalid(
                "missing_field",
                "Query parameter 'q' is required: give one or more words to search for.",
            ));
        }
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT);
        let repo = Arc::clone(&self.ctx.repo);
        let slug = repo.slug().to_string();
        let index = &self.state.search;
        index
            .sync(&slug, &repo)
            .await
            .map_err(NotesError::internal)?;
        let (hits, total) = index
            .search(&slug, &query, &SearchFilter::default(), limit, 0)
            .await
            .map_err(NotesError::internal)?;
        Ok(SearchResults {
            query,
            results: hits
                .into_iter()
                .map(|hit| SearchHit {
                    name: hit.title,
                    path: hit.path,
                    snippet: hit.snippet,
                    score: hit.score,
                })
                .collect(),
            total,
        })
    }
}
