//! History: the log (whole wiki or one path, following renames backwards), commit details and
//! the commit count used for paging.

use std::collections::HashMap;
use std::path::Path;

use git2::{Commit, Delta, DiffFindOptions, DiffOptions, ErrorCode, Oid, Repository, Sort, Tree};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::pool::lock;
use crate::repo::{WikiRepo, head_oid, resolve_in};
use crate::repo_path::RepoPath;
use crate::revision::{CommitId, Revision};
use crate::work::Work;

/// How a file changed in a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// The file is new.
    Added,
    /// The content (or mode) changed.
    Modified,
    /// The file was removed.
    Deleted,
    /// The file moved, possibly with edits; `old_path` says from where.
    Renamed,
}

/// One file touched by a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    /// The path after the commit (the old path for a deletion).
    pub path: String,
    /// The path before, for renames.
    pub old_path: Option<String>,
    /// What happened to it.
    pub status: ChangeStatus,
}

/// A commit as shown in histories and the changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// The full commit id.
    pub id: CommitId,
    /// The first 7 characters of the id.
    pub short: String,
    /// Parent commits (none for the first commit, two for a merge).
    pub parents: Vec<CommitId>,
    /// Author display name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time, seconds since the Unix epoch.
    pub time: i64,
    /// The author's UTC offset in minutes.
    pub tz_offset_minutes: i32,
    /// The full message, without the trailing newline.
    pub message: String,
    /// Files changed relative to the first parent (empty where the caller did not ask for them).
    pub files: Vec<ChangedFile>,
}

/// What [`WikiRepo::log`] should list. The default is the newest 100 commits of the whole wiki.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// Only commits touching this file or folder.
    pub path: Option<RepoPath>,
    /// With `path`: keep following the file across renames, like `git log --follow`.
    pub follow_renames: bool,
    /// Matching commits to skip (for paging).
    pub skip: usize,
    /// Most commits to return.
    pub limit: usize,
}

impl Default for LogQuery {
    fn default() -> LogQuery {
        LogQuery {
            path: None,
            follow_renames: false,
            skip: 0,
            limit: 100,
        }
    }
}

impl WikiRepo {
    /// Commits newest first, optionally only those touching `q.path`; each lists its files.
    ///
    /// Answered from the page log (an index lookup, whatever the history's length), brought up
    /// to date with the commits since it was last read first.
    pub fn log(&self, q: &LogQuery) -> Result<Vec<CommitInfo>, StoreError> {
        let wiki = self.pool.with(|repo| self.logged(repo))?;
        self.page_log.log(wiki, q)
    }

    /// The newest commit touching each of `paths` (repository paths of files) in the history of
    /// `at` (default: head), without its changed files; paths no commit touched are left out.
    /// `None` when `at` is not in the branch's history any more.
    pub fn last_changes(
        &self,
        paths: &[&str],
        at: Option<&CommitId>,
    ) -> Result<Option<HashMap<String, CommitInfo>>, StoreError> {
        let wiki = self.pool.with(|repo| self.logged(repo))?;
        self.page_log.last_changes(wiki, paths, at)
    }

    /// The last commit that touched the file `path` at head (without its changed files): the
    /// "last edited" of a page, the revision an agent reads.
    pub fn last_change(&self, path: &RepoPath) -> Result<Option<CommitInfo>, StoreError> {
        Ok(self
            .last_changes(&[path.as_str()], None)?
            .and_then(|mut found| found.remove(path.as_str())))
    }

    /// Brings the page log up to date with the branch (done by every read anyway; writers call
    /// it so that the next read finds it current).
    pub fn sync_history(&self) -> Result<(), StoreError> {
        self.pool.with(|repo| self.logged(repo)).map(|_| ())
    }

    /// Logs a commit this handle just made, so the next read finds the log current. Failing
    /// loses nothing (the next read logs it), so it is only reported.
    pub(crate) fn after_head_moved(&self) {
        if let Err(err) = self.sync_history() {
            tracing::warn!(wiki = self.slug(), %err, "could not log the new commits yet");
        }
    }

    /// Forgets this wiki's page log and records its whole history again (`robot reindex`).
    pub fn rebuild_history(&self) -> Result<(), StoreError> {
        {
            let _sync = lock(&self.page_log_sync);
            self.page_log.forget(self.slug())?;
        }
        self.sync_history()
    }

    /// The wiki's page log row, current with the branch head.
    pub(crate) fn logged(&self, repo: &Repository) -> Result<i64, StoreError> {
        if let Some(wiki) = self.page_log.current(self.slug(), head_oid(repo)?)? {
            return Ok(wiki);
        }
        let _sync = lock(&self.page_log_sync);
        // Whoever held the lock may have logged it; either way log up to the head as it is now.
        self.page_log.sync(self.slug(), repo, &self.work)
    }

    /// [`WikiRepo::log`] by walking git's history, as the page log is checked against: costs
    /// every commit back to the oldest one returned.
    pub fn log_walking_history(&self, q: &LogQuery) -> Result<Vec<CommitInfo>, StoreError> {
        self.pool.with(|repo| {
            let Some(head) = head_oid(repo)? else {
                return Ok(Vec::new());
            };
            let ids = match &q.path {
                None => walk(repo, head, q.skip.saturating_add(q.limit), &self.work)?
                    .into_iter()
                    .skip(q.skip)
                    .collect(),
                Some(path) => path_history(
                    repo,
                    head,
                    path.as_str(),
                    q.follow_renames,
                    q.skip.saturating_add(q.limit),
                    &self.work,
                )?
                .into_iter()
                .skip(q.skip)
                .collect::<Vec<_>>(),
            };
            ids.into_iter()
                .map(|oid| commit_info(repo, &repo.find_commit(oid)?, true))
                .collect()
        })
    }

    /// The number of commits that touched the file `path` (following renames) at head: the
    /// length of its whole [`WikiRepo::log`], counted in the page log.
    pub fn file_revision_count(&self, path: &RepoPath) -> Result<usize, StoreError> {
        let wiki = self.pool.with(|repo| self.logged(repo))?;
        self.page_log.file_revisions(wiki, path.as_str())
    }

    /// The number of commits reachable from head.
    pub fn commit_count(&self) -> Result<usize, StoreError> {
        let wiki = self.pool.with(|repo| self.logged(repo))?;
        self.page_log.count(wiki)
    }

    /// One commit with its changed files.
    pub fn commit_info(&self, rev: &Revision) -> Result<CommitInfo, StoreError> {
        self.pool.with(|repo| {
            let oid = resolve_in(repo, rev)?;
            commit_info(repo, &repo.find_commit(oid)?, true)
        })
    }
}

/// Up to `want` commits reachable from `head`, children before parents, newest first.
///
/// A linear run of history is followed parent by parent, so the newest page of the changelog
/// costs only that page; the first merge falls back to a topological walk from there.
fn walk(repo: &Repository, head: Oid, want: usize, work: &Work) -> Result<Vec<Oid>, StoreError> {
    let mut out = Vec::new();
    let mut current = Some(head);
    while let Some(oid) = current {
        if out.len() >= want {
            return Ok(out);
        }
        work.commit_read();
        let commit = repo.find_commit(oid)?;
        if commit.parent_count() > 1 {
            break;
        }
        out.push(oid);
        current = commit.parent_ids().next();
    }
    let Some(merge) = current else {
        return Ok(out);
    };
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    revwalk.push(merge)?;
    for oid in revwalk {
        if out.len() >= want {
            break;
        }
        work.commit_read();
        out.push(oid?);
    }
    Ok(out)
}

/// Up to `want` commits touching `path`, newest first.
///
/// Each commit carries the name the file had in it (a file renamed twice is tracked under three
/// names). A non-merge commit touches the path when its entry differs from its parent's; a merge
/// only when it differs from every parent (otherwise the change is listed where it was made).
/// With `follow`, a file that appears in a commit is looked up among that commit's renames, and
/// older commits are matched against the old name.
fn path_history(
    repo: &Repository,
    head: Oid,
    path: &str,
    follow: bool,
    want: usize,
    work: &Work,
) -> Result<Vec<Oid>, StoreError> {
    let mut names: HashMap<Oid, String> = HashMap::from([(head, path.to_string())]);
    let mut found = Vec::new();
    // Fast path: wiki histories are mostly linear, and a linear run can be walked parent by
    // parent lazily (a sorted revwalk would visit every commit before yielding the first, which
    // makes "the last change to this page" cost O(history)). At the first merge, fall back to a
    // topological walk from there.
    let mut current = Some(head);
    while let Some(oid) = current {
        if found.len() >= want {
            return Ok(found);
        }
        work.commit_read();
        let commit = repo.find_commit(oid)?;
        if commit.parent_count() > 1 {
            break;
        }
        visit(repo, &commit, follow, &mut names, &mut found)?;
        current = commit.parent_ids().next();
    }
    let Some(merge) = current else {
        return Ok(found);
    };
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    revwalk.push(merge)?;
    for oid in revwalk {
        if found.len() >= want {
            break;
        }
        work.commit_read();
        let commit = repo.find_commit(oid?)?;
        visit(repo, &commit, follow, &mut names, &mut found)?;
    }
    Ok(found)
}

/// Checks whether `commit` touches the name the path had there, records the name for its
/// parents (following a rename if asked), and adds it to `found` when it does.
fn visit(
    repo: &Repository,
    commit: &Commit<'_>,
    follow: bool,
    names: &mut HashMap<Oid, String>,
    found: &mut Vec<Oid>,
) -> Result<(), StoreError> {
    let oid = commit.id();
    // Reached through a child that was not on the followed path: nothing to track here.
    let Some(name) = names.remove(&oid) else {
        return Ok(());
    };
    let tree = commit.tree()?;
    let mine = entry_id(&tree, &name)?;
    let mut same_as_a_parent = false;
    for parent in commit.parents() {
        let parent_tree = parent.tree()?;
        let theirs = entry_id(&parent_tree, &name)?;
        let mut parent_name = name.clone();
        if theirs == mine {
            same_as_a_parent = true;
        } else if follow
            && mine.is_some()
            && theirs.is_none()
            && let Some(old) = renamed_from(repo, &parent_tree, &tree, &name)?
        {
            parent_name = old;
        }
        names.entry(parent.id()).or_insert(parent_name);
    }
    let touched = if commit.parent_count() == 0 {
        mine.is_some()
    } else {
        !same_as_a_parent
    };
    if touched {
        found.push(oid);
    }
    Ok(())
}

/// The object id at `path` in `tree` (a blob or a folder), if any.
pub(crate) fn entry_id(tree: &Tree<'_>, path: &str) -> Result<Option<Oid>, StoreError> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) => Ok(Some(entry.id())),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The old name of `path` if it was renamed between `old` and `new`.
fn renamed_from(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
    path: &str,
) -> Result<Option<String>, StoreError> {
    let mut diff = repo.diff_tree_to_tree(Some(old), Some(new), None)?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    for delta in diff.deltas() {
        if delta.status() == Delta::Renamed
            && delta.new_file().path().and_then(Path::to_str) == Some(path)
        {
            return Ok(delta
                .old_file()
                .path()
                .and_then(Path::to_str)
                .map(str::to_string));
        }
    }
    Ok(None)
}

/// Builds a [`CommitInfo`]; `with_files` adds the files changed against the first parent.
pub(crate) fn commit_info(
    repo: &Repository,
    commit: &Commit<'_>,
    with_files: bool,
) -> Result<CommitInfo, StoreError> {
    let author = commit.author();
    let id = CommitId::from_oid(commit.id());
    let message = String::from_utf8_lossy(commit.message_bytes())
        .trim_end()
        .to_string();
    Ok(CommitInfo {
        short: id.short().to_string(),
        id,
        parents: commit.parent_ids().map(CommitId::from_oid).collect(),
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        time: author.when().seconds(),
        tz_offset_minutes: author.when().offset_minutes(),
        message,
        files: if with_files {
            changed_files(repo, commit)?
        } else {
            Vec::new()
        },
    })
}

/// Files changed by `commit` relative to its first parent, with renames detected.
fn changed_files(repo: &Repository, commit: &Commit<'_>) -> Result<Vec<ChangedFile>, StoreError> {
    let parent_tree = match commit.parents().next() {
        Some(parent) => Some(parent.tree()?),
        None => None,
    };
    let mut opts = DiffOptions::new();
    opts.skip_binary_check(true);
    let mut diff =
        repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&commit.tree()?), Some(&mut opts))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let mut files = Vec::new();
    for delta in diff.deltas() {
        let new_path = delta
            .new_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let old_path = delta
            .old_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let Some(status) = status_of(delta.status()) else {
            continue;
        };
        let (path, old_path) = match status {
            ChangeStatus::Deleted => (old_path, None),
            ChangeStatus::Renamed => (new_path, old_path),
            ChangeStatus::Added | ChangeStatus::Modified => (new_path, None),
        };
        if let Some(path) = path {
            files.push(ChangedFile {
                path,
                old_path,
                status,
            });
        }
    }
    Ok(files)
}

/// The status of one diff delta, for [`crate::diff`].
pub(crate) fn status_of(delta: Delta) -> Option<ChangeStatus> {
    match delta {
        Delta::Added | Delta::Copied => Some(ChangeStatus::Added),
        Delta::Deleted => Some(ChangeStatus::Deleted),
        Delta::Renamed => Some(ChangeStatus::Renamed),
        Delta::Modified | Delta::Typechange => Some(ChangeStatus::Modified),
        _ => None,
    }
}
