//! The git side of the page log: which commits are new since the recorded head, and which
//! paths each of them touched.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{Commit, DiffOptions, Oid, Repository, Sort};

use crate::error::StoreError;
use crate::history::{ChangeStatus, CommitInfo, commit_info};
use crate::work::Work;

/// One commit as the page log records it.
#[derive(Debug)]
pub(crate) struct LoggedCommit {
    /// The commit, with the files it changed against its first parent.
    pub(crate) info: CommitInfo,
    /// The paths whose history includes this commit.
    pub(crate) touched: Vec<Touch>,
}

/// A path a commit touched: its entry differs from the parent's (from every parent's, for a
/// merge), the meaning `git log -- path` gives it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Touch {
    pub(crate) path: String,
    /// The name the file had in the parent, when this commit renamed it here (non-merges only,
    /// like `git log --follow`).
    pub(crate) renamed_from: Option<String>,
}

/// What the page log must do to reflect a head.
#[derive(Debug)]
pub(crate) enum NewCommits {
    /// Append these commits, oldest first, to what is recorded.
    Append(Vec<LoggedCommit>),
    /// The recorded head is not in the head's history (the branch was rewritten, or the wiki
    /// replaced): forget what is recorded and record these, the whole history, oldest first.
    Rebuild(Vec<LoggedCommit>),
}

/// The commits reachable from `head` but not from `recorded`, oldest first.
///
/// A linear run (what every write through the store makes) is followed parent by parent, so
/// the cost is the number of new commits; merges fall back to a sorted walk that hides what is
/// recorded.
pub(crate) fn new_commits(
    repo: &Repository,
    recorded: Option<Oid>,
    head: Option<Oid>,
    work: &Work,
) -> Result<NewCommits, StoreError> {
    let Some(head) = head else {
        return Ok(NewCommits::Rebuild(Vec::new()));
    };
    let mut chain = Vec::new();
    let mut at = head;
    loop {
        if Some(at) == recorded {
            return logged(repo, chain.into_iter().rev(), work).map(NewCommits::Append);
        }
        let commit = find_commit(repo, at, work)?;
        if commit.parent_count() > 1 {
            break;
        }
        let parent = commit.parent_ids().next();
        chain.push(commit);
        match parent {
            Some(parent) => at = parent,
            None => {
                let all = logged(repo, chain.into_iter().rev(), work)?;
                return Ok(match recorded {
                    None => NewCommits::Append(all),
                    Some(_) => NewCommits::Rebuild(all),
                });
            }
        }
    }
    let keep = match recorded {
        // An id this repository does not know is no ancestor either: rebuild.
        Some(old) => repo.graph_descendant_of(head, old).unwrap_or(false),
        None => false,
    };
    // Newest first in the order `git log` (and `WikiRepo::log_walking_history`) lists them,
    // recorded oldest first, so that reading the log backwards gives that order again.
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    revwalk.push(head)?;
    if let (true, Some(old)) = (keep, recorded) {
        revwalk.hide(old)?;
    }
    let commits = revwalk
        .map(|oid| find_commit(repo, oid?, work))
        .collect::<Result<Vec<_>, _>>()?;
    let commits = logged(repo, commits.into_iter().rev(), work)?;
    Ok(if keep || recorded.is_none() {
        NewCommits::Append(commits)
    } else {
        NewCommits::Rebuild(commits)
    })
}

fn find_commit<'r>(repo: &'r Repository, oid: Oid, work: &Work) -> Result<Commit<'r>, StoreError> {
    work.commit_read();
    Ok(repo.find_commit(oid)?)
}

fn logged<'r>(
    repo: &'r Repository,
    commits: impl Iterator<Item = Commit<'r>>,
    work: &Work,
) -> Result<Vec<LoggedCommit>, StoreError> {
    commits
        .map(|commit| {
            work.commit_diffed();
            let info = commit_info(repo, &commit, true)?;
            let touched = if commit.parent_count() > 1 {
                merge_touches(repo, &commit)?
            } else {
                first_parent_touches(&info)
            };
            Ok(LoggedCommit { info, touched })
        })
        .collect()
}

/// A single-parent (or root) commit touches every path of its diff; a rename touches both
/// names, and the new one remembers the old.
fn first_parent_touches(info: &CommitInfo) -> Vec<Touch> {
    let mut touched = BTreeSet::new();
    for file in &info.files {
        match (&file.status, &file.old_path) {
            (ChangeStatus::Renamed, Some(old)) => {
                touched.insert(Touch {
                    path: old.clone(),
                    renamed_from: None,
                });
                touched.insert(Touch {
                    path: file.path.clone(),
                    renamed_from: Some(old.clone()),
                });
            }
            _ => {
                touched.insert(Touch {
                    path: file.path.clone(),
                    renamed_from: None,
                });
            }
        }
    }
    touched.into_iter().collect()
}

/// A merge touches a path only when its entry differs from every parent's; otherwise the change
/// belongs to the commit on the branch that made it.
fn merge_touches(repo: &Repository, commit: &Commit<'_>) -> Result<Vec<Touch>, StoreError> {
    let tree = commit.tree()?;
    let mut common: Option<BTreeSet<String>> = None;
    for parent in commit.parents() {
        let mut opts = DiffOptions::new();
        opts.skip_binary_check(true);
        let diff = repo.diff_tree_to_tree(Some(&parent.tree()?), Some(&tree), Some(&mut opts))?;
        let paths: BTreeSet<String> = diff
            .deltas()
            .flat_map(|d| [d.new_file().path(), d.old_file().path()])
            .flatten()
            .filter_map(Path::to_str)
            .map(str::to_string)
            .collect();
        common = Some(match common {
            None => paths,
            Some(before) => before.intersection(&paths).cloned().collect(),
        });
    }
    Ok(common
        .unwrap_or_default()
        .into_iter()
        .map(|path| Touch {
            path,
            renamed_from: None,
        })
        .collect())
}
