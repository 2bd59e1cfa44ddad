//! History: a page's commits, the wiki's changelog, and diffs between revisions.

use robot_store::{ChangeStatus, FileDiff, LineKind, LogQuery};
use robot_wiki::PagePath;

use super::error::{NotesError, NotesResult};
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

    /// Recent changes to the whole wiki, newest first, `limit` (1 to 500) from `offset`.
    pub async fn changelog(&self, limit: usize, offset: usize) -> NotesResult<Changelog> {
        self.require_read()?;
        let limit = limit.clamp(1, MAX_LOG_LIMIT);
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
        Ok(Changelog {
            next_offset: (end < total && !entries.is_empty()).then_some(end),
            entries,
            total,
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
