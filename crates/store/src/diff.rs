//! Diffs between two commits, and `show` (a commit against its first parent).

use git2::{Diff, DiffFindOptions, DiffLineType, DiffOptions, Patch, Repository};
use serde::Serialize;

use crate::error::StoreError;
use crate::history::{ChangeStatus, CommitInfo, commit_info, status_of};
use crate::repo::{WikiRepo, find_commit, resolve_in};
use crate::repo_path::RepoPath;
use crate::revision::{CommitId, Revision};

/// Lines of context around each change.
const CONTEXT_LINES: u32 = 3;

/// The changes to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// Path before (for added files, the same as `new_path`).
    pub old_path: String,
    /// Path after (for deleted files, the same as `old_path`).
    pub new_path: String,
    /// What happened to the file.
    pub status: ChangeStatus,
    /// True when either side is binary; `hunks` is then empty.
    pub binary: bool,
    /// The changed regions.
    pub hunks: Vec<Hunk>,
}

/// One changed region of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// The `@@ -a,b +c,d @@ …` header line, without the newline.
    pub header: String,
    /// The lines of the region.
    pub lines: Vec<DiffLine>,
}

/// Whether a diff line was added, removed or is context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both.
    Context,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// Added, removed or context.
    pub kind: LineKind,
    /// Line number in the old version (not for added lines).
    pub old_lineno: Option<u32>,
    /// Line number in the new version (not for removed lines).
    pub new_lineno: Option<u32>,
    /// The text, without the line ending (invalid UTF-8 replaced).
    pub text: String,
}

impl WikiRepo {
    /// The changes from `from` to `to`, with renames detected; `paths` keeps only files whose old
    /// or new path is one of them (or inside one of them, for folders).
    pub fn diff(
        &self,
        from: &CommitId,
        to: &CommitId,
        paths: Option<&[RepoPath]>,
    ) -> Result<Vec<FileDiff>, StoreError> {
        self.pool.with(|repo| {
            let old = find_commit(repo, from.oid()?, from.as_str())?.tree()?;
            let new = find_commit(repo, to.oid()?, to.as_str())?.tree()?;
            let mut diff = tree_diff(repo, Some(&old), &new)?;
            file_diffs(&mut diff, paths)
        })
    }

    /// A commit and its changes against its first parent (or against nothing, for the first).
    pub fn show(&self, rev: &Revision) -> Result<(CommitInfo, Vec<FileDiff>), StoreError> {
        self.pool.with(|repo| {
            let commit = repo.find_commit(resolve_in(repo, rev)?)?;
            let parent = match commit.parents().next() {
                Some(parent) => Some(parent.tree()?),
                None => None,
            };
            let mut diff = tree_diff(repo, parent.as_ref(), &commit.tree()?)?;
            Ok((
                commit_info(repo, &commit, true)?,
                file_diffs(&mut diff, None)?,
            ))
        })
    }
}

fn tree_diff<'r>(
    repo: &'r Repository,
    old: Option<&git2::Tree<'r>>,
    new: &git2::Tree<'r>,
) -> Result<Diff<'r>, StoreError> {
    let mut opts = DiffOptions::new();
    opts.context_lines(CONTEXT_LINES);
    let mut diff = repo.diff_tree_to_tree(old, Some(new), Some(&mut opts))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    Ok(diff)
}

fn file_diffs(
    diff: &mut Diff<'_>,
    paths: Option<&[RepoPath]>,
) -> Result<Vec<FileDiff>, StoreError> {
    let mut out = Vec::new();
    for idx in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(idx) else {
            continue;
        };
        let Some(status) = status_of(delta.status()) else {
            continue;
        };
        let old_path = delta
            .old_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let new_path = delta
            .new_file()
            .path()
            .map(|p| p.to_string_lossy().into_owned());
        let (old_path, new_path) = match (old_path, new_path) {
            (Some(o), Some(n)) => (o, n),
            (Some(o), None) => (o.clone(), o),
            (None, Some(n)) => (n.clone(), n),
            (None, None) => continue,
        };
        if let Some(paths) = paths
            && !paths
                .iter()
                .any(|p| within(&old_path, p) || within(&new_path, p))
        {
            continue;
        }
        let mut binary = delta.flags().is_binary();
        let mut hunks = Vec::new();
        match Patch::from_diff(diff, idx)? {
            Some(patch) => {
                binary |= patch.delta().flags().is_binary();
                if !binary {
                    hunks = patch_hunks(&patch)?;
                }
            }
            None => binary = true,
        }
        out.push(FileDiff {
            old_path,
            new_path,
            status,
            binary,
            hunks,
        });
    }
    Ok(out)
}

fn patch_hunks(patch: &Patch<'_>) -> Result<Vec<Hunk>, StoreError> {
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, line_count) = patch.hunk(h)?;
        let header = String::from_utf8_lossy(hunk.header())
            .trim_end()
            .to_string();
        let mut lines = Vec::with_capacity(line_count);
        for l in 0..line_count {
            let line = patch.line_in_hunk(h, l)?;
            let kind = match line.origin_value() {
                DiffLineType::Addition => LineKind::Added,
                DiffLineType::Deletion => LineKind::Removed,
                DiffLineType::Context => LineKind::Context,
                // "\ No newline at end of file" markers carry no line of their own.
                _ => continue,
            };
            let text = String::from_utf8_lossy(line.content());
            lines.push(DiffLine {
                kind,
                old_lineno: line.old_lineno(),
                new_lineno: line.new_lineno(),
                text: text
                    .strip_suffix('\n')
                    .map(|t| t.strip_suffix('\r').unwrap_or(t))
                    .unwrap_or(&text)
                    .to_string(),
            });
        }
        hunks.push(Hunk { header, lines });
    }
    Ok(hunks)
}

/// True when `path` is `dir` or inside it.
fn within(path: &str, dir: &RepoPath) -> bool {
    path == dir.as_str()
        || path
            .strip_prefix(dir.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
}
