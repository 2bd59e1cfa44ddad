//! The page log: every commit of every wiki and the paths it touched, in SQLite beside the
//! repositories (`{root}/.page-log.sqlite3`), so that "the last change of this page", a page's
//! history, attachment dates and the commit count are index lookups, whatever the history's
//! length.
//!
//! It is derived data, always in step with git: each wiki's row records the head its commits
//! were logged up to. A read first compares that with the branch head (one ref read, one
//! indexed lookup); when the branch moved, the new commits are logged first, found by walking
//! back from the head to the recorded one (see `walk.rs`), so the cost follows the number of new
//! commits, not the history. Whatever moved the branch (any surface, `git push`, an import,
//! another process) is seen. A recorded head that is not in the branch's history any more makes
//! a rebuild. Deleting the file loses nothing: it is rebuilt on the next read.

mod schema;
mod walk;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use git2::{Oid, Repository};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::StoreError;
use crate::history::{ChangedFile, CommitInfo, LogQuery};
use crate::pool::lock;
use crate::repo::head_oid;
use crate::revision::CommitId;
use crate::work::Work;
use walk::{LoggedCommit, NewCommits, new_commits};

/// Idle connections kept open.
const MAX_IDLE: usize = 4;
/// How long a connection waits for another writer (another wiki's sync, another process).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at recording new commits when another process keeps recording first.
const SYNC_ATTEMPTS: usize = 3;

/// The page log of every wiki under one store root. Opened on first use.
pub(crate) struct PageLog {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// The schema check, done once by the first connection.
    ready: OnceLock<()>,
}

impl std::fmt::Debug for PageLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What is recorded for one wiki.
struct Recorded {
    wiki: i64,
    head: Option<Oid>,
    commits: i64,
}

impl PageLog {
    pub(crate) fn new(path: PathBuf) -> PageLog {
        PageLog {
            path,
            idle: Mutex::new(Vec::new()),
            ready: OnceLock::new(),
        }
    }

    /// The wiki's row when what is recorded is `head`: a read that needs no sync.
    pub(crate) fn current(&self, slug: &str, head: Option<Oid>) -> Result<Option<i64>, StoreError> {
        self.with(|conn| {
            let seen = recorded(conn, slug)?;
            Ok((seen.head == head).then_some(seen.wiki))
        })
    }

    /// Logs the commits the branch head (read now) adds to what is recorded for `slug`;
    /// returns the wiki's row. Callers serialize syncs of one wiki in a process; other
    /// processes are handled here (each attempt reads the head again, so a process never takes
    /// the log back to an older head than another one recorded).
    pub(crate) fn sync(
        &self,
        slug: &str,
        repo: &Repository,
        work: &Work,
    ) -> Result<i64, StoreError> {
        self.with(|conn| {
            for _ in 0..SYNC_ATTEMPTS {
                let head = head_oid(repo)?;
                let seen = recorded(conn, slug)?;
                if seen.head == head {
                    return Ok(seen.wiki);
                }
                let new = new_commits(repo, seen.head, head, work)?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let now = recorded(&tx, slug)?;
                if now.head != seen.head {
                    // Another process logged meanwhile; look again from what it recorded.
                    continue;
                }
                if !consistent(&tx, &now)? {
                    // Rows that the recorded count does not account for (a crash between
                    // statements of an older version, a file edited by hand): start over.
                    tracing::warn!(
                        wiki = slug,
                        "page log rows disagree with its head; rebuilding"
                    );
                    clear(&tx, now.wiki)?;
                    tx.commit()?;
                    continue;
                }
                write(&tx, &now, head, new)?;
                tx.commit()?;
                return Ok(now.wiki);
            }
            Err(StoreError::Index(format!(
                "the page log of `{slug}` kept moving under this process; try again"
            )))
        })
    }

    /// [`crate::WikiRepo::log`] from the log: commits newest first, touching `q.path` if set.
    pub(crate) fn log(&self, wiki: i64, q: &LogQuery) -> Result<Vec<CommitInfo>, StoreError> {
        let want = q.skip.saturating_add(q.limit);
        self.with(|conn| {
            let Some(path) = &q.path else {
                let mut stmt = conn.prepare_cached(
                    "SELECT id, parents, author_name, author_email, time, tz, message, files
                     FROM commits WHERE wiki = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
                )?;
                let rows =
                    stmt.query_map(params![wiki, to_sql(q.limit), to_sql(q.skip)], commit_row)?;
                return rows.map(|r| r?).collect();
            };
            let mut seqs = touching(conn, wiki, path.as_str(), q.follow_renames, want, i64::MAX)?;
            if seqs.is_empty() {
                seqs = touching_folder(conn, wiki, path.as_str(), want)?;
            }
            seqs.into_iter()
                .skip(q.skip)
                .map(|seq| commit_at(conn, wiki, seq))
                .collect()
        })
    }

    /// The newest commit touching each of `paths` (exact files; paths never touched are left
    /// out; the commits' `files` are left empty) in the history of `at` (default: the recorded head). `None` when `at` is not
    /// logged (not in the branch's history).
    pub(crate) fn last_changes(
        &self,
        wiki: i64,
        paths: &[&str],
        at: Option<&CommitId>,
    ) -> Result<Option<HashMap<String, CommitInfo>>, StoreError> {
        self.with(|conn| {
            let Some(below) = below(conn, wiki, at)? else {
                return Ok(None);
            };
            let mut by_seq: HashMap<i64, CommitInfo> = HashMap::new();
            let mut out = HashMap::with_capacity(paths.len());
            for path in paths {
                let Some(&seq) = touching(conn, wiki, path, false, 1, below)?.first() else {
                    continue;
                };
                let info = match by_seq.get(&seq) {
                    Some(info) => info.clone(),
                    None => {
                        let info = commit_summary_at(conn, wiki, seq)?;
                        by_seq.insert(seq, info.clone());
                        info
                    }
                };
                out.insert((*path).to_string(), info);
            }
            Ok(Some(out))
        })
    }

    /// The commits touching the file `path` in the history of `at` (default: the recorded
    /// head), newest first, following renames, each with the name the file had in it. `None`
    /// when `at` is not logged.
    pub(crate) fn file_history(
        &self,
        wiki: i64,
        path: &str,
        at: Option<&CommitId>,
    ) -> Result<Option<Vec<(CommitInfo, String)>>, StoreError> {
        self.with(|conn| {
            let Some(below) = below(conn, wiki, at)? else {
                return Ok(None);
            };
            touching_named(conn, wiki, path, true, usize::MAX, below)?
                .into_iter()
                .map(|(seq, name)| Ok((commit_at(conn, wiki, seq)?, name)))
                .collect::<Result<Vec<_>, StoreError>>()
                .map(Some)
        })
    }

    /// The number of commits touching the file `path` (following renames) in the recorded
    /// head's history: what [`PageLog::log`] lists for it, all pages together.
    pub(crate) fn file_revisions(&self, wiki: i64, path: &str) -> Result<usize, StoreError> {
        self.with(|conn| Ok(touching(conn, wiki, path, true, usize::MAX, i64::MAX)?.len()))
    }

    /// The number of commits logged for the wiki (all reachable from its recorded head).
    pub(crate) fn count(&self, wiki: i64) -> Result<usize, StoreError> {
        let n: i64 = self.with(|conn| {
            Ok(conn
                .prepare_cached("SELECT commits FROM logged_wikis WHERE id = ?1")?
                .query_row(params![wiki], |row| row.get(0))?)
        })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Drops everything recorded for `slug` (the wiki was deleted, or is to be rebuilt).
    pub(crate) fn forget(&self, slug: &str) -> Result<(), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let wiki: Option<i64> = tx
                .query_row(
                    "SELECT id FROM logged_wikis WHERE slug = ?1",
                    params![slug],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(wiki) = wiki {
                clear(&tx, wiki)?;
                tx.execute("DELETE FROM logged_wikis WHERE id = ?1", params![wiki])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Runs `f` with a connection of its own, kept open for the next caller afterwards.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = lock(&self.idle).pop();
        let mut conn = match taken {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&mut conn);
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Lookups touch a handful of pages; a small cache keeps many wikis' memory low.
        conn.pragma_update(None, "cache_size", -1024)?;
        if self.ready.get().is_none() {
            schema::prepare(&conn)?;
            let _ = self.ready.set(());
        }
        Ok(conn)
    }
}

/// The wiki's row, created (with nothing recorded) on first use.
fn recorded(conn: &Connection, slug: &str) -> Result<Recorded, StoreError> {
    let select = || -> Result<Option<(i64, String, i64)>, StoreError> {
        Ok(conn
            .prepare_cached("SELECT id, head, commits FROM logged_wikis WHERE slug = ?1")?
            .query_row(params![slug], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?)
    };
    let (wiki, head, commits) = match select()? {
        Some(row) => row,
        None => {
            conn.prepare_cached(
                "INSERT INTO logged_wikis (slug, head, commits) VALUES (?1, '', 0)
                 ON CONFLICT (slug) DO NOTHING",
            )?
            .execute(params![slug])?;
            select()?.ok_or_else(|| StoreError::Index(format!("no page log row for `{slug}`")))?
        }
    };
    let head = if head.is_empty() {
        None
    } else {
        Some(Oid::from_str(&head)?)
    };
    Ok(Recorded {
        wiki,
        head,
        commits,
    })
}

/// True when the wiki's last row is the last of the `commits` it says it has (rows are numbered
/// from 1 without gaps, so this is one index lookup, not a count).
fn consistent(tx: &Transaction<'_>, now: &Recorded) -> Result<bool, StoreError> {
    let last: Option<i64> = tx
        .prepare_cached("SELECT max(seq) FROM commits WHERE wiki = ?1")?
        .query_row(params![now.wiki], |row| row.get(0))?;
    Ok(last.unwrap_or(0) == now.commits)
}

/// Records `new` on top of (or instead of) what `now` says is recorded, up to `head`.
fn write(
    tx: &Transaction<'_>,
    now: &Recorded,
    head: Option<Oid>,
    new: NewCommits,
) -> Result<(), StoreError> {
    let (mut seq, commits) = match new {
        NewCommits::Append(commits) => (now.commits, commits),
        NewCommits::Rebuild(commits) => {
            clear(tx, now.wiki)?;
            (0, commits)
        }
    };
    {
        let mut insert_commit = tx.prepare_cached(
            "INSERT INTO commits (wiki, seq, id, parents, author_name, author_email, time, tz,
                message, files) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut insert_touch = tx.prepare_cached(
            "INSERT OR REPLACE INTO touches (wiki, path, seq, renamed_from)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for LoggedCommit { info, touched } in commits {
            seq += 1;
            let parents = info
                .parents
                .iter()
                .map(CommitId::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            let files = serde_json::to_string(&info.files)
                .map_err(|e| StoreError::Index(format!("encoding changed files: {e}")))?;
            insert_commit.execute(params![
                now.wiki,
                seq,
                info.id.as_str(),
                parents,
                info.author_name,
                info.author_email,
                info.time,
                info.tz_offset_minutes,
                info.message,
                files,
            ])?;
            for touch in touched {
                insert_touch.execute(params![now.wiki, touch.path, seq, touch.renamed_from])?;
            }
        }
    }
    let head = head.map(|h| h.to_string()).unwrap_or_default();
    tx.prepare_cached("UPDATE logged_wikis SET head = ?2, commits = ?3 WHERE id = ?1")?
        .execute(params![now.wiki, head, seq])?;
    Ok(())
}

fn clear(tx: &Transaction<'_>, wiki: i64) -> Result<(), StoreError> {
    tx.execute("DELETE FROM touches WHERE wiki = ?1", params![wiki])?;
    tx.execute("DELETE FROM commits WHERE wiki = ?1", params![wiki])?;
    tx.execute(
        "UPDATE logged_wikis SET head = '', commits = 0 WHERE id = ?1",
        params![wiki],
    )?;
    Ok(())
}

/// Up to `want` commits before `below` touching the file `path`, newest first; with `follow`, a
/// commit that renamed the file here continues with the old name, older commits only.
fn touching(
    conn: &Connection,
    wiki: i64,
    path: &str,
    follow: bool,
    want: usize,
    below: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(touching_named(conn, wiki, path, follow, want, below)?
        .into_iter()
        .map(|(seq, _)| seq)
        .collect())
}

/// [`touching`], with the name the file had in each commit.
fn touching_named(
    conn: &Connection,
    wiki: i64,
    path: &str,
    follow: bool,
    want: usize,
    mut below: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut found = Vec::new();
    let mut name = path.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT seq, renamed_from FROM touches
         WHERE wiki = ?1 AND path = ?2 AND seq < ?3 ORDER BY seq DESC",
    )?;
    loop {
        let mut renamed = None;
        let mut rows = stmt.query(params![wiki, name, below])?;
        while let Some(row) = rows.next()? {
            if found.len() >= want {
                return Ok(found);
            }
            let seq: i64 = row.get(0)?;
            found.push((seq, name.clone()));
            let from: Option<String> = row.get(1)?;
            if follow && let Some(from) = from {
                renamed = Some((from, seq));
                break;
            }
        }
        drop(rows);
        match renamed {
            Some((from, seq)) => (name, below) = (from, seq),
            None => return Ok(found),
        }
    }
}

/// The `seq` bound that keeps only the history of `at` (everything when `None`); `None` when
/// `at` is not logged.
fn below(conn: &Connection, wiki: i64, at: Option<&CommitId>) -> Result<Option<i64>, StoreError> {
    let Some(at) = at else {
        return Ok(Some(i64::MAX));
    };
    let seq: Option<i64> = conn
        .prepare_cached("SELECT seq FROM commits WHERE wiki = ?1 AND id = ?2")?
        .query_row(params![wiki, at.as_str()], |row| row.get(0))
        .optional()?;
    Ok(seq.map(|seq| seq + 1))
}

/// Up to `want` commits touching any file under the folder `path`, newest first.
fn touching_folder(
    conn: &Connection,
    wiki: i64,
    path: &str,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM touches WHERE wiki = ?1 AND path > ?2 || '/' AND path < ?2 || '0'
         GROUP BY seq ORDER BY seq DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![wiki, path, to_sql(want)], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn commit_at(conn: &Connection, wiki: i64, seq: i64) -> Result<CommitInfo, StoreError> {
    conn.prepare_cached(
        "SELECT id, parents, author_name, author_email, time, tz, message, files
         FROM commits WHERE wiki = ?1 AND seq = ?2",
    )?
    .query_row(params![wiki, seq], commit_row)?
}

/// The commit at `seq` without its changed files (a commit can change thousands: an import).
fn commit_summary_at(conn: &Connection, wiki: i64, seq: i64) -> Result<CommitInfo, StoreError> {
    conn.prepare_cached(
        "SELECT id, parents, author_name, author_email, time, tz, message, '[]'
         FROM commits WHERE wiki = ?1 AND seq = ?2",
    )?
    .query_row(params![wiki, seq], commit_row)?
}

/// A row of `commits` as a [`CommitInfo`] (the outer error is SQLite's, the inner one ours).
fn commit_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<CommitInfo, StoreError>> {
    let id: String = row.get(0)?;
    let parents: String = row.get(1)?;
    let files: String = row.get(7)?;
    let (author_name, author_email, time, tz_offset_minutes, message) = (
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    );
    Ok((|| {
        let id = CommitId::parse(&id)?;
        let parents = parents
            .split_whitespace()
            .map(CommitId::parse)
            .collect::<Result<_, _>>()?;
        let files: Vec<ChangedFile> = serde_json::from_str(&files)
            .map_err(|e| StoreError::Index(format!("decoding changed files: {e}")))?;
        Ok(CommitInfo {
            short: id.short().to_string(),
            id,
            parents,
            author_name,
            author_email,
            time,
            tz_offset_minutes,
            message,
            files,
        })
    })())
}

/// A count as SQLite's integer (saturating; counts here are far below `i64::MAX`).
fn to_sql(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
