//! History: a page's commits, the wiki's changelog, and diffs between revisions.

use robot_store::{ChangeStatus, FileDiff, LineKind, LogQuery};
use robot_wiki::PagePath;

use super::error::{NotesError, NotesResult};
use super::index::parse_since;
use super::{Changelog, ChangelogEntry, History, NoteDiff, Notes, iso_date, page_of_file};

/// A commit as the history and the changelog list it: who, when, why, and the pages it
/// changed (both names of a renamed page; attachments are not listed).
fn change_entry(c: &robot_store::CommitInfo) -> ChangelogEntry {
    let mut pages: Vec<String> = Vec::new();
    for file in &c.files {
        let names = [Some(file.path.as_str()), file.old_path.as_deref()];
        for name in names.into_iter().flatten() {
            if let Some(page) = page_of_file(name)
                && !pages.contains(&page)
            {
                pages.push(page);
            }
        }
    }
    ChangelogEntry {
        revision: c.id.to_string(),
        author: c.author_name.clone(),
        date: iso_date(c.time, c.tz_offset_minutes),
        message: c.message.clone(),
        pages_affected: pages,
    }
}

/// Most history or changelog entries returned at once.
pub const MAX_LOG_LIMIT: usize = 500;

/// Commits read at a time when the changelog is filtered.
const SCAN_BATCH: usize = 200;

/// Most commits a filtered changelog looks through (the newest ones).
pub const MAX_SCANNED_COMMITS: usize = 10_000;

/// Which part of the wiki's changelog to answer.
#[derive(Debug, Clone, Default)]
pub struct ChangeQuery {
    /// Most entries (1 to 500).
    pub limit: usize,
    /// Matching entries to skip.
    pub offset: usize,
    /// Only commits at or after this ISO 8601 date or date-time.
    pub since: Option<String>,
    /// Only commits that changed a page in this folder (`Projects` or `Projects/`).
    pub folder: Option<String>,
}

/// True when the commit changed a page inside `folder` (lowercase, no slashes around it).
fn in_folder(entry: &ChangelogEntry, folder: &str) -> bool {
    entry.pages_affected.iter().any(|page| {
        let page = page.to_lowercase();
        page.strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

impl Notes<'_> {
    /// Commits that touched `page` (following renames), newest first, `limit` (0 to 500; 0
    /// answers only how many there are) from `offset`, each with the pages it changed.
    pub async fn history(
        &self,
        page: &PagePath,
        limit: usize,
        offset: usize,
    ) -> NotesResult<History> {
        self.require_read()?;
        let file = self.existing(page).await?;
        let limit = limit.min(MAX_LOG_LIMIT);
        let logged = file.clone();
        let (total, commits) = self
            .blocking(move |repo| {
                let total = repo.file_revision_count(&logged)?;
                let commits = if limit == 0 {
                    Vec::new()
                } else {
                    repo.log(&LogQuery {
                        path: Some(logged),
                        follow_renames: true,
                        skip: offset,
                        limit,
                    })?
                };
                Ok((total, commits))
            })
            .await?;
        let end = offset.saturating_add(commits.len());
        Ok(History {
            path: page_of_file(file.as_str()).unwrap_or_else(|| page.to_string()),
            total,
            next_offset: (!commits.is_empty() && end < total).then_some(end),
            history: commits.iter().map(change_entry).collect(),
        })
    }

    /// Recent changes to the whole wiki, newest first, `q.limit` (1 to 500) from `q.offset`;
    /// with `since`, only commits made since then, with `folder`, only commits that changed a
    /// page in that folder.
    pub async fn changelog(&self, q: &ChangeQuery) -> NotesResult<Changelog> {
        self.require_read()?;
        let limit = q.limit.clamp(1, MAX_LOG_LIMIT);
        let offset = q.offset;
        let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(parse_since(text)?),
            None => None,
        };
        let folder = q
            .folder
            .as_deref()
            .map(|f| f.trim().trim_matches('/').to_lowercase())
            .filter(|f| !f.is_empty());
        if since.is_none() && folder.is_none() {
            let (total, commits) = self
                .blocking(move |repo| {
                    let total = repo.commit_count()?;
                    let commits = repo.log(&LogQuery {
                        path: None,
                        follow_renames: false,
                        skip: offset,
                        limit,
                    })?;
                    Ok((total, commits))
                })
                .await?;
            let entries: Vec<ChangelogEntry> = commits.iter().map(change_entry).collect();
            let end = offset + entries.len();
            return Ok(Changelog {
                next_offset: (end < total && !entries.is_empty()).then_some(end),
                entries,
                total,
            });
        }
        let (matching, complete) = self
            .blocking(move |repo| {
                let mut matching = Vec::new();
                let mut scanned = 0;
                loop {
                    let batch = repo.log(&LogQuery {
                        path: None,
                        follow_renames: false,
                        skip: scanned,
                        limit: SCAN_BATCH,
                    })?;
                    scanned += batch.len();
                    for commit in &batch {
                        if since.is_some_and(|since| commit.time < since) {
                            return Ok((matching, true));
                        }
                        let entry = change_entry(commit);
                        if folder.as_deref().is_none_or(|f| in_folder(&entry, f)) {
                            matching.push(entry);
                        }
                    }
                    if batch.len() < SCAN_BATCH {
                        return Ok((matching, true));
                    }
                    if scanned >= MAX_SCANNED_COMMITS {
                        return Ok((matching, false));
                    }
                }
            })
            .await?;
        let total = matching.len();
        let entries: Vec<ChangelogEntry> = matching.into_iter().skip(offset).take(limit).collect();
        let end = offset + entries.len();
        Ok(Changelog {
            next_offset: (end < total && !entries.is_empty()).then_some(end),
            entries,
            total: if complete { total } else { total.max(end) },
        })
    }

    /// Changes to `page` from revision `from` to `to` (default: head), as a unified diff and
    /// structured.
    pub async fn diff(
        &self,
        page: &PagePath,
        from: &str,
        to: Option<&str>,
    ) -> NotesResult<NoteDiff> {
        self.require_read()?;
        let from = self.revision(from).await?;
        let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
            Some(to) => self.revision(to).await?,
            None => self
                .blocking(|repo| repo.head())
                .await?
                .ok_or_else(|| NotesError::page_not_found(page))?,
        };
        let (lookup, a, b) = (page.clone(), from.clone(), to.clone());
        let (files, path) = self
            .blocking(move |repo| {
                let old = repo.resolve_page(&lookup, Some(&a))?;
                let new = repo.resolve_page(&lookup, Some(&b))?;
                let path = new.clone().or_else(|| old.clone());
                let paths: Vec<_> = old.into_iter().chain(new).collect();
                if paths.is_empty() {
                    return Ok((Vec::new(), None));
                }
                Ok((repo.diff(&a, &b, Some(&paths))?, path))
            })
            .await?;
        let Some(path) = path else {
            return Err(NotesError::NotFound {
                code: "page_not_found",
                message: format!(
                    "Page not found: {page} exists at neither {} nor {}. Use the history to find \
                     revisions that have it.",
                    from.short(),
                    to.short()
                ),
            });
        };
        Ok(NoteDiff {
            path: page_of_file(path.as_str()).unwrap_or_else(|| page.to_string()),
            from: from.to_string(),
            to: to.to_string(),
            unified: unified(&files),
            files,
        })
    }
}

/// Renders file diffs as one unified diff (`--- a/…`, `+++ b/…`, hunks).
pub fn unified(files: &[FileDiff]) -> String {
    let mut out = String::new();
    for file in files {
        let old = if file.status == ChangeStatus::Added {
            "/dev/null".to_string()
        } else {
            format!("a/{}", file.old_path)
        };
        let new = if file.status == ChangeStatus::Deleted {
            "/dev/null".to_string()
        } else {
            format!("b/{}", file.new_path)
        };
        out.push_str(&format!("--- {old}\n+++ {new}\n"));
        if file.binary {
            out.push_str("Binary files differ\n");
            continue;
        }
        for hunk in &file.hunks {
            out.push_str(&hunk.header);
            out.push('\n');
            for line in &hunk.lines {
                out.push(match line.kind {
                    LineKind::Added => '+',
                    LineKind::Removed => '-',
                    LineKind::Context => ' ',
                });
                out.push_str(&line.text);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use robot_store::{DiffLine, Hunk};

    #[test]
    fn renders_unified_text() {
        let line = |kind, text: &str| DiffLine {
            kind,
            old_lineno: None,
            new_lineno: None,
            text: text.into(),
        };
        let diff = FileDiff {
            old_path: "A.md".into(),
            new_path: "A.md".into(),
            status: ChangeStatus::Modified,
            binary: false,
            hunks: vec![Hunk {
                header: "@@ -1,2 +1,2 @@".into(),
                lines: vec![
                    line(LineKind::Context, "# A"),
                    line(LineKind::Removed, "old"),
                    line(LineKind::Added, "new"),
                ],
            }],
        };
        assert_eq!(
            unified(&[diff]),
            "--- a/A.md\n+++ b/A.md\n@@ -1,2 +1,2 @@\n # A\n-old\n+new\n"
        );
    }
}
