//! Search, on the index in `robot_search`: ranked keyword search over pages (SQLite FTS5, titles
//! weigh ten times the body), and passage search over section chunks by keywords, by meaning
//! (embeddings), or both fused (hybrid, the default for agents). The wiki's index is synced to
//! its git head before every search, so keyword results reflect every write at once, whoever
//! made it; vectors are computed in the background and every passage search says how far they
//! lag.

use std::collections::BTreeSet;
use std::sync::Arc;

use robot_index::PageFilter;
use robot_search::{ChunkHit, ChunkSearch, QueryVector, SearchFilter, SearchMode};

use super::error::{NotesError, NotesResult};
use super::{IndexFreshness, ListFilter, Notes, Passage, PassageResults, SearchHit, SearchResults};

/// Most results returned at once.
pub const MAX_SEARCH_LIMIT: usize = 200;
/// Most passages returned at once.
pub const MAX_PASSAGES: usize = 50;
/// Most passages of one page.
pub const MAX_PASSAGES_PER_PAGE: usize = 5;
/// Longest query searched, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// Snippet length of a passage, in characters.
const SNIPPET_CHARS: usize = 150;

/// A rebuild's state with the index's freshness.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReindexState {
    /// `status` (`idle`, `running`, `complete`, `failed`) and its details.
    #[serde(flatten)]
    pub rebuild: robot_search::ReindexStatus,
    /// The indexed commit and pending embeddings.
    pub index: IndexFreshness,
}

/// A passage search.
#[derive(Debug, Clone)]
pub struct PassageQuery {
    /// The question or words.
    pub query: String,
    /// How to rank.
    pub mode: SearchMode,
    /// Which pages may match.
    pub filter: ListFilter,
    /// Most passages (1 to 50).
    pub limit: usize,
    /// Most passages of one page (1 to 5).
    pub per_page: usize,
}

/// Parses a `mode` parameter: `hybrid` (default), `semantic` or `keyword`.
pub fn parse_mode(text: Option<&str>) -> NotesResult<SearchMode> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None | Some("hybrid") => Ok(SearchMode::Hybrid),
        Some("semantic") => Ok(SearchMode::Semantic),
        Some("keyword") => Ok(SearchMode::Keyword),
        Some(other) => Err(NotesError::invalid(
            "invalid_mode",
            format!("Unknown search mode '{other}': use hybrid, semantic or keyword."),
        )),
    }
}

fn mode_name(mode: SearchMode) -> &'static str {
    match mode {
        SearchMode::Hybrid => "hybrid",
        SearchMode::Semantic => "semantic",
        SearchMode::Keyword => "keyword",
    }
}

impl Notes<'_> {
    /// Pages matching `query`, best first, `limit` (1 to 200) of them after skipping `offset`;
    /// `total` counts every match. Pages must contain every term (`"a phrase"` for exact
    /// phrases, `prefix*` for prefixes); when none does, pages with any term are returned.
    pub async fn search(
        &self,
        query: &str,
        filter: &ListFilter,
        limit: usize,
        offset: usize,
    ) -> NotesResult<SearchResults> {
        self.require_read()?;
        let query = clean_query(query)?;
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT);
        let filter = self.search_filter(filter).await?;
        let slug = self.sync_index().await?.0;
        let (hits, total) = self
            .state
            .search
            .search(&slug, &query, &filter, limit, offset)
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

    /// Passages (section chunks) matching `q`, best first, with how current the vectors are.
    /// Semantic and hybrid modes need the embedding model; without it they fail with
    /// `unavailable` (keyword mode always works).
    pub async fn search_passages(&self, q: &PassageQuery) -> NotesResult<PassageResults> {
        self.require_read()?;
        let query = clean_query(&q.query)?;
        let filter = self.search_filter(&q.filter).await?;
        let (slug, commit) = self.sync_index().await?;
        let embedder = self.state.indexer.embedder().cloned();
        let vector = match (q.mode, &embedder) {
            (SearchMode::Keyword, _) => None,
            (_, Some(embedder)) => Some(self.state.query_vectors.embed(embedder, &query).await?),
            (_, None) => {
                return Err(NotesError::Unavailable(
                    "Semantic search is not enabled on this server: no embedding model is \
                     installed (run scripts/fetch-model, then restart). Use mode=keyword meanwhile."
                        .into(),
                ));
            }
        };
        let model = embedder.as_ref().map(|e| e.model_id().to_string());
        let hits = self
            .state
            .search
            .search_chunks(&ChunkSearch {
                slug: &slug,
                text: &query,
                vector: match (&vector, &model) {
                    (Some(vector), Some(model)) => Some(QueryVector { model, vector }),
                    _ => None,
                },
                mode: q.mode,
                filter: &filter,
                limit: q.limit.clamp(1, MAX_PASSAGES),
                per_page: q.per_page.clamp(1, MAX_PASSAGES_PER_PAGE),
            })
            .await
            .map_err(NotesError::internal)?;
        let index = self.freshness(&slug, commit, model).await?;
        let results: Vec<Passage> = hits.into_iter().map(passage).collect();
        Ok(PassageResults {
            query,
            mode: mode_name(q.mode),
            total: results.len(),
            results,
            index,
        })
    }

    /// Starts rebuilding the wiki's search index from git in the background; `Exists` (409)
    /// when a rebuild is already running.
    pub async fn reindex(&self) -> NotesResult<ReindexState> {
        self.require_write()?;
        let slug = self.ctx.repo.slug().to_string();
        self.state.indexer.reindex(&slug).map_err(|_| {
            NotesError::Exists(
                "A rebuild of this wiki's index is already running; follow it with \
                 GET /api/v1/reindex/status."
                    .into(),
            )
        })?;
        self.reindex_status().await
    }

    /// The state of the wiki's last rebuild and of its embeddings.
    pub async fn reindex_status(&self) -> NotesResult<ReindexState> {
        let index = self.index_freshness().await?;
        Ok(ReindexState {
            rebuild: self.state.indexer.reindex_status(self.ctx.repo.slug()),
            index,
        })
    }

    /// How current the wiki's index is.
    pub async fn index_freshness(&self) -> NotesResult<IndexFreshness> {
        self.require_read()?;
        let (slug, commit) = self.sync_index().await?;
        let model = self
            .state
            .indexer
            .embedder()
            .map(|e| e.model_id().to_string());
        self.freshness(&slug, commit, model).await
    }

    async fn freshness(
        &self,
        slug: &str,
        commit: String,
        model: Option<String>,
    ) -> NotesResult<IndexFreshness> {
        let lag = match &model {
            Some(model) => Some(
                self.state
                    .search
                    .vector_lag(slug, model)
                    .await
                    .map_err(NotesError::internal)?,
            ),
            None => None,
        };
        Ok(IndexFreshness {
            commit,
            chunks: lag.map_or(0, |l| l.chunks),
            pending_vectors: lag.map_or(0, |l| l.pending),
            vectors_current: lag.is_some_and(|l| l.pending == 0),
            model,
        })
    }

    /// Brings the wiki's index to its head; returns the slug and the indexed commit.
    async fn sync_index(&self) -> NotesResult<(String, String)> {
        let repo = Arc::clone(&self.ctx.repo);
        let slug = repo.slug().to_string();
        let index = &self.state.search;
        index
            .sync(&slug, &repo)
            .await
            .map_err(NotesError::internal)?;
        let commit = index
            .indexed_head(&slug)
            .await
            .map_err(NotesError::internal)?
            .unwrap_or_default();
        Ok((slug, commit))
    }

    /// The index filter for a listing filter: unrestricted when empty, else the exact set of
    /// pages the catalog lists for it (so search and `list` agree on what a filter means).
    async fn search_filter(&self, filter: &ListFilter) -> NotesResult<SearchFilter> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !(given(&filter.prefix)
            || given(&filter.category)
            || given(&filter.tag)
            || given(&filter.updated_since))
        {
            return Ok(SearchFilter::default());
        }
        let updated_since = match filter.updated_since.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(super::index::parse_since(text)?),
            _ => None,
        };
        let catalog = self.catalog().await?;
        let pages: BTreeSet<String> = catalog
            .list(&PageFilter {
                prefix: filter.prefix.clone(),
                category: filter.category.clone(),
                tag: filter.tag.clone(),
                updated_since,
            })
            .iter()
            .map(|entry| entry.path.to_string())
            .collect();
        Ok(SearchFilter {
            path_prefix: None,
            pages: Some(Arc::new(pages)),
        })
    }
}

fn clean_query(query: &str) -> NotesResult<String> {
    let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
    if query.is_empty() {
        return Err(NotesError::invalid(
            "missing_field",
            "Query parameter 'q' is required: give one or more words to search for.",
        ));
    }
    Ok(query)
}

fn passage(hit: ChunkHit) -> Passage {
    let section = hit.section().to_string();
    let mut matched = Vec::new();
    if hit.keyword_rank.is_some() {
        matched.push("keyword");
    }
    if hit.semantic_rank.is_some() {
        matched.push("semantic");
    }
    Passage {
        name: hit.path.clone(),
        snippet: snippet(&hit.text),
        section,
        // The chunk's path starts with the page's title; the section path is the page's own
        // heading path, the syntax `read_note` and `edit_note` take.
        section_path: hit.section_path.get(1..).unwrap_or_default().join(" > "),
        chunk_index: hit.ordinal,
        total_chunks: hit.total_chunks,
        score: hit.score,
        distance: hit
            .similarity
            .map(|s| ((1.0 - f64::from(s)) * 10_000.0).round() / 10_000.0),
        matched,
        keyword_rank: hit.keyword_rank,
        semantic_rank: hit.semantic_rank,
        path: hit.path,
        title: hit.title,
        text: hit.text,
    }
}

/// The text cut at a word boundary near [`SNIPPET_CHARS`], `...` when cut.
fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SNIPPET_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(SNIPPET_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_cut_at_words() {
        assert_eq!(snippet("short  text\nhere"), "short text here");
        let long = "word ".repeat(60);
        let s = snippet(&long);
        assert!(s.ends_with("word...") && s.chars().count() <= SNIPPET_CHARS + 3);
    }

    #[test]
    fn modes_parse_with_hybrid_by_default() {
        assert_eq!(parse_mode(None).ok(), Some(SearchMode::Hybrid));
        assert_eq!(parse_mode(Some(" ")).ok(), Some(SearchMode::Hybrid));
        assert_eq!(
            parse_mode(Some("semantic")).ok(),
            Some(SearchMode::Semantic)
        );
        assert_eq!(parse_mode(Some("keyword")).ok(), Some(SearchMode::Keyword));
        assert!(parse_mode(Some("fuzzy")).is_err());
    }
}
