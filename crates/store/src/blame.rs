//! Blame: which commit last changed each line of a file.

use std::collections::HashMap;
use std::path::Path;

use git2::{BlameOptions, ErrorCode, ObjectType, Oid};
use serde::Serialize;

use crate::error::StoreError;
use crate::history::{CommitInfo, commit_info};
use crate::repo::{WikiRepo, commit_at};
use crate::repo_path::RepoPath;
use crate::revision::CommitId;

/// Consecutive lines last changed by one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlameChunk {
    /// The commit (its `files` are left empty).
    pub commit: CommitInfo,
    /// The 1-based number of the first line.
    pub start_line: u32,
    /// The lines, without line endings.
    pub lines: Vec<String>,
}

impl WikiRepo {
    /// Blames `path` as of `at` (default: head). libgit2 follows the file across renames.
    pub fn blame(
        &self,
        path: &RepoPath,
        at: Option<&CommitId>,
    ) -> Result<Vec<BlameChunk>, StoreError> {
        self.pool.with(|repo| {
            let commit = commit_at(repo, at)?.ok_or(StoreError::EmptyRepository)?;
            let entry = match commit.tree()?.get_path(Path::new(path.as_str())) {
                Ok(entry) if entry.kind() == Some(ObjectType::Blob) => entry,
                Ok(_) => return Err(StoreError::NotFound(path.to_string())),
                Err(e) if e.code() == ErrorCode::NotFound => {
                    return Err(StoreError::NotFound(path.to_string()));
                }
                Err(e) => return Err(e.into()),
            };
            let blob = repo.find_blob(entry.id())?;
            let text = String::from_utf8_lossy(blob.content());
            let lines: Vec<&str> = text.lines().collect();

            let mut opts = BlameOptions::new();
            opts.newest_commit(commit.id());
            let blame = repo.blame_file(Path::new(path.as_str()), Some(&mut opts))?;

            let mut infos: HashMap<Oid, CommitInfo> = HashMap::new();
            let mut chunks: Vec<BlameChunk> = Vec::new();
            for hunk in blame.iter() {
                let start = hunk.final_start_line();
                let Some(first) = start.checked_sub(1) else {
                    continue;
                };
                let end = (first + hunk.lines_in_hunk()).min(lines.len());
                let Some(hunk_lines) = lines.get(first..end) else {
                    continue;
                };
                let oid = hunk.final_commit_id();
                if let Some(last) = chunks.last_mut()
                    && last.commit.id.as_str() == oid.to_string()
                    && last.start_line as usize + last.lines.len() == start
                {
                    last.lines.extend(hunk_lines.iter().map(|l| l.to_string()));
                    continue;
                }
                let info = match infos.get(&oid) {
                    Some(info) => info.clone(),
                    None => {
                        let info = commit_info(repo, &repo.find_commit(oid)?, false)?;
                        infos.insert(oid, info.clone());
                        info
                    }
                };
                chunks.push(BlameChunk {
                    commit: info,
                    start_line: u32::try_from(start).unwrap_or(u32::MAX),
                    lines: hunk_lines.iter().map(|l| l.to_string()).collect(),
                });
            }
            Ok(chunks)
        })
    }
}
