//! Reading history for the catalog: the last change of every file (from the store's page log,
//! for a full build) and the commits between two heads (for an incremental update).

use std::collections::{HashMap, HashSet};

use robot_store::{ChangeStatus, CommitId, CommitInfo, Revision, WikiRepo};

use crate::page::LastChange;

/// Longest chain of new commits an update follows; past it a full build is no dearer.
const MAX_CHAIN: usize = 10_000;

/// The last commit that touched each of `wanted` (repository paths) in the history of `head`,
/// from the store's page log: one index lookup per path, whatever the history's length.
///
/// Paths never found (which a consistent repository cannot produce) are left out, with a
/// warning. `None` when `head` is not in the branch's history any more (it was rewritten
/// meanwhile).
pub(crate) fn last_changes(
    repo: &WikiRepo,
    head: &CommitId,
    wanted: &HashSet<&str>,
) -> Result<Option<HashMap<String, LastChange>>, robot_store::StoreError> {
    let paths: Vec<&str> = wanted.iter().copied().collect();
    let Some(found) = repo.last_changes(&paths, Some(head))? else {
        return Ok(None);
    };
    for path in &paths {
        if !found.contains_key(*path) {
            tracing::warn!(
                wiki = repo.slug(),
                path,
                "no commit in history adds this file"
            );
        }
    }
    Ok(Some(
        found
            .into_iter()
            .map(|(path, commit)| (path, LastChange::of(&commit)))
            .collect(),
    ))
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
