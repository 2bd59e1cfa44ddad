//! Reading and changing pages: read, sections, write, edit, delete, rename.

use std::collections::HashMap;

use robot_store::{
    Change, ChangeStatus, CommitId, CommitOutcome, CommitRequest, RepoPath, Revision,
};
use robot_wiki::{PagePath, display_title, first_heading};

use super::error::{NotesError, NotesResult};
use super::history::unified;
use super::index::{index_error, links_in};
use super::{
    EditOp, MAX_PAGE_BYTES, Note, Notes, RenameOutcome, SectionList, WriteOutcome, edit,
    frontmatter, page_of_file, sections, summary,
};
use crate::notes::DeleteOutcome;

impl Notes<'_> {
    /// Reads a page at head or at `revision`; with `section`, only that section's text.
    pub async fn read(
        &self,
        page: &PagePath,
        revision: Option<&str>,
        section: Option<&str>,
    ) -> NotesResult<Note> {
        self.require_read()?;
        let at = match revision.map(str::trim).filter(|r| !r.is_empty()) {
            Some(rev) => Some(self.revision(rev).await?),
            None => None,
        };
        let (file, content, last, links) = match &at {
            Some(id) => {
                let (file, content) = self.read_text(page, Some(id), true).await?;
                let rev = Revision::from(id);
                let info = self.blocking(move |repo| repo.commit_info(&rev)).await?;
                (file, content, Some(info), self.links(page).await?)
            }
            None => {
                // Content and revision must describe the same version, or a later write based on
                // this revision would "merge away" edits made in between: find the page's last
                // commit first, then read the content at exactly that commit (one trip to the
                // repository for these and the links).
                let lookup = page.clone();
                let catalogs = std::sync::Arc::clone(&self.state.catalogs);
                let slug = self.ctx.wiki.slug.to_string();
                let found = self
                    .blocking(move |repo| {
                        let Some(file) = repo.resolve_page(&lookup, None)? else {
                            return Ok(None);
                        };
                        let last = repo.last_change(&file)?;
                        let blob = repo.read(&file, last.as_ref().map(|c| &c.id))?;
                        let catalog = catalogs.catalog(&slug, repo);
                        Ok(blob.map(|blob| (file, blob, last, catalog)))
                    })
                    .await?;
                let (file, blob, last, catalog) =
                    found.ok_or_else(|| NotesError::page_not_found(page))?;
                let links = links_in(&*catalog.map_err(index_error)?, page);
                let content = String::from_utf8_lossy(&blob.bytes).into_owned();
                (file, content, last, links)
            }
        };
        let stored = page_of_file(file.as_str()).unwrap_or_else(|| page.to_string());
        let name = note_name(page, &content);
        let frontmatter = frontmatter::to_json(&content);
        let (content, section) = match section.map(str::trim).filter(|s| !s.is_empty()) {
            Some(query) => {
                let (text, path) = sections::extract(&content, query)?;
                (text.to_string(), Some(path))
            }
            None => (content, None),
        };
        Ok(Note {
            name,
            path: stored,
            content,
            frontmatter,
            links_to: links.links_to,
            linked_from: links.linked_from,
            revision: last.as_ref().map(|c| c.id.to_string()).unwrap_or_default(),
            last_commit: last.as_ref().map(summary),
            section,
        })
    }

    /// The headings of a page at head, with their `A > B` paths.
    pub async fn sections(&self, page: &PagePath) -> NotesResult<SectionList> {
        self.require_read()?;
        let (file, content) = self.read_text(page, None, false).await?;
        Ok(SectionList {
            path: page_of_file(file.as_str()).unwrap_or_else(|| page.to_string()),
            sections: sections::headings(&content),
        })
    }

    /// Creates a page, or replaces an existing one. Replacing needs `base_revision` (the
    /// revision the caller read); see the module docs for how stale revisions are handled.
    pub async fn write(
        &self,
        page: &PagePath,
        content: &str,
        base_revision: Option<&str>,
        message: Option<&str>,
    ) -> NotesResult<WriteOutcome> {
        self.require_write()?;
        check_size(content.len())?;
        let base = match base_revision.map(str::trim).filter(|r| !r.is_empty()) {
            Some(rev) => Some(self.revision(rev).await?),
            None => None,
        };
        let lookup = page.clone();
        let without_revision = base.is_none();
        let (head, existing, seeded) = self
            .blocking(move |repo| {
                let existing = repo.resolve_page(&lookup, None)?;
                let seeded = match &existing {
                    Some(file) if without_revision => untouched_seed(repo, file)?,
                    _ => None,
                };
                Ok((repo.head()?, existing, seeded))
            })
            .await?;
        // A page nobody has changed since the wiki was made from its template needs no read
        // first: the seed commit is the base, so a change made meanwhile still conflicts.
        let base = base.or(seeded);
        if existing.is_some() && base.is_none() {
            return Err(NotesError::RevisionRequired(
                "Revision required when updating an existing page. Read the page first to get \
                 the current revision."
                    .into(),
            ));
        }
        let created = existing.is_none();
        let path = match existing {
            Some(path) => path,
            None => RepoPath::parse(&page.file_name())?,
        };
        let action = if created { "Create" } else { "Update" };
        let message = self.message(message, action, &page.to_string());
        // A create is based on the head we looked at, so a page created meanwhile conflicts
        // instead of being overwritten.
        let base = base.or(head);
        let outcome = self
            .commit_page(&path, content.to_string(), base, message)
            .await?;
        self.write_outcome(page, &path, outcome, created, content)
            .await
    }

    /// Applies one [`EditOp`] to a page. With `base_revision` the edit is applied to the text
    /// the caller read and merged like a write; without, to the current text, atomically.
    pub async fn edit(
        &self,
        page: &PagePath,
        op: &EditOp,
        base_revision: Option<&str>,
        message: Option<&str>,
    ) -> NotesResult<WriteOutcome> {
        self.require_write()?;
        check_size(op.len())?;
        let base = match base_revision.map(str::trim).filter(|r| !r.is_empty()) {
            Some(rev) => Some(self.revision(rev).await?),
            None => None,
        };
        let asked = base.is_some();
        let at = match base {
            Some(base) => Some(base),
            None => self.blocking(|repo| repo.head()).await?,
        };
        let (path, content) = self.read_text(page, at.as_ref(), asked).await?;
        let new = edit::apply(&content, op)?;
        check_size(new.len())?;
        let message = self.message(message, op.verb(), &page.to_string());
        let outcome = self.commit_page(&path, new.clone(), at, message).await?;
        self.write_outcome(page, &path, outcome, false, &new).await
    }

    /// Puts `page` back as it was at revision `to`, as one new commit (history is kept). With
    /// `base_revision` (the revision the caller read), changes made since are merged or refused
    /// like any write; without, the restore is based on the page as it is now. Restores a
    /// deleted page too.
    pub async fn restore(
        &self,
        page: &PagePath,
        to: &str,
        base_revision: Option<&str>,
        message: Option<&str>,
    ) -> NotesResult<WriteOutcome> {
        self.require_write()?;
        let at = self.revision(to).await?;
        let (_, content) = self.read_text(page, Some(&at), true).await?;
        let base = match base_revision.map(str::trim).filter(|r| !r.is_empty()) {
            Some(given) => Some(given.to_string()),
            None => {
                let lookup = page.clone();
                self.blocking(move |repo| {
                    let Some(file) = repo.resolve_page(&lookup, None)? else {
                        return Ok(None);
                    };
                    Ok(repo.last_change(&file)?.map(|c| c.id.to_string()))
                })
                .await?
            }
        };
        let message = self.message(message, "Restore", &format!("{page} to {}", at.short()));
        self.write(page, &content, base.as_deref(), Some(&message))
            .await
    }

    /// Deletes a page; with `recursive`, also its folder (attachments and sub-pages). With
    /// `base_revision`, a page changed since that revision is not deleted (conflict).
    pub async fn delete(
        &self,
        page: &PagePath,
        base_revision: Option<&str>,
        recursive: bool,
        message: Option<&str>,
    ) -> NotesResult<DeleteOutcome> {
        self.require_write()?;
        let base = match base_revision.map(str::trim).filter(|r| !r.is_empty()) {
            Some(rev) => Some(self.revision(rev).await?),
            None => None,
        };
        let lookup = page.clone();
        let (head, file, dir) = self
            .blocking(move |repo| {
                Ok((
                    repo.head()?,
                    repo.resolve_page(&lookup, None)?,
                    repo.is_dir(&lookup, None)?,
                ))
            })
            .await?;
        let Some(file) = file else {
            return Err(NotesError::page_not_found(page));
        };
        let mut changes = vec![Change::Delete { path: file.clone() }];
        if let (true, Some(dir)) = (recursive, dir) {
            changes.push(Change::DeleteTree { prefix: dir });
        }
        let request = CommitRequest {
            author: self.ctx.author(),
            message: self.message(message, "Delete", &page.to_string()),
            base: base.clone().or(head),
            changes,
        };
        let outcome = match self.blocking(move |repo| repo.commit(request)).await {
            Ok(outcome) => outcome,
            Err(err) => return Err(self.conflict_details(err, base, &file).await),
        };
        Ok(DeleteOutcome {
            deleted: true,
            path: page_of_file(file.as_str()).unwrap_or_else(|| page.to_string()),
            revision: outcome.id().to_string(),
        })
    }

    /// Renames a page with its attachments and sub-pages, rewriting links to it in other pages
    /// when `rewrite_links` is set, in one commit.
    pub async fn rename(
        &self,
        from: &PagePath,
        to: &PagePath,
        rewrite_links: bool,
        message: Option<&str>,
    ) -> NotesResult<RenameOutcome> {
        self.require_write()?;
        if from.to_string() == to.to_string() {
            return Err(NotesError::invalid(
                "same_path",
                "new_path is the same as the current path; give a different name.",
            ));
        }
        let old_file = self.existing(from).await?;
        let old_path = old_file.clone();
        let message = self.message(message, "Rename", &format!("{from} -> {to}"));
        let author = self.ctx.author();
        let (src, dst) = (from.clone(), to.clone());
        let outcome = self
            .blocking(move |repo| repo.rename_page(&src, &dst, rewrite_links, &author, &message))
            .await
            .map_err(|err| match err {
                NotesError::Exists(_) => NotesError::Exists(format!(
                    "A page already exists at: {to}. Choose another name, or delete that page first."
                )),
                other => other,
            })?;
        let id = outcome.id().clone();
        let lookup = to.clone();
        let (src, dst) = (from.clone(), to.clone());
        let (new_file, info, updated_pages) = self
            .blocking(move |repo| {
                let info = repo.commit_info(&Revision::from(&id))?;
                let updated = rewritten_pages(repo, &info, (&src, &dst), &old_file)?;
                Ok((repo.resolve_page(&lookup, Some(&id))?, info, updated))
            })
            .await?;
        let new_path = new_file
            .as_ref()
            .and_then(|f| page_of_file(f.as_str()))
            .unwrap_or_else(|| to.to_string());
        Ok(RenameOutcome {
            old_path: page_of_file(old_path.as_str()).unwrap_or_else(|| from.to_string()),
            new_path,
            revision: info.id.to_string(),
            updated_pages,
        })
    }

    /// The file and text of `page` at `at` (default head), or `page_not_found` (naming the
    /// revision when the caller `asked` for it).
    async fn read_text(
        &self,
        page: &PagePath,
        at: Option<&CommitId>,
        asked: bool,
    ) -> NotesResult<(RepoPath, String)> {
        let lookup = page.clone();
        let at_owned = at.cloned();
        let found = self
            .blocking(move |repo| {
                let Some(file) = repo.resolve_page(&lookup, at_owned.as_ref())? else {
                    return Ok(None);
                };
                Ok(repo
                    .read(&file, at_owned.as_ref())?
                    .map(|blob| (file, blob)))
            })
            .await?;
        match (found, asked.then_some(at).flatten()) {
            (Some((file, blob)), _) => {
                Ok((file, String::from_utf8_lossy(&blob.bytes).into_owned()))
            }
            (None, Some(rev)) => Err(NotesError::NotFound {
                code: "page_not_found",
                message: format!(
                    "Page not found: {page} did not exist at revision {}. Use the page's history \
                     to find revisions that have it.",
                    rev.short()
                ),
            }),
            (None, _) => Err(NotesError::page_not_found(page)),
        }
    }

    /// Commits `content` to `path` on `base`, adding conflict details on failure.
    async fn commit_page(
        &self,
        path: &RepoPath,
        content: String,
        base: Option<CommitId>,
        message: String,
    ) -> NotesResult<CommitOutcome> {
        let request = CommitRequest {
            author: self.ctx.author(),
            message,
            base: base.clone(),
            changes: vec![Change::Write {
                path: path.clone(),
                content: content.into_bytes(),
            }],
        };
        match self.blocking(move |repo| repo.commit(request)).await {
            Ok(outcome) => Ok(outcome),
            Err(err) => Err(self.conflict_details(err, base, path).await),
        }
    }

    /// Adds the page's current revision and the diff since `base` to a conflict error.
    pub(super) async fn conflict_details(
        &self,
        err: NotesError,
        base: Option<CommitId>,
        path: &RepoPath,
    ) -> NotesError {
        let NotesError::Conflict(mut info) = err else {
            return err;
        };
        let Some(base) = base else {
            return NotesError::Conflict(info);
        };
        let current = self.last_commit(path).await.ok().flatten();
        info.current_revision = current.map(|c| c.id.to_string()).unwrap_or_default();
        let (from, diff_path) = (base.clone(), path.clone());
        let head = self.blocking(|repo| repo.head()).await.ok().flatten();
        if let Some(head) = head {
            let diffs = self
                .blocking(move |repo| repo.diff(&from, &head, Some(&[diff_path])))
                .await
                .unwrap_or_default();
            info.diff = unified(&diffs);
        }
        info.message = format!(
            "Conflict: {} changed since revision {} and the changes overlap yours; nothing was \
             saved. Read the page again to get the current revision ({}), reapply your change \
             and retry. `diff` shows what changed.",
            page_of_file(path.as_str()).unwrap_or_else(|| path.to_string()),
            base.short(),
            if info.current_revision.is_empty() {
                "the page no longer exists"
            } else {
                &info.current_revision
            }
        );
        NotesError::Conflict(info)
    }

    async fn write_outcome(
        &self,
        page: &PagePath,
        path: &RepoPath,
        outcome: CommitOutcome,
        created: bool,
        content: &str,
    ) -> NotesResult<WriteOutcome> {
        let (revision, merged, changed) = match outcome {
            CommitOutcome::Committed { id, merged } => (id.to_string(), merged, true),
            CommitOutcome::Unchanged { head } => {
                let last = self.last_commit(path).await?;
                let revision = last.map(|c| c.id).unwrap_or(head).to_string();
                (revision, false, false)
            }
        };
        Ok(WriteOutcome {
            name: note_name(page, content),
            path: page_of_file(path.as_str()).unwrap_or_else(|| page.to_string()),
            revision,
            created,
            merged,
            changed,
        })
    }
}

/// Pages whose content a rename commit changed (their links were rewritten), other than the
/// renamed page itself: files changed in place, or moved with the folder and changed on the way.
/// Compared by blob, so it does not depend on git's rename detection.
fn rewritten_pages(
    repo: &robot_store::WikiRepo,
    info: &robot_store::CommitInfo,
    (from, to): (&PagePath, &PagePath),
    renamed: &RepoPath,
) -> Result<Vec<String>, robot_store::StoreError> {
    let Some(parent) = info.parents.first() else {
        return Ok(Vec::new());
    };
    let before: HashMap<String, String> = repo
        .files(Some(parent))?
        .iter()
        .map(|f| (f.path.to_string(), f.blob_id.clone()))
        .collect();
    let after = repo.files(Some(&info.id))?;
    let moved_dir = match (
        repo.is_dir(from, Some(parent))?,
        repo.is_dir(to, Some(&info.id))?,
    ) {
        (Some(old), Some(new)) => Some((old.to_string(), format!("{new}/"))),
        _ => None,
    };
    let changed: Vec<&str> = info
        .files
        .iter()
        .filter(|f| f.status != ChangeStatus::Deleted)
        .map(|f| f.path.as_str())
        .collect();
    let mut pages: Vec<String> = after
        .iter()
        .filter(|f| changed.contains(&f.path.as_str()))
        .filter_map(|f| {
            let path = f.path.as_str();
            let origin = match &moved_dir {
                Some((old, new)) if path.starts_with(new.as_str()) => {
                    format!("{old}/{}", &path[new.len()..])
                }
                _ => path.to_string(),
            };
            let edited = origin != renamed.as_str()
                && before.get(&origin).is_some_and(|blob| *blob != f.blob_id);
            edited.then(|| page_of_file(path)).flatten()
        })
        .collect();
    pages.sort();
    pages.dedup();
    Ok(pages)
}

/// The page's title, by the rule the page catalog uses: frontmatter `title`, else the first
/// heading, else the name (title-cased when all lowercase).
pub(super) fn note_name(page: &PagePath, content: &str) -> String {
    match frontmatter::to_json(content).get("title") {
        Some(serde_json::Value::String(title)) if !title.trim().is_empty() => {
            title.trim().to_string()
        }
        _ => first_heading(content)
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| display_title(page, None)),
    }
}

fn check_size(len: usize) -> NotesResult<()> {
    if len > MAX_PAGE_BYTES {
        return Err(NotesError::TooLarge(format!(
            "Content too large ({len} bytes). Pages are limited to {MAX_PAGE_BYTES} bytes \
             ({} MiB); split the page.",
            MAX_PAGE_BYTES / 1024 / 1024
        )));
    }
    Ok(())
}

/// The wiki's first commit, when it made `file` from the template and nothing changed it since.
fn untouched_seed(
    repo: &robot_store::WikiRepo,
    file: &RepoPath,
) -> Result<Option<CommitId>, robot_store::StoreError> {
    let seed_author = crate::wikis::system_author();
    Ok(repo
        .last_change(file)?
        .filter(|last| last.parents.is_empty() && last.author_email == seed_author.email)
        .map(|last| last.id))
}
