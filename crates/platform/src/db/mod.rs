//! The platform database. Every SQL statement of the crate lives under this module, written in
//! the subset SQLite and PostgreSQL share (`$n` parameters, `RETURNING`, `ON CONFLICT`), so a
//! PostgreSQL backend needs its own migrations and connection set-up, not new queries.

mod access_requests;
mod api_tokens;
mod limits;

pub use api_tokens::TOKEN_PREFIX;
mod atproto;
mod login_links;
mod members;
mod oauth;
mod read_cache;
mod rows;
mod sessions;
mod stats;
mod user_wikis;
mod users;
mod wikis;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::PlatformError;

pub use atproto::{AtprotoLogin, AtprotoSession};
pub use oauth::{
    ACCESS_LIFETIME_CHOICES, AuthorizationCode, CODE_LIFETIME_SECS, ClientAuthMethod,
    CodeRedemption, DEFAULT_ACCESS_LIFETIME_SECS, IssuedTokens, MetadataClient,
    NewAuthorizationCode, NewOAuthClient, OAUTH_ACCESS_PREFIX, OAUTH_REFRESH_PREFIX, OAuthAccess,
    OAuthClient, OAuthGrant, REFRESH_LIFETIME_SECS, RefreshOutcome,
};
pub use sessions::RevokedSessions;

/// The schema, embedded at compile time from `crates/platform/migrations/`.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for another connection's (or process's) write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per process; SQLite serializes writers anyway, this is for concurrent readers.
const MAX_CONNECTIONS: u32 = 8;

/// A handle to the platform database; cheap to clone (it is a connection pool).
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
    /// The rows every request reads, while the file is unchanged (`None` in memory).
    cache: Option<Arc<read_cache::ReadCache>>,
}

impl Db {
    /// Writes a consistent copy of the whole database to `dest` (which must not exist), while
    /// other connections and processes keep reading and writing: SQLite's `VACUUM INTO`.
    pub async fn snapshot_to(&self, dest: &str) -> Result<(), PlatformError> {
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens the database file at `path`, creating it if missing (its directory must exist),
    /// and brings the schema up to date.
    ///
    /// Connections use WAL journaling, `synchronous = NORMAL`, enforced foreign keys and a 5 s
    /// busy timeout, so the CLI and the server can use the same file at once.
    pub async fn open(path: &Path) -> Result<Db, PlatformError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        let mut db = Self::migrated(pool).await?;
        db.cache = read_cache::ReadCache::open(path).map(Arc::new);
        Ok(db)
    }

    /// A fresh, empty database that lives in memory until the last clone of this handle is
    /// dropped: for tests.
    pub async fn open_in_memory() -> Result<Db, PlatformError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        // Every connection to an in-memory SQLite database sees a database of its own: keep
        // exactly one connection, and never let the pool retire it.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    /// The cache's current data version, if rows are cached.
    fn cached_version(&self) -> Option<(&read_cache::ReadCache, read_cache::Version)> {
        let cache = self.cache.as_deref()?;
        Some((cache, cache.current()?))
    }

    /// Waits for running queries and closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn migrated(pool: SqlitePool) -> Result<Db, PlatformError> {
        MIGRATOR.run(&pool).await?;
        Ok(Db { pool, cache: None })
    }
}

/// Seconds since the Unix epoch; a clock before 1970 counts as 0.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}
