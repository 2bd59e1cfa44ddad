//! The rows every request reads — its wiki by slug, the signed-in user, their role, an API
//! token, the wiki's quota — kept in memory for as long as the database file has not changed.
//!
//! Why not a time-to-live: revoking a token, removing a member or signing out everywhere must
//! take effect on the very next request, also when the change was made by another process on
//! the same file (the CLI next to a running server). SQLite says exactly when that happens:
//! `PRAGMA data_version` on a connection of its own changes whenever any other connection (of
//! this process or another) commits to the file. It reads the WAL index in shared memory, a few
//! microseconds, against tens of microseconds for one query through the pool.
//!
//! The rule that keeps it exact: a lookup reads the version *before* it queries, and stores
//! what it read under that version; the cache is emptied whenever the version differs. A row
//! read after version `v` is at least as new as `v`, so nothing older than the file's current
//! state is ever answered once the change is visible.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags};

use crate::model::{ApiToken, QuotaOverride, User, Wiki};
use crate::policy::Role;

/// Entries per kind before the kind is emptied (a bound on memory, not an eviction policy:
/// a busy platform refills what it uses in one request each).
const MAX_ENTRIES: usize = 50_000;

/// Rows read through the pool, valid while the database's data version stays the same.
pub(crate) struct ReadCache {
    /// A read-only connection of its own, used for nothing but `PRAGMA data_version`.
    watch: Mutex<Connection>,
    rows: Mutex<Rows>,
}

#[derive(Default)]
struct Rows {
    version: Option<i64>,
    wikis: HashMap<String, Option<Wiki>>,
    users: HashMap<i64, Option<User>>,
    roles: HashMap<(i64, i64), Option<Role>>,
    quotas: HashMap<i64, QuotaOverride>,
    /// API tokens by the hash of their secret (only live ones: a refused secret is not kept).
    tokens: HashMap<String, ApiToken>,
}

/// The data version a lookup started from; what the lookup reads is stored under it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Version(i64);

impl ReadCache {
    /// A cache over the database file at `path` (which must exist), or `None` when it cannot
    /// be watched (then every lookup goes to the database, as without a cache).
    pub(crate) fn open(path: &Path) -> Option<ReadCache> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        match Connection::open_with_flags(path, flags) {
            Ok(watch) => Some(ReadCache {
                watch: Mutex::new(watch),
                rows: Mutex::new(Rows::default()),
            }),
            Err(err) => {
                tracing::warn!(%err, path = %path.display(), "platform rows are not cached");
                None
            }
        }
    }

    /// The current data version, after emptying the cache if the database changed since the
    /// last lookup. `None` when the version cannot be read (then nothing is cached).
    pub(crate) fn current(&self) -> Option<Version> {
        let version = {
            let watch = lock(&self.watch);
            watch
                .prepare_cached("PRAGMA data_version")
                .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, i64>(0)))
        };
        let version = match version {
            Ok(version) => version,
            Err(err) => {
                tracing::warn!(%err, "cannot read the platform database's data version");
                return None;
            }
        };
        let mut rows = lock(&self.rows);
        if rows.version != Some(version) {
            *rows = Rows {
                version: Some(version),
                ..Rows::default()
            };
        }
        Some(Version(version))
    }

    pub(crate) fn wiki(&self, at: Version, slug: &str) -> Option<Option<Wiki>> {
        self.get(at, |rows| rows.wikis.get(slug).cloned())
    }

    pub(crate) fn put_wiki(&self, at: Version, slug: &str, wiki: &Option<Wiki>) {
        self.put(at, |rows| {
            insert(&mut rows.wikis, slug.to_string(), wiki.clone())
        });
    }

    pub(crate) fn user(&self, at: Version, id: i64) -> Option<Option<User>> {
        self.get(at, |rows| rows.users.get(&id).cloned())
    }

    pub(crate) fn put_user(&self, at: Version, id: i64, user: &Option<User>) {
        self.put(at, |rows| insert(&mut rows.users, id, user.clone()));
    }

    pub(crate) fn role(&self, at: Version, wiki_id: i64, user_id: i64) -> Option<Option<Role>> {
        self.get(at, |rows| rows.roles.get(&(wiki_id, user_id)).copied())
    }

    pub(crate) fn put_role(&self, at: Version, wiki_id: i64, user_id: i64, role: Option<Role>) {
        self.put(at, |rows| insert(&mut rows.roles, (wiki_id, user_id), role));
    }

    pub(crate) fn quota(&self, at: Version, wiki_id: i64) -> Option<QuotaOverride> {
        self.get(at, |rows| rows.quotas.get(&wiki_id).copied())
    }

    pub(crate) fn put_quota(&self, at: Version, wiki_id: i64, quota: QuotaOverride) {
        self.put(at, |rows| insert(&mut rows.quotas, wiki_id, quota));
    }

    pub(crate) fn token(&self, at: Version, hash: &str) -> Option<ApiToken> {
        self.get(at, |rows| rows.tokens.get(hash).cloned())
    }

    pub(crate) fn put_token(&self, at: Version, hash: &str, token: &ApiToken) {
        self.put(at, |rows| {
            insert(&mut rows.tokens, hash.to_string(), token.clone())
        });
    }

    fn get<T>(&self, at: Version, read: impl FnOnce(&Rows) -> Option<T>) -> Option<T> {
        let rows = lock(&self.rows);
        if rows.version != Some(at.0) {
            return None;
        }
        read(&rows)
    }

    /// Stores what a lookup that started at `at` read, unless the database changed since
    /// (then the next lookup reads it again).
    fn put(&self, at: Version, write: impl FnOnce(&mut Rows)) {
        let mut rows = lock(&self.rows);
        if rows.version == Some(at.0) {
            write(&mut rows);
        }
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("version", &lock(&self.rows).version)
            .finish_non_exhaustive()
    }
}

fn insert<K: Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
