//! Searching chunks: by keywords (FTS5 over chunk text and headings), by meaning (vectors), and
//! hybrid — the two rankings fused by reciprocal rank fusion, which needs no score calibration
//! between bm25 and cosine similarity and rewards chunks both rankings agree on.

use std::collections::HashMap;

use sqlx::Row;

use crate::chunk_store::split_path;
use crate::error::SearchError;
use crate::index::{SearchFilter, SearchIndex};
use crate::query::MatchQuery;
use crate::score;
use crate::tables::WikiTables;

/// The RRF constant: ranks past the first few matter little, the top matters most.
const RRF_K: f64 = 60.0;
/// Candidates taken from each ranking before filters, fusion and the per-page cap.
const CANDIDATES: usize = 200;

/// How to rank chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// bm25 over chunk text and headings.
    Keyword,
    /// Cosine similarity of embeddings.
    Semantic,
    /// Both, fused by reciprocal rank.
    Hybrid,
}

/// The query embedded by the index's model, for semantic and hybrid search.
#[derive(Debug, Clone, Copy)]
pub struct QueryVector<'a> {
    /// The model that embedded it (only its vectors are compared).
    pub model: &'a str,
    /// The unit-length vector.
    pub vector: &'a [f32],
}

/// A chunk search.
#[derive(Debug, Clone)]
pub struct ChunkSearch<'a> {
    /// The wiki.
    pub slug: &'a str,
    /// The query text.
    pub text: &'a str,
    /// Its embedding; required for semantic and hybrid modes.
    pub vector: Option<QueryVector<'a>>,
    /// The ranking.
    pub mode: SearchMode,
    /// Which pages may match.
    pub filter: &'a SearchFilter,
    /// Most results.
    pub limit: usize,
    /// Most chunks of one page among the results.
    pub per_page: usize,
}

/// One chunk found.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkHit {
    /// The page path.
    pub path: String,
    /// The page title.
    pub title: String,
    /// Headings from the page down to the chunk's section.
    pub section_path: Vec<String>,
    /// The chunk's position in its page.
    pub ordinal: usize,
    /// Chunks in the page.
    pub total_chunks: usize,
    /// The chunk text.
    pub text: String,
    /// Relevance, higher is better, comparable only within one search: cosine similarity in
    /// semantic mode, bm25 relative to the best hit in hundredths in keyword mode (never raw
    /// bm25), the RRF sum (a function of the two ranks only) in hybrid mode.
    pub score: f64,
    /// Rank (from 1) in the keyword ranking, when the chunk was in it.
    pub keyword_rank: Option<usize>,
    /// Rank (from 1) in the vector ranking, when the chunk was in it.
    pub semantic_rank: Option<usize>,
    /// Cosine similarity to the query, when vectors were compared.
    pub similarity: Option<f32>,
}

impl ChunkHit {
    /// The heading of the section the chunk starts in (`""` before the first heading).
    pub fn section(&self) -> &str {
        crate::chunk::section_of(&self.section_path)
    }
}

/// A candidate before its row is read.
#[derive(Debug, Clone, Default)]
struct Candidate {
    path: String,
    score: f64,
    keyword_rank: Option<usize>,
    semantic_rank: Option<usize>,
    similarity: Option<f32>,
}

impl SearchIndex {
    /// Chunks of one wiki matching `search`, best first, at most `per_page` from one page.
    /// Call [`SearchIndex::sync`] first; vectors may lag (see [`SearchIndex::vector_lag`]).
    pub async fn search_chunks(
        &self,
        search: &ChunkSearch<'_>,
    ) -> Result<Vec<ChunkHit>, SearchError> {
        let prefix = search.filter.prefix_key();
        let keep = |path: &str| search.filter.allows(path, &prefix);
        let keyword = match search.mode {
            SearchMode::Keyword | SearchMode::Hybrid => self.keyword_chunks(search, &keep).await?,
            SearchMode::Semantic => Vec::new(),
        };
        let semantic = match (search.mode, search.vector) {
            (SearchMode::Semantic | SearchMode::Hybrid, Some(query)) => {
                self.nearest(search.slug, query.model, query.vector, CANDIDATES, &keep)
                    .await?
            }
            _ => Vec::new(),
        };
        let mut candidates: HashMap<i64, Candidate> = HashMap::new();
        for (rank, (id, path, bm25)) in keyword.iter().enumerate() {
            let c = candidates.entry(*id).or_default();
            c.path.clone_from(path);
            c.keyword_rank = Some(rank + 1);
            c.score = match search.mode {
                SearchMode::Keyword => score::relative(*bm25, keyword[0].2),
                _ => rrf(rank),
            };
        }
        for (rank, near) in semantic.iter().enumerate() {
            let c = candidates.entry(near.id).or_default();
            c.path = near.path.to_string();
            c.semantic_rank = Some(rank + 1);
            c.similarity = Some(near.similarity);
            c.score = match search.mode {
                SearchMode::Semantic => f64::from(near.similarity),
                _ => c.score + rrf(rank),
            };
        }
        let mut ranked: Vec<(i64, Candidate)> = candidates.into_iter().collect();
        ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let mut per_page: HashMap<String, usize> = HashMap::new();
        let chosen: Vec<(i64, Candidate)> = ranked
            .into_iter()
            .filter(|(_, c)| {
                let n = per_page.entry(c.path.clone()).or_default();
                *n += 1;
                *n <= search.per_page.max(1)
            })
            .take(search.limit)
            .collect();
        self.read_chunks(chosen).await
    }

    /// `(chunk id, page path, bm25)` of the best keyword matches, best first.
    async fn keyword_chunks(
        &self,
        search: &ChunkSearch<'_>,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<(i64, String, f64)>, SearchError> {
        let Some(expression) = MatchQuery::parse(search.text).any_significant() else {
            return Ok(Vec::new());
        };
        // The look-up and the query in one read transaction: a concurrent `forget` cannot drop
        // the table between them.
        let mut tx = self.pool.begin().await?;
        let Some(tables) = WikiTables::of(&mut tx, search.slug).await? else {
            return Ok(Vec::new());
        };
        // Any significant term may match: questions carry words the answer does not repeat,
        // and bm25 already ranks chunks with more of the terms first. It ranks over the wiki's
        // own table, so only the wiki's chunks feed its statistics.
        let rows = sqlx::query(tables.sql(
            "SELECT c.id, c.path, bm25({chunks}, 2.0, 1.0) AS rank
             FROM {chunks} CROSS JOIN chunks c ON c.id = {chunks}.rowid
             WHERE {chunks} MATCH ?1 AND c.slug = ?2
             ORDER BY rank, c.id LIMIT ?3",
        ))
        .bind(expression)
        .bind(search.slug)
        .bind(CANDIDATES as i64)
        .fetch_all(&mut *tx)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get::<i64, _>(0),
                    r.get::<String, _>(1),
                    r.get::<f64, _>(2),
                )
            })
            .filter(|(_, path, _)| keep(path))
            .collect())
    }

    /// The rows of the chosen chunks, in the given order.
    async fn read_chunks(
        &self,
        chosen: Vec<(i64, Candidate)>,
    ) -> Result<Vec<ChunkHit>, SearchError> {
        if chosen.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
        let rows = sqlx::query(
            "SELECT c.id, c.path, c.title, c.ordinal, c.section_path, c.text,
                    (SELECT count(*) FROM chunks t WHERE t.slug = c.slug AND t.file = c.file)
             FROM chunks c WHERE c.id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await?;
        let mut by_id: HashMap<i64, sqlx::sqlite::SqliteRow> =
            rows.into_iter().map(|r| (r.get(0), r)).collect();
        Ok(chosen
            .into_iter()
            .filter_map(|(id, c)| {
                // A chunk removed by a concurrent sync simply drops out.
                let row = by_id.remove(&id)?;
                Some(ChunkHit {
                    path: row.get(1),
                    title: row.get(2),
                    ordinal: usize::try_from(row.get::<i64, _>(3)).unwrap_or(0),
                    section_path: split_path(&row.get::<String, _>(4)),
                    text: row.get(5),
                    total_chunks: usize::try_from(row.get::<i64, _>(6)).unwrap_or(0),
                    score: (c.score * 10_000.0).round() / 10_000.0,
                    keyword_rank: c.keyword_rank,
                    semantic_rank: c.semantic_rank,
                    similarity: c.similarity,
                })
            })
            .collect())
    }
}

fn rrf(rank: usize) -> f64 {
    1.0 / (RRF_K + rank as f64 + 1.0)
}
