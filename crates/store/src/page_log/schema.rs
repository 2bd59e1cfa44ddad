//! The page log's tables. Derived data: a schema from another version is dropped and rebuilt
//! from git as wikis are read.

use rusqlite::Connection;

use crate::error::StoreError;

/// Bumped whenever the tables or what is recorded change.
const VERSION: i64 = 1;

/// `logged_wikis` says up to which head each wiki is recorded (`''`: nothing yet) and how many
/// commits that is; `commits` numbers a wiki's commits oldest first (`seq`, so newest first is
/// a descending index scan) with what histories show; `touches` lists, per path, the commits
/// whose entry for it differs from their parents' (`renamed_from`: the commit renamed the file
/// here from that name).
const CREATE: &str = "
    CREATE TABLE IF NOT EXISTS logged_wikis (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        slug TEXT NOT NULL UNIQUE,
        head TEXT NOT NULL,
        commits INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS commits (
        wiki INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        parents TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_email TEXT NOT NULL,
        time INTEGER NOT NULL,
        tz INTEGER NOT NULL,
        message TEXT NOT NULL,
        files TEXT NOT NULL,
        PRIMARY KEY (wiki, seq)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS commits_by_id ON commits (wiki, id);
    CREATE TABLE IF NOT EXISTS touches (
        wiki INTEGER NOT NULL,
        path TEXT NOT NULL,
        seq INTEGER NOT NULL,
        renamed_from TEXT,
        PRIMARY KEY (wiki, path, seq)) WITHOUT ROWID;";

const DROP: &str = "
    DROP TABLE IF EXISTS touches;
    DROP TABLE IF EXISTS commits;
    DROP TABLE IF EXISTS logged_wikis;";

/// Creates the tables, replacing those of another schema version.
/// In one write transaction: servers sharing the file (or two stores on one root) may open it
/// at the same moment, and one must not drop tables the other has started to fill.
pub(super) fn prepare(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let prepared = (|| {
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version != VERSION {
            conn.execute_batch(DROP)?;
        }
        conn.execute_batch(CREATE)?;
        conn.pragma_update(None, "user_version", VERSION)?;
        Ok::<_, StoreError>(())
    })();
    match prepared {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    prepared
}
