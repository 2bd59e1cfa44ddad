//! The FTS5 index: schema, sync from git, ranked search.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use robot_store::{ChangeStatus, CommitId, RepoPath, WikiRepo};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};
use tokio::sync::Mutex;

use crate::chunk::Chunk;
use crate::chunk_store;
use crate::document::{Document, MARK_CLOSE, MARK_OPEN};
use crate::error::SearchError;
use crate::query::MatchQuery;
use crate::score;
use crate::tables::{self, WikiTables};
use crate::vectors;

/// Bumped whenever the schema or what is indexed changes; a mismatch drops and rebuilds all.
/// Version 4: FTS tables per wiki (ranking statistics per wiki). Version 5: chunks end at
/// paragraph and line boundaries (`chunk::windows`).
const SCHEMA_VERSION: i64 = 5;
/// Records [`SCHEMA_VERSION`] (a PRAGMA cannot take a bound parameter).
const SET_SCHEMA_VERSION: &str = "PRAGMA user_version = 5";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 4;
/// One page of hits, with every match's rank relative to the best and the number of matches.
/// Title matches weigh ten times body matches (`bm25` column weights: path, title, body), and
/// bm25 ranks over the wiki's own table, so only the wiki's pages feed its statistics.
/// The snippet (up to 32 tokens of the body around the best match, highlights marked) is
/// computed in the outer query, so only for the hits on the page: a snippet re-reads the page
/// text, and the window functions make SQLite compute the inner columns for every match.
/// `CROSS JOIN` keeps the FTS index driving the join; otherwise SQLite may walk the wiki's rows
/// through the `(slug, file)` index and run one FTS lookup per page.
const SEARCH: &str = "SELECT hit.path, hit.title, hit.rank, hit.best, hit.total,
        (SELECT snippet({pages}, 2, ?1, ?2, '...', 32) FROM {pages}
            WHERE {pages} MATCH ?3 AND {pages}.rowid = hit.id) AS snippet
    FROM (SELECT id, path, title, path_key, rank,
                 min(rank) OVER () AS best, count(*) OVER () AS total
        FROM (SELECT {pages}.rowid AS id, {pages}.path AS path, fts_rows.title AS title,
                fts_rows.path_key AS path_key, bm25({pages}, 0.0, 10.0, 1.0) AS rank
            FROM {pages} CROSS JOIN fts_rows ON fts_rows.id = {pages}.rowid
            WHERE {pages} MATCH ?3 AND fts_rows.slug = ?4
              AND substr(fts_rows.path_key, 1, ?5) = ?6
              AND (?9 IS NULL OR {pages}.path IN (SELECT value FROM json_each(?9))))
        ORDER BY rank, path_key
        LIMIT ?7 OFFSET ?8) AS hit
    ORDER BY hit.rank, hit.path_key";
/// The number of matches, for a page past the last hit.
const COUNT: &str =
    "SELECT count(*) FROM {pages} CROSS JOIN fts_rows ON fts_rows.id = {pages}.rowid
    WHERE {pages} MATCH ?1 AND fts_rows.slug = ?2
      AND substr(fts_rows.path_key, 1, ?3) = ?4
      AND (?5 IS NULL OR {pages}.path IN (SELECT value FROM json_each(?5)))";
/// Attempts at a sync that keeps losing the compare-and-swap to other processes.
const SYNC_ATTEMPTS: usize = 3;

/// Each wiki's page text is in its own FTS5 table (see [`WikiTables`]); `fts_rows` gives each
/// (wiki, file) a stable rowid so a changed file is found without scanning the FTS table, and
/// holds the lowercased page path for prefix filters and the title to show; `fts_state` records
/// which commit each wiki's rows reflect, and numbers the wiki's FTS tables (`AUTOINCREMENT`: a
/// forgotten wiki's number is never given to another).
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS fts_rows (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL,
        file TEXT NOT NULL,
        path_key TEXT NOT NULL,
        title TEXT NOT NULL,
        UNIQUE (slug, file))",
    "CREATE TABLE IF NOT EXISTS fts_state (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        slug TEXT NOT NULL UNIQUE,
        head TEXT NOT NULL)",
];
/// The shared tables; the FTS tables go with [`tables::drop_all`].
const DROP: &[&str] = &[
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
    /// Relevance relative to the best hit of the search (which scores 1), in hundredths and at
    /// least 0.01; only comparable within one search, and never raw bm25 (see `score.rs`).
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
        let mut tx = write_transaction(&pool).await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        if version != SCHEMA_VERSION {
            tables::drop_all(&mut tx).await?;
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

    /// The wikis the index holds rows of.
    pub async fn indexed_wikis(&self) -> Result<Vec<String>, SearchError> {
        Ok(
            sqlx::query_scalar("SELECT slug FROM fts_state ORDER BY slug")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Forgets a wiki (after it is deleted): drops its FTS tables and deletes its rows, so
    /// nothing of it is left in the file (its vectors go when no chunk uses them).
    pub async fn forget(&self, slug: &str) -> Result<(), SearchError> {
        let _writer = self.writer.lock().await;
        let mut tx = write_transaction(&self.pool).await?;
        if let Some(tables) = WikiTables::of(&mut tx, slug).await? {
            tables.drop(&mut tx).await?;
        }
        for statement in [
            "DELETE FROM fts_rows WHERE slug = ?",
            "DELETE FROM chunks WHERE slug = ?",
            "DELETE FROM vec_state WHERE slug = ?",
            "DELETE FROM fts_state WHERE slug = ?",
        ] {
            sqlx::query(statement).bind(slug).execute(&mut *tx).await?;
        }
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
        let mut tx = write_transaction(&self.pool).await?;
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
        let tables = match WikiTables::of(&mut tx, slug).await? {
            Some(tables) if swapped == 1 => tables,
            _ => {
                tx.rollback().await?;
                return Ok(None);
            }
        };
        // The wiki's first sync (or the first after it was forgotten) creates its tables.
        tables.create(&mut tx).await?;
        if plan.rebuild {
            clear(&mut tx, tables, slug).await?;
            chunk_store::remove(&mut tx, tables, slug, None).await?;
        }
        for file in &plan.remove {
            remove(&mut tx, tables, slug, file).await?;
            chunk_store::remove(&mut tx, tables, slug, Some(file)).await?;
        }
        for (doc, chunks) in &plan.upsert {
            remove(&mut tx, tables, slug, &doc.file).await?;
            insert(&mut tx, tables, slug, doc).await?;
            chunk_store::remove(&mut tx, tables, slug, Some(&doc.file)).await?;
            chunk_store::insert(&mut tx, tables, slug, doc, chunks).await?;
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
        // One read transaction: the wiki's tables cannot be dropped between the look-up and
        // the queries (a concurrent `forget`, in this process or another).
        let mut tx = self.pool.begin().await?;
        let Some(tables) = WikiTables::of(&mut tx, slug).await? else {
            return Ok((Vec::new(), 0));
        };
        let search = PageSearch {
            tables,
            slug,
            prefix: filter.prefix_key(),
            pages: filter.pages_json(),
            limit,
            offset,
        };
        let (hits, total) = search.run(&mut tx, &parsed.all()).await?;
        if total == 0 && parsed.len() > 1 {
            return search.run(&mut tx, &parsed.any()).await;
        }
        Ok((hits, total))
    }
}

/// A transaction that takes SQLite's write lock at its start (`BEGIN IMMEDIATE`), waiting up to
/// the busy timeout for it. A deferred transaction that reads first and writes later cannot wait:
/// when another process (the CLI beside a server, or a second server) committed in between,
/// SQLite fails its upgrade at once with "database is locked".
pub(crate) async fn write_transaction(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, SearchError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// One page search over a wiki's tables, for one `MATCH` expression at a time.
struct PageSearch<'a> {
    tables: WikiTables,
    slug: &'a str,
    prefix: String,
    pages: Option<String>,
    limit: usize,
    offset: usize,
}

impl PageSearch<'_> {
    async fn run(
        &self,
        conn: &mut SqliteConnection,
        expression: &str,
    ) -> Result<(Vec<Hit>, usize), SearchError> {
        let rows = sqlx::query(self.tables.sql(SEARCH))
            .bind(MARK_OPEN.to_string())
            .bind(MARK_CLOSE.to_string())
            .bind(expression)
            .bind(self.slug)
            .bind(self.prefix.chars().count() as i64)
            .bind(&self.prefix)
            .bind(self.limit as i64)
            .bind(self.offset as i64)
            .bind(self.pages.as_deref())
            .fetch_all(&mut *conn)
            .await?;
        let total = match rows.first() {
            Some(row) => usize::try_from(row.get::<i64, _>(4)).unwrap_or(0),
            // Nothing on this page: past the end, or no match at all.
            None if self.offset > 0 => self.count(conn, expression).await?,
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
                    score: score::relative(row.get(2), row.get(3)),
                }
            })
            .collect();
        Ok((hits, total))
    }

    async fn count(
        &self,
        conn: &mut SqliteConnection,
        expression: &str,
    ) -> Result<usize, SearchError> {
        let n: i64 = sqlx::query_scalar(self.tables.sql(COUNT))
            .bind(expression)
            .bind(self.slug)
            .bind(self.prefix.chars().count() as i64)
            .bind(&self.prefix)
            .bind(self.pages.as_deref())
            .fetch_one(conn)
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

async fn clear(
    tx: &mut Transaction<'_, Sqlite>,
    tables: WikiTables,
    slug: &str,
) -> Result<(), SearchError> {
    sqlx::query(tables.sql("DELETE FROM {pages}"))
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
    tables: WikiTables,
    slug: &str,
    file: &str,
) -> Result<(), SearchError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM fts_rows WHERE slug = ? AND file = ?")
        .bind(slug)
        .bind(file)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = id {
        sqlx::query(tables.sql("DELETE FROM {pages} WHERE rowid = ?"))
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
    tables: WikiTables,
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
    sqlx::query(tables.sql("INSERT INTO {pages} (rowid, path, title, body) VALUES (?, ?, ?, ?)"))
        .bind(id)
        .bind(&doc.path)
        .bind(doc.searchable_title())
        .bind(&doc.body)
        .execute(&mut **tx)
        .await?;
    Ok(())
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
}
