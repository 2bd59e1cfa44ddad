//! Reading history for the catalog: the last change of every file (one walk, for a full build)
//! and the commits between two heads (for an incremental update).

use std::collections::{HashMap, HashSet};

use robot_store::{ChangeStatus, CommitId, CommitInfo, LogQuery, Revision, WikiRepo};

use crate::page::LastChange;

/// Commits asked for in the first page of the full walk; later pages double, so a long history
/// costs few `log` calls (each one walks the commit graph from the top).
const FIRST_PAGE: usize = 500;
/// Largest page of the full walk.
const MAX_PAGE: usize = 16_384;
/// Longest chain of new commits an update follows; past it a full build is no dearer.
const MAX_CHAIN: usize = 10_000;

/// The last commit that changed each of `wanted` (repository paths) in the history of `head`:
/// the first commit, newest to oldest in topological order, whose diff against its first parent
/// adds, modifies or renames to that path. One walk, stopped as soon as every path is found.
///
/// Paths never found (which a consistent repository cannot produce) get the oldest commit.
/// `None` when `head` is not in the branch's history any more (it was rewritten meanwhile).
pub(crate) fn last_changes(
    repo: &WikiRepo,
    head: &CommitId,
    wanted: &HashSet<&str>,
) -> Result<Option<HashMap<String, LastChange>>, robot_store::StoreError> {
    let mut found: HashMap<String, LastChange> = HashMap::new();
    if wanted.is_empty() {
        return Ok(Some(found));
    }
    // The log starts at the branch's current head, which may be newer than `head`: only commits
    // reachable from `head` count. Children come before parents, so marking parents as we go
    // recognises every one of them.
    let mut reachable: HashSet<CommitId> = HashSet::from([head.clone()]);
    let mut done: HashSet<CommitId> = HashSet::new();
    let mut oldest: Option<LastChange> = None;
    let (mut skip, mut limit) = (0, FIRST_PAGE);
    loop {
        let page = repo.log(&LogQuery {
            path: None,
            follow_renames: false,
            skip,
            limit,
        })?;
        let returned = page.len();
        for commit in page {
            if !reachable.remove(&commit.id) || !done.insert(commit.id.clone()) {
                continue;
            }
            let change = LastChange::of(&commit);
            for file in &commit.files {
                if file.status != ChangeStatus::Deleted
                    && wanted.contains(file.path.as_str())
                    && !found.contains_key(&file.path)
                {
                    found.insert(file.path.clone(), change.clone());
                }
            }
            if found.len() == wanted.len() {
                return Ok(Some(found));
            }
            reachable.extend(
                commit
                    .parents
                    .iter()
                    .filter(|p| !done.contains(*p))
                    .cloned(),
            );
            oldest = Some(change);
        }
        if returned < limit {
            break;
        }
        skip += returned;
        limit = (limit * 2).min(MAX_PAGE);
    }
    let Some(oldest) = oldest else {
        return Ok(None);
    };
    for path in wanted {
        if !found.contains_key(*path) {
            tracing::warn!(
                wiki = repo.slug(),
                path,
                "no commit in history adds this file"
            );
            found.insert((*path).to_owned(), oldest.clone());
        }
    }
    Ok(Some(found))
}

/// The commits from `new` back to `old` (exclusive), newest first, when `old` is an ancestor of
/// `new` along a chain of single-parent commits, the shape every write through the store makes.
/// `None` otherwise (a merge, a rewritten branch, a very long chain): build from scratch then.
pub(crate) fn linear_chain(
    repo: &WikiRepo,
    old: &CommitId,
    new: &CommitId,
) -> Result<Option<Vec<CommitInfo>>, robot_store::StoreError> {
    let mut chain = Vec::new();
    let mut at = new.clone();
    while at != *old {
        if chain.len() >= MAX_CHAIN {
            return Ok(None);
        }
        let commit = repo.commit_info(&Revision::from(&at))?;
        let [parent] = commit.parents.as_slice() else {
            return Ok(None);
        };
        at = parent.clone();
        chain.push(commit);
    }
    Ok(Some(chain))
}

/// The newest commit of `chain` (newest first) touching each path, for the paths it touches.
pub(crate) fn touched_by(chain: &[CommitInfo]) -> HashMap<&str, LastChange> {
    let mut touched: HashMap<&str, LastChange> = HashMap::new();
    for commit in chain {
        let mut change = None;
        for file in &commit.files {
            if file.status != ChangeStatus::Deleted {
                touched.entry(file.path.as_str()).or_insert_with(|| {
                    change.get_or_insert_with(|| LastChange::of(commit)).clone()
                });
            }
        }
    }
    touched
}
