//! Blame: which commit last changed each line of a file.

use std::collections::HashMap;
use std::path::Path;

use git2::{BlameOptions, DiffOptions, ErrorCode, ObjectType, Oid, Patch, Repository};
use serde::Serialize;

use crate::error::StoreError;
use crate::history::{CommitInfo, commit_info};
use crate::repo::{WikiRepo, commit_at, find_commit};
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
    /// Blames `path` as of `at` (default: head), following renames.
    ///
    /// The file's own revisions come from the page log, and each is diffed with the one before
    /// it (git's line diff) until every line has the revision that wrote it: the cost follows
    /// the page's revisions, not the wiki's history (libgit2's blame visits every commit).
    pub fn blame(
        &self,
        path: &RepoPath,
        at: Option<&CommitId>,
    ) -> Result<Vec<BlameChunk>, StoreError> {
        let wiki = self.pool.with(|repo| self.logged(repo))?;
        let Some(history) = self.page_log.file_history(wiki, path.as_str(), at)? else {
            let at = at.map(|c| c.to_string()).unwrap_or_default();
            return Err(StoreError::RevisionNotFound(at));
        };
        self.pool.with(|repo| {
            let commit = commit_at(repo, at)?.ok_or(StoreError::EmptyRepository)?;
            let Some(content) = blob_at(repo, &commit, path.as_str())? else {
                return Err(StoreError::NotFound(path.to_string()));
            };
            let owners = attribute(repo, &content, &history)?;
            let text = String::from_utf8_lossy(&content);
            let mut chunks: Vec<BlameChunk> = Vec::new();
            for (number, (line, owner)) in text.lines().zip(owners).enumerate() {
                let Some((info, _)) = history.get(owner) else {
                    continue;
                };
                if let Some(last) = chunks.last_mut()
                    && last.commit.id == info.id
                {
                    last.lines.push(line.to_string());
                    continue;
                }
                let mut commit = info.clone();
                commit.files.clear();
                chunks.push(BlameChunk {
                    commit,
                    start_line: u32::try_from(number + 1).unwrap_or(u32::MAX),
                    lines: vec![line.to_string()],
                });
            }
            Ok(chunks)
        })
    }

    /// [`WikiRepo::blame`] by libgit2's blame, which walks the wiki's whole history: the
    /// reference the page-log blame is checked against.
    pub fn blame_walking_history(
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

/// For each line of `content` (the file as of `history[0]`), the index in `history` (newest
/// first) of the revision that wrote it.
fn attribute(
    repo: &Repository,
    content: &[u8],
    history: &[(CommitInfo, String)],
) -> Result<Vec<usize>, StoreError> {
    let total = line_count(content);
    let mut owners = vec![history.len().saturating_sub(1); total];
    // (line of the final file, where that line is in the revision being looked at)
    let mut pending: Vec<(usize, usize)> = (0..total).map(|i| (i, i)).collect();
    // Each revision's text is split into lines once, and kept as the "newer" side of the next
    // comparison.
    let mut newer_text = content.to_vec();
    let mut newer = line_spans(&newer_text);
    for (k, _) in history.iter().enumerate() {
        if pending.is_empty() {
            break;
        }
        let older = match history.get(k + 1) {
            Some((info, name)) => {
                let commit = find_commit(repo, info.id.oid()?, info.id.as_str())?;
                blob_at(repo, &commit, name)?
            }
            None => None,
        };
        let Some(older) = older else {
            // The file was created here (first revision, or re-created after a deletion).
            for (line, _) in pending.drain(..) {
                owners[line] = k;
            }
            break;
        };
        let older_lines = line_spans(&older);
        let map = line_map(&older, &older_lines, &newer_text, &newer)?;
        pending.retain_mut(|(line, at)| match map.get(*at).copied().flatten() {
            Some(before) => {
                *at = before;
                true
            }
            None => {
                owners[*line] = k;
                false
            }
        });
        newer_text = older;
        newer = older_lines;
    }
    Ok(owners)
}

/// Where each line of `text` is, newline included (the last line may have none): split once
/// per revision with `memchr`, as a long page's revisions are compared line by line.
fn line_spans(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::with_capacity(text.len() / 32 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text) {
        spans.push(start..end + 1);
        start = end + 1;
    }
    if start < text.len() {
        spans.push(start..text.len());
    }
    spans
}

/// The file at `path` in `commit`, when it is a file there.
fn blob_at(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    path: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    match commit.tree()?.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(ObjectType::Blob) => {
            Ok(Some(repo.find_blob(entry.id())?.content().to_vec()))
        }
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Lines as git's diff counts them: a last line without a newline counts.
fn line_count(text: &[u8]) -> usize {
    let newlines = text.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(text.last().is_some_and(|&b| b != b'\n'))
}

/// For each line of `new`, the line of `old` it was kept from (`None`: written in `new`).
///
/// Lines both versions start and end with are matched directly (most edits change a few lines
/// of a long page: an agent appends, a person fixes a paragraph); git's line diff, without
/// context, matches only the part in between.
fn line_map(
    old: &[u8],
    old_lines: &[std::ops::Range<usize>],
    new: &[u8],
    new_lines: &[std::ops::Range<usize>],
) -> Result<Vec<Option<usize>>, StoreError> {
    let same = |a: &std::ops::Range<usize>, b: &std::ops::Range<usize>| {
        old.get(a.clone()) == new.get(b.clone())
    };
    let prefix = old_lines
        .iter()
        .zip(new_lines)
        .take_while(|(a, b)| same(a, b))
        .count();
    let suffix = old_lines[prefix..]
        .iter()
        .rev()
        .zip(new_lines[prefix..].iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let (old_mid, new_mid) = (
        &old_lines[prefix..old_lines.len() - suffix],
        &new_lines[prefix..new_lines.len() - suffix],
    );
    // The middles are contiguous bytes of each text.
    let bytes = |text: &'_ [u8], mid: &[std::ops::Range<usize>]| -> Vec<u8> {
        match (mid.first(), mid.last()) {
            (Some(first), Some(last)) => {
                text.get(first.start..last.end).unwrap_or_default().to_vec()
            }
            _ => Vec::new(),
        }
    };
    let mut map: Vec<Option<usize>> = (0..prefix).map(Some).collect();
    map.extend(
        middle_map(&bytes(old, old_mid), &bytes(new, new_mid), new_mid.len())?
            .into_iter()
            .map(|kept| kept.map(|line| line + prefix)),
    );
    let old_suffix_start = old_lines.len() - suffix;
    map.extend((0..suffix).map(|i| Some(old_suffix_start + i)));
    Ok(map)
}

/// [`line_map`] of two texts that share no first or last line, by git's line diff.
fn middle_map(old: &[u8], new: &[u8], total: usize) -> Result<Vec<Option<usize>>, StoreError> {
    if old.is_empty() || new.is_empty() {
        return Ok(vec![None; total]);
    }
    let mut opts = DiffOptions::new();
    opts.context_lines(0).force_text(true);
    let patch = Patch::from_buffers(old, None, new, None, Some(&mut opts))?;
    let mut map = Vec::with_capacity(total);
    let mut old_at = 0;
    for h in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(h)?;
        // Unified-diff numbering: 1-based, and for an empty side the line before the gap.
        let gap = |start: u32, lines: u32| {
            let start = start as usize;
            if lines == 0 {
                start
            } else {
                start.saturating_sub(1)
            }
        };
        let new_start = gap(hunk.new_start(), hunk.new_lines());
        let old_start = gap(hunk.old_start(), hunk.old_lines());
        while map.len() < new_start.min(total) {
            map.push(Some(old_at));
            old_at += 1;
        }
        for _ in 0..hunk.new_lines() {
            map.push(None);
        }
        old_at = old_start + hunk.old_lines() as usize;
    }
    while map.len() < total {
        map.push(Some(old_at));
        old_at += 1;
    }
    Ok(map)
}
