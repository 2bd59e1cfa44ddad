//! Each wiki's own FTS5 tables, so ranking statistics are per wiki.
//!
//! bm25 takes its corpus statistics (how many rows, how many of them contain a term, the
//! average column length) from the whole FTS5 table it ranks. With one table for every wiki,
//! another tenant's private pages moved a wiki's scores and even its order, which told a reader
//! of wiki A which words wiki B uses (issue 17, finding 8). So every wiki gets a pair of FTS5
//! tables of its own (pages, chunks), created in its first sync and dropped when it is
//! forgotten; nothing of another wiki is in the table a search ranks over.
//!
//! Why tables in the one file rather than a file per wiki or bm25 computed here: a single file
//! keeps a wiki's rows, chunks and recorded head in one transaction and vectors shared by
//! content hash across wikis (no `ATTACH` limits, no pool per wiki), and FTS5's own bm25,
//! `snippet()`, prefix indexes and phrase queries keep working unchanged, which computing bm25
//! ourselves would have to re-implement (FTS5 exposes no per-row term frequencies to SQL).
//! The cost is six schema entries per table (the virtual table and its shadow tables), which
//! every connection re-reads after a wiki is created or forgotten: fine for thousands of wikis.
//!
//! Tables are named by a number the index allocates (`fts_state.id`, never reused), not by the
//! slug, so no text from outside ever reaches a statement's SQL.

use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::error::SearchError;

/// The FTS5 tables of one wiki.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WikiTables {
    id: i64,
}

impl WikiTables {
    /// The tables of wiki `slug`, `None` when it was never synced (or was forgotten).
    pub(crate) async fn of(
        conn: &mut SqliteConnection,
        slug: &str,
    ) -> Result<Option<WikiTables>, SearchError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM fts_state WHERE slug = ?")
            .bind(slug)
            .fetch_optional(conn)
            .await?;
        Ok(id.map(|id| WikiTables { id }))
    }

    /// `template` with `{pages}` and `{chunks}` replaced by the wiki's table names. The only
    /// place statements are assembled at run time: templates are constants and the names hold
    /// nothing but a number.
    pub(crate) fn sql(&self, template: &'static str) -> AssertSqlSafe<String> {
        AssertSqlSafe(
            template
                .replace("{pages}", &format!("fts_pages_{}", self.id))
                .replace("{chunks}", &format!("fts_chunks_{}", self.id)),
        )
    }

    /// Creates the tables unless they exist (a no-op then, which leaves the schema alone).
    /// Pages: `path` (not indexed), the searchable `title` (which also holds the page name, see
    /// `Document::searchable_title`) and `body`, rowid `fts_rows.id`. Chunks: `context` (the
    /// heading path) and `text`, rowid `chunks.id`.
    pub(crate) async fn create(&self, conn: &mut SqliteConnection) -> Result<(), SearchError> {
        const CREATE: [&str; 2] = [
            "CREATE VIRTUAL TABLE IF NOT EXISTS {pages} USING fts5(
                path UNINDEXED, title, body,
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
            "CREATE VIRTUAL TABLE IF NOT EXISTS {chunks} USING fts5(
                context, text, tokenize = 'unicode61 remove_diacritics 2')",
        ];
        for template in CREATE {
            sqlx::query(self.sql(template)).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Drops the tables (with their shadow tables).
    pub(crate) async fn drop(&self, conn: &mut SqliteConnection) -> Result<(), SearchError> {
        for template in [
            "DROP TABLE IF EXISTS {pages}",
            "DROP TABLE IF EXISTS {chunks}",
        ] {
            sqlx::query(self.sql(template)).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// Drops every virtual table in the file: all wikis' FTS tables, and the shared ones of schema
/// versions before per-wiki tables. Used when the schema version changes.
pub(crate) async fn drop_all(conn: &mut SqliteConnection) -> Result<(), SearchError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema
         WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for name in names {
        // Names come from the file's own schema; quoted all the same.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {quoted}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
