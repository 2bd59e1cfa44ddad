//! The FTS5 index: schema, sync from git, ranked search.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use robot_store::{ChangeStatus, CommitId, RepoPath, WikiRepo};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use tokio::sync::Mutex;

use crate::chunk::Chunk;
use crate::chunk_store;
use crate::document::{Document, MARK_CLOSE, MARK_OPEN};
use crate::error::SearchError;
use crate::query::MatchQuery;
use crate::vectors;

/// Bumped whenever the schema or what is indexed changes; a mismatch drops and rebuilds all.
const SCHEMA_VERSION: i64 = 3;
/// Records [`SCHEMA_VERSION`] (a PRAGMA cannot take a bound parameter).
const SET_SCHEMA_VERSION: &str = "PRAGMA user_version = 3";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 4;
/// One page of hits, with every match's rank relative to the best and the number of matches.
/// Title matches weigh ten times body matches (`bm25` column weights: slug, path, title, body).
/// The snippet (up to 32 tokens of the body around the best match, highlights marked) is
/// computed in the outer query, so only for the hits on the page: a snippet re-reads the page
/// text, and the window functions make SQLite compute the inner columns for every match.
/// `CROSS JOIN` keeps the FTS index driving the join; otherwise SQLite may walk the wiki's rows
/// through the `(slug, file)` index and run one FTS lookup per page.
const SEARCH: &str = "SELECT hit.path, hit.title, hit.rank, hit.best, hit.total,
        (SELECT snippet(fts_pages, 3, ?1, ?2, '...', 32) FROM fts_pages
            WHERE fts_pages MATCH ?3 AND fts_pages.rowid = hit.id) AS snippet
    FROM (SELECT id, path, title, path_key, rank,
                 min(rank) OVER () AS best, count(*) OVER () AS total
        FROM (SELECT fts_pages.rowid AS id, fts_pages.path AS path, fts_rows.title AS title,
                fts_rows.path_key AS path_key, bm25(fts_pages, 0.0, 0.0, 10.0, 1.0) AS rank
            FROM fts_pages CROSS JOIN fts_rows ON fts_rows.id = fts_pages.rowid
            WHERE fts_pages MATCH ?3 AND fts_rows.slug = ?4
              AND substr(fts_rows.path_key, 1, ?5) = ?6
              AND (?9 IS NULL OR fts_pages.path IN (SELECT value FROM json_each(?9))))
        ORDER BY rank, path_key
        LIMIT ?7 OFFSET ?8) AS hit
    ORDER BY hit.rank, hit.path_key";
/// Attempts at a sync that keeps losing the compare-and-swap to other processes.
const SYNC_ATTEMPTS: usize = 3;

/// `fts_pages` holds the searchable text (its `title` column also holds the page name, see
/// [`Document::searchable_title`]); `fts_rows` gives each (wiki, file) a stable rowid so a
/// changed file is found without scanning the FTS table, and holds the lowercased page path for
/// prefix filters and the title to show; `fts_state` records which commit each wiki's rows reflect.
const SCHEMA: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts_pages USING fts5(
        slug UNINDEXED, path UNINDEXED, title, body,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "CREATE TABLE IF NOT EXISTS fts_rows (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL,
        file TEXT NOT NULL,
        path_key TEXT NOT NULL,
        title TEXT NOT NULL,
        UNIQUE (slug, file))",
    "CREATE TABLE IF NOT EXISTS fts_state (slug TEXT PRIMARY KEY, head TEXT NOT NULL)",
];
const DROP: &[&str] = &[
    "DROP TABLE IF EXISTS fts_pages",
    "DROP TABLE IF EXISTS fts_rows",
    "DROP TABLE IF EXISTS fts_state",
];

/// The recorded head of a wiki without commits.
const EMPTY_HEAD: &str = "";

/// Full-text index of every wiki's pages at its head. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct SearchIndex {
    pub(crate) pool: SqlitePool,
    /// Serializes syncs in this process (SQLite has one writer anyway); other processes are
    /// handled by the compare-and-swap on `fts_state`.
    writer: Mutex<()>,
    /// Each wiki's vectors as one contiguous matrix, reloaded when the wiki's generation moves.
    pub(crate) matrices: vectors::MatrixCache,
}

/// Narrows a search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Only pages whose path starts with this, compared case-insensitively.
    pub path_prefix: Option<String>,
    /// Only these pages (exact page paths), when set: how callers apply filters the index does
    /// not know about (tags, category, last change), computed from the wiki's catalog.
    pub pages: Option<Arc<std::collections::BTreeSet<String>>>,
}

impl SearchFilter {
    /// The lowercased, trimmed path prefix (empty when unset).
    pub(crate) fn prefix_key(&self) -> String {
        self.path_prefix
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_lowercase()
    }

    /// The allowed pages as a JSON array for SQL's `json_each`, `None` when unrestricted.
    pub(crate) fn pages_json(&self) -> Option<String> {
        self.pages
            .as_ref()
            .map(|pages| serde_json::to_string(&**pages).unwrap_or_else(|_| "[]".into()))
    }

    /// Whether page `path` passes the filter.
    pub(crate) fn allows(&self, path: &str, prefix_key: &str) -> bool {
        (prefix_key.is_empty() || path.to_lowercase().starts_with(prefix_key))
            && self.pages.as_ref().is_none_or(|pages| pages.contains(path))
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The page path.
    pub path: String,
    /// The page title.
    pub title: String,
    /// Plain text around the best match in the body, `...` where cut.
    pub snippet: String,
    /// Byte ranges of `snippet` that matched the query.
    pub highlights: Vec<Range<usize>>,
    /// Relevance from 0 (exclusive) towards 1; only comparable within one search.
    pub score: f64,
}

/// What a [`SearchIndex::sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The index already reflected the head.
    Current,
    /// Only the files changed since the recorded head were re-indexed.
    Updated {
        /// Page rows written or removed.
        changed: usize,
    },
    /// The wiki was indexed from scratch.
    Rebuilt {
        /// Pages indexed.
        pages: usize,
    },
}

/// The rows to change for one sync, computed from git off the async runtime.
struct Plan {
    head: String,
    rebuild: bool,
    remove: Vec<String>,
    upsert: Vec<(Document, Vec<(Chunk, String)>)>,
}

impl SearchIndex {
    /// Opens (creating if needed) the index file at `path`.
    pub async fn open(path: &Path) -> Result<SearchIndex, SearchError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        SearchIndex::with_pool(pool).await
    }

    /// An index in memory, for tests.
    pub async fn in_memory() -> Result<SearchIndex, SearchError> {
        let options = SqliteConnectOptions::new().in_memory(true);
        // One connection: every in-memory connection would otherwise be its own database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        SearchIndex::with_pool(pool).await
    }

    async fn with_pool(pool: SqlitePool) -> Result<SearchIndex, SearchError> {
        let mut tx = pool.begin().await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        if version != SCHEMA_VERSION {
            let statements = DROP
                .iter()
                .chain(chunk_store::DROP)
                .chain(SCHEMA)
                .chain(chunk_store::SCHEMA);
            for statement in statements {
                sqlx::query(*statement).execute(&mut *tx).await?;
            }
            sqlx::query(SET_SCHEMA_VERSION).execute(&mut *tx).await?;
        }
        // Vectors survive schema changes: they are keyed by what was embedded, not by row.
        for statement in vectors::SCHEMA {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(SearchIndex {
            pool,
            writer: Mutex::new(()),
            matrices: vectors::MatrixCache::default(),
        })
    }

    /// The commit the wiki's rows reflect (`Some("")` for an empty wiki), `None` if never indexed.
    pub async fn indexed_head(&self, slug: &str) -> Result<Option<String>, SearchError> {
        Ok(
            sqlx::query_scalar("SELECT head FROM fts_state WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Brings the wiki's rows to `repo`'s head: nothing when already there, else the page files
    /// changed since the recorded head (or everything, when there is none or it no longer
    /// exists), written in one transaction with the new head.
    pub async fn sync(&self, slug: &str, repo: &Arc<WikiRepo>) -> Result<SyncOutcome, SearchError> {
        let head = current_head(repo).await?;
        if self.indexed_head(slug).await?.as_deref() == Some(head.as_str()) {
            return Ok(SyncOutcome::Current);
        }
        let _writer = self.writer.lock().await;
        for _ in 0..SYNC_ATTEMPTS {
            let recorded = self.indexed_head(slug).await?;
            let head = current_head(repo).await?;
            if recorded.as_deref() == Some(head.as_str()) {
                return Ok(SyncOutcome::Current);
            }
            let plan = {
                let repo = Arc::clone(repo);
                let recorded = recorded.clone();
                tokio::task::spawn_blocking(move || plan(&repo, recorded.as_deref(), head))
                    .await??
            };
            if let Some(outcome) = self.apply(slug, recorded.as_deref(), plan).await? {
                return Ok(outcome);
            }
            tracing::debug!(slug, "search index moved under us; syncing again");
        }
        Ok(SyncOutcome::Current)
    }

    /// The number of pages indexed for the wiki.
    pub async fn page_count(&self, slug: &str) -> Result<usize, SearchError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM fts_rows WHERE slug = ?")
            .bind(slug)
            .fetch_one(&self.pool)
            .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Forgets a wiki (after it is deleted).
    pub async fn forget(&self, slug: &str) -> Result<(), SearchError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        clear(&mut tx, slug).await?;
        chunk_store::remove(&mut tx, slug, None).await?;
        sqlx::query("DELETE FROM vec_state WHERE slug = ?")
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM fts_state WHERE slug = ?")
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.matrices.remove(slug);
        Ok(())
    }

    /// Writes a plan if the recorded head is still `recorded`; `None` when another writer moved it.
    async fn apply(
        &self,
        slug: &str,
        recorded: Option<&str>,
        plan: Plan,
    ) -> Result<Option<SyncOutcome>, SearchError> {
        let mut tx = self.pool.begin().await?;
        // The compare-and-swap goes first: it takes SQLite's write lock, so what follows sees
        // the latest rows.
        let swapped = match recorded {
            Some(old) => sqlx::query("UPDATE fts_state SET head = ? WHERE slug = ? AND head = ?")
                .bind(&plan.head)
                .bind(slug)
                .bind(old),
            None => sqlx::query(
                "INSERT INTO fts_state (slug, head) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING",
            )
            .bind(slug)
            .bind(&plan.head),
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if swapped != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        if plan.rebuild {
            clear(&mut tx, slug).await?;
            chunk_store::remove(&mut tx, slug, None).await?;
        }
        for file in &plan.remove {
            remove(&mut tx, slug, file).await?;
            chunk_store::remove(&mut tx, slug, Some(file)).await?;
        }
        for (doc, chunks) in &plan.upsert {
            remove(&mut tx, slug, &doc.file).await?;
            insert(&mut tx, slug, doc).await?;
            chunk_store::remove(&mut tx, slug, Some(&doc.file)).await?;
            chunk_store::insert(&mut tx, slug, doc, chunks).await?;
        }
        chunk_store::bump(&mut tx, slug).await?;
        tx.commit().await?;
        Ok(Some(if plan.rebuild {
            SyncOutcome::Rebuilt {
                pages: plan.upsert.len(),
            }
        } else {
            SyncOutcome::Updated {
                changed: plan.remove.len() + plan.upsert.len(),
            }
        }))
    }

    /// Pages of wiki `slug` matching `query`, best first: up to `limit` hits after skipping
    /// `offset`, and the number of matching pages. Pages must contain every term; when no page
    /// does, pages containing any term are returned instead. Call [`SearchIndex::sync`] first.
    pub async fn search(
        &self,
        slug: &str,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<Hit>, usize), SearchError> {
        let parsed = MatchQuery::parse(query);
        if parsed.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let prefix = filter.prefix_key();
        let pages = filter.pages_json();
        let (hits, total) = self
            .page(
                slug,
                &parsed.all(),
                &prefix,
                pages.as_deref(),
                limit,
                offset,
            )
            .await?;
        if total == 0 && parsed.len() > 1 {
            return self
                .page(
                    slug,
                    &parsed.any(),
                    &prefix,
                    pages.as_deref(),
                    limit,
                    offset,
                )
                .await;
        }
        Ok((hits, total))
    }

    async fn page(
        &self,
        slug: &str,
        expression: &str,
        prefix: &str,
        pages: Option<&str>,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<Hit>, usize), SearchError> {
        let rows = sqlx::query(SEARCH)
            .bind(MARK_OPEN.to_string())
            .bind(MARK_CLOSE.to_string())
            .bind(expression)
            .bind(slug)
            .bind(prefix.chars().count() as i64)
            .bind(prefix)
            .bind(limit as i64)
            .bind(offset as i64)
            .bind(pages)
            .fetch_all(&self.pool)
            .await?;
        let total = match rows.first() {
            Some(row) => usize::try_from(row.get::<i64, _>(4)).unwrap_or(0),
            // Nothing on this page: past the end, or no match at all.
            None if offset > 0 => self.count(slug, expression, prefix, pages).await?,
            None => 0,
        };
        let hits = rows
            .iter()
            .map(|row| {
                let marked: Option<String> = row.get(5);
                let (snippet, highlights) = unmark(marked.as_deref().unwrap_or(""));
                Hit {
                    path: row.get(0),
                    title: row.get(1),
                    snippet,
                    highlights,
                    score: score(row.get(2), row.get(3)),
                }
            })
            .collect();
        Ok((hits, total))
    }

    async fn count(
        &self,
        slug: &str,
        expression: &str,
        prefix: &str,
        pages: Option<&str>,
    ) -> Result<usize, SearchError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM fts_pages CROSS JOIN fts_rows ON fts_rows.id = fts_pages.rowid
             WHERE fts_pages MATCH ? AND fts_rows.slug = ?
               AND substr(fts_rows.path_key, 1, ?) = ?
               AND (?5 IS NULL OR fts_pages.path IN (SELECT value FROM json_each(?5)))",
        )
        .bind(expression)
        .bind(slug)
        .bind(prefix.chars().count() as i64)
        .bind(prefix)
        .bind(pages)
        .fetch_one(&self.pool)
        .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

async fn current_head(repo: &Arc<WikiRepo>) -> Result<String, SearchError> {
    let repo = Arc::clone(repo);
    let head = tokio::task::spawn_blocking(move || repo.head()).await??;
    Ok(head.map_or_else(|| EMPTY_HEAD.to_string(), |c| c.to_string()))
}

/// What to change to go from `recorded` to `head`: the diff when the recorded commit still
/// exists, else a rebuild.
fn plan(repo: &WikiRepo, recorded: Option<&str>, head: String) -> Result<Plan, SearchError> {
    if head == EMPTY_HEAD {
        return Ok(Plan {
            head,
            rebuild: true,
            remove: Vec::new(),
            upsert: Vec::new(),
        });
    }
    let new = CommitId::parse(&head)?;
    let old = recorded
        .filter(|old| *old != EMPTY_HEAD)
        .and_then(|old| CommitId::parse(old).ok());
    if let Some(old) = old
        && let Ok(diffs) = repo.diff(&old, &new, None)
    {
        let mut remove = Vec::new();
        let mut changed = Vec::new();
        for diff in diffs {
            match diff.status {
                ChangeStatus::Deleted => remove.push(diff.old_path),
                ChangeStatus::Added | ChangeStatus::Modified => changed.push(diff.new_path),
                ChangeStatus::Renamed => {
                    remove.push(diff.old_path);
                    changed.push(diff.new_path);
                }
            }
        }
        let mut upsert = Vec::new();
        for file in changed {
            match read_document(repo, &file, &new)? {
                Some(doc) => {
                    let chunks = chunk_store::chunks_of(&doc);
                    upsert.push((doc, chunks));
                }
                // No longer a page (say, renamed to `.txt`): make sure no row is left.
                None => remove.push(file),
            }
        }
        return Ok(Plan {
            head,
            rebuild: false,
            remove,
            upsert,
        });
    }
    let mut upsert = Vec::new();
    for entry in repo.files(Some(&new))?.iter() {
        if !entry.path.as_str().ends_with(".md") {
            continue;
        }
        if let Some(doc) = read_document(repo, entry.path.as_str(), &new)? {
            let chunks = chunk_store::chunks_of(&doc);
            upsert.push((doc, chunks));
        }
    }
    Ok(Plan {
        head,
        rebuild: true,
        remove: Vec::new(),
        upsert,
    })
}

fn read_document(
    repo: &WikiRepo,
    file: &str,
    at: &CommitId,
) -> Result<Option<Document>, SearchError> {
    if !file.ends_with(".md") {
        return Ok(None);
    }
    let Ok(path) = RepoPath::parse(file) else {
        return Ok(None);
    };
    Ok(repo
        .read(&path, Some(at))?
        .and_then(|blob| Document::from_file(file, &blob.bytes)))
}

async fn clear(tx: &mut Transaction<'_, Sqlite>, slug: &str) -> Result<(), SearchError> {
    sqlx::query("DELETE FROM fts_pages WHERE rowid IN (SELECT id FROM fts_rows WHERE slug = ?)")
        .bind(slug)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM fts_rows WHERE slug = ?")
        .bind(slug)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn remove(
    tx: &mut Transaction<'_, Sqlite>,
    slug: &str,
    file: &str,
) -> Result<(), SearchError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM fts_rows WHERE slug = ? AND file = ?")
        .bind(slug)
        .bind(file)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = id {
        sqlx::query("DELETE FROM fts_pages WHERE rowid = ?")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM fts_rows WHERE id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    slug: &str,
    doc: &Document,
) -> Result<(), SearchError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fts_rows (slug, file, path_key, title) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(slug)
    .bind(&doc.file)
    .bind(doc.path.to_lowercase())
    .bind(&doc.title)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO fts_pages (rowid, slug, path, title, body) VALUES (?, ?, ?, ?, ?)")
        .bind(id)
        .bind(slug)
        .bind(&doc.path)
        .bind(doc.searchable_title())
        .bind(&doc.body)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A bm25 rank (negative, lower is better) relative to the best of the search: the best hit
/// scores 1, the others their share of its relevance, rounded to 4 places. Relative because bm25
/// has no fixed scale: it depends on the corpus (all wikis, see `ARCHITECTURE.md`) and, in small
/// wikis where a term is on most pages, is close to zero everywhere.
fn score(rank: f64, best: f64) -> f64 {
    if best >= 0.0 {
        return 1.0;
    }
    ((rank / best).clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
}

/// Removes the highlight markers from an FTS5 snippet, returning the plain text (whitespace
/// collapsed) and the byte ranges the markers enclosed.
fn unmark(marked: &str) -> (String, Vec<Range<usize>>) {
    let mut text = String::with_capacity(marked.len());
    let mut highlights = Vec::new();
    let mut open = None;
    let mut space = false;
    for c in marked.chars() {
        match c {
            MARK_OPEN => open = Some(text.len() + usize::from(space && !text.is_empty())),
            MARK_CLOSE => {
                if let Some(start) = open.take() {
                    highlights.push(start..text.len());
                }
            }
            c if c.is_whitespace() => space = true,
            c => {
                if space && !text.is_empty() {
                    text.push(' ');
                }
                space = false;
                text.push(c);
            }
        }
    }
    (text, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmarks_snippets_into_ranges() {
        let (text, ranges) = unmark("...the \u{E000}road\u{E001}\n\n ahead \u{E000}Road\u{E001}s");
        assert_eq!(text, "...the road ahead Roads");
        assert_eq!(
            ranges.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(),
            ["road", "Road"]
        );
    }

    #[test]
    fn scores_are_relative_to_the_best() {
        assert_eq!(score(-2e-6, -2e-6), 1.0);
        assert_eq!(score(-1e-6, -2e-6), 0.5);
        assert_eq!(score(0.0, 0.0), 1.0);
    }
}
