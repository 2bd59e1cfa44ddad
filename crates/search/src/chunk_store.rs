//! Chunk rows: every page's chunks, written in the same transaction as its full-text row, so the
//! chunk set always reflects the indexed commit. Each chunk carries the hash of the text the model
//! embeds; vectors are stored by that hash (see `vectors.rs`), so unchanged chunks — after an
//! edit elsewhere on the page, a rename, or a rebuild — are never embedded twice. The chunk
//! rows are shared by all wikis (they carry no ranking statistics); each wiki's chunk text is
//! searched in its own FTS5 table (see `tables.rs`).

use sha2::{Digest, Sha256};
use sqlx::{Sqlite, Transaction};

use crate::chunk::{Chunk, chunk_page};
use crate::document::Document;
use crate::error::SearchError;
use crate::tables::WikiTables;

/// Separates headings in the stored section path (a control character no heading contains).
pub(crate) const PATH_SEPARATOR: char = '\u{1f}';

pub(crate) const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS chunks (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL,
        file TEXT NOT NULL,
        path TEXT NOT NULL,
        title TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        section_path TEXT NOT NULL,
        text TEXT NOT NULL,
        hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chunks_slug_file ON chunks (slug, file)",
    "CREATE INDEX IF NOT EXISTS chunks_hash ON chunks (hash)",
    // Bumped whenever a wiki's chunks or their vectors change: the in-memory vector matrix of a
    // wiki is reloaded when its generation moves, in this process or another.
    "CREATE TABLE IF NOT EXISTS vec_state (slug TEXT PRIMARY KEY, generation INTEGER NOT NULL)",
];
pub(crate) const DROP: &[&str] = &[
    "DROP TABLE IF EXISTS chunks",
    "DROP TABLE IF EXISTS vec_state",
];

/// The chunks of a document, with the hash of each one's embedding input.
pub(crate) fn chunks_of(doc: &Document) -> Vec<(Chunk, String)> {
    chunk_page(&doc.path, &doc.body)
        .into_iter()
        .map(|chunk| {
            let hash = hex::encode(&Sha256::digest(chunk.embedding_input().as_bytes())[..16]);
            (chunk, hash)
        })
        .collect()
}

/// Records that the wiki's chunks changed.
pub(crate) async fn bump(tx: &mut Transaction<'_, Sqlite>, slug: &str) -> Result<(), SearchError> {
    sqlx::query(
        "INSERT INTO vec_state (slug, generation) VALUES (?, 1)
         ON CONFLICT (slug) DO UPDATE SET generation = generation + 1",
    )
    .bind(slug)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes every chunk of the wiki (`file` = `None`) or of one file.
pub(crate) async fn remove(
    tx: &mut Transaction<'_, Sqlite>,
    tables: WikiTables,
    slug: &str,
    file: Option<&str>,
) -> Result<(), SearchError> {
    sqlx::query(tables.sql(
        "DELETE FROM {chunks} WHERE rowid IN
            (SELECT id FROM chunks WHERE slug = ?1 AND (?2 IS NULL OR file = ?2))",
    ))
    .bind(slug)
    .bind(file)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM chunks WHERE slug = ?1 AND (?2 IS NULL OR file = ?2)")
        .bind(slug)
        .bind(file)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes a document's chunks.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    tables: WikiTables,
    slug: &str,
    doc: &Document,
    chunks: &[(Chunk, String)],
) -> Result<(), SearchError> {
    for (chunk, hash) in chunks {
        let section_path = chunk.section_path.join(&PATH_SEPARATOR.to_string());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chunks (slug, file, path, title, ordinal, section_path, text, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(slug)
        .bind(&doc.file)
        .bind(&doc.path)
        .bind(&doc.title)
        .bind(chunk.ordinal as i64)
        .bind(&section_path)
        .bind(&chunk.text)
        .bind(hash)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(tables.sql("INSERT INTO {chunks} (rowid, context, text) VALUES (?, ?, ?)"))
            .bind(id)
            .bind(chunk.context())
            .bind(&chunk.text)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Splits a stored section path back into headings.
pub(crate) fn split_path(stored: &str) -> Vec<String> {
    stored.split(PATH_SEPARATOR).map(str::to_string).collect()
}
