//! Page-level operations: porcelain over [`WikiRepo::commit`] that speaks in [`PagePath`]s.
//!
//! Pages are found case-insensitively (`_` and space alike), so repositories imported from a
//! stock An Otter Wiki, whose files are lowercase, work unchanged. Every operation here builds its
//! change set from one head and commits it with that head as `base`, so a concurrent edit is
//! merged or reported as a conflict, never overwritten.

use std::sync::Arc;

use git2::{Oid, Repository};
use robot_wiki::PagePath;
use robot_wiki::links::rewrite_links;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::error::StoreError;
use crate::history::CommitInfo;
use crate::repo::WikiRepo;
use crate::repo_path::RepoPath;
use crate::revision::CommitId;
use crate::write::{Author, Change, CommitOutcome, CommitRequest};

/// A file attached to a page: a non-markdown file directly in the page's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The file name.
    pub name: String,
    /// Where it lives.
    pub path: RepoPath,
    /// Size in bytes.
    pub size: u64,
    /// The git blob id, a stable cache key for the content.
    pub blob_id: String,
    /// The last commit that changed it (its `files` are left empty).
    pub last_change: Option<CommitInfo>,
}

impl WikiRepo {
    /// The file storing `page` at `at` (default: head): the `.md` file whose name matches
    /// case-insensitively, `_` and space alike; the exact spelling wins when several match.
    pub fn resolve_page(
        &self,
        page: &PagePath,
        at: Option<&CommitId>,
    ) -> Result<Option<RepoPath>, StoreError> {
        let catalog = self.catalog(at)?;
        Ok(catalog.page(&page.lookup_key(), &page.file_name()).cloned())
    }

    /// The folder named by `dir` (a page's attachment and sub-page folder), matched like pages.
    pub fn is_dir(
        &self,
        dir: &PagePath,
        at: Option<&CommitId>,
    ) -> Result<Option<RepoPath>, StoreError> {
        let catalog = self.catalog(at)?;
        Ok(catalog
            .dir(&dir.lookup_key(), &dir.attachment_dir())
            .cloned())
    }

    /// Renames a page: moves its file and its folder (attachments and sub-pages) and, with
    /// `rewrite_backlinks`, rewrites links to it in every other page, all in one commit.
    ///
    /// [`StoreError::NotFound`] when neither the page nor its folder exists;
    /// [`StoreError::PageExists`] when another page or folder already has the new name (a
    /// case-only rename of the same page is allowed). When the new parent folder already exists
    /// under another spelling, the page moves into it rather than creating a second folder.
    pub fn rename_page(
        &self,
        from: &PagePath,
        to: &PagePath,
        rewrite_backlinks: bool,
        author: &Author,
        message: &str,
    ) -> Result<CommitOutcome, StoreError> {
        let catalog = self.catalog(None)?;
        let head = catalog
            .commit
            .ok_or_else(|| StoreError::NotFound(from.to_string()))?;
        let from_file = catalog.page(&from.lookup_key(), &from.file_name()).cloned();
        let from_dir = catalog
            .dir(&from.lookup_key(), &from.attachment_dir())
            .cloned();
        if from_file.is_none() && from_dir.is_none() {
            return Err(StoreError::NotFound(from.to_string()));
        }
        if let Some(existing) = catalog.page(&to.lookup_key(), &to.file_name())
            && Some(existing) != from_file.as_ref()
        {
            return Err(StoreError::PageExists(to.to_string()));
        }
        if from_dir.is_some()
            && let Some(existing) = catalog.dir(&to.lookup_key(), &to.attachment_dir())
            && Some(existing) != from_dir.as_ref()
        {
            return Err(StoreError::PageExists(to.to_string()));
        }
        let to_base = target_base(&catalog, to);
        let to_file = RepoPath::parse(&format!("{to_base}.md"))?;
        let to_dir = RepoPath::parse(&to_base)?;

        let mut changes = Vec::new();
        if let Some(file) = &from_file {
            changes.push(Change::Move {
                from: file.clone(),
                to: to_file,
            });
        }
        if let Some(dir) = &from_dir {
            changes.push(Change::Move {
                from: dir.clone(),
                to: to_dir.clone(),
            });
        }
        if rewrite_backlinks {
            let rewrites = self.pool.with(|repo| {
                backlink_rewrites(
                    repo,
                    &catalog,
                    from,
                    to,
                    from_file.as_ref(),
                    from_dir.as_ref(),
                    &to_dir,
                )
            })?;
            changes.extend(rewrites);
        }
        self.commit(CommitRequest {
            author: author.clone(),
            message: message.to_string(),
            base: Some(CommitId::from_oid(head)),
            changes,
        })
    }

    /// Deletes a page and, with `with_attachments`, its folder (attachments and sub-pages).
    /// [`StoreError::NotFound`] when there is nothing to delete.
    pub fn delete_page(
        &self,
        page: &PagePath,
        with_attachments: bool,
        author: &Author,
        message: &str,
    ) -> Result<CommitOutcome, StoreError> {
        let catalog = self.catalog(None)?;
        let head = catalog
            .commit
            .ok_or_else(|| StoreError::NotFound(page.to_string()))?;
        let mut changes = Vec::new();
        if let Some(file) = catalog.page(&page.lookup_key(), &page.file_name()) {
            changes.push(Change::Delete { path: file.clone() });
        }
        if with_attachments
            && let Some(dir) = catalog.dir(&page.lookup_key(), &page.attachment_dir())
        {
            changes.push(Change::DeleteTree {
                prefix: dir.clone(),
            });
        }
        if changes.is_empty() {
            return Err(StoreError::NotFound(page.to_string()));
        }
        self.commit(CommitRequest {
            author: author.clone(),
            message: message.to_string(),
            base: Some(CommitId::from_oid(head)),
            changes,
        })
    }

    /// The page's attachments at head, sorted by name, each with the last commit that changed it.
    pub fn attachments(&self, page: &PagePath) -> Result<Vec<Attachment>, StoreError> {
        let catalog = self.catalog(None)?;
        let (Some(_), Some(dir)) = (
            catalog.commit,
            catalog.dir(&page.lookup_key(), &page.attachment_dir()),
        ) else {
            return Ok(Vec::new());
        };
        let files: Vec<_> = catalog
            .files
            .iter()
            .filter(|f| f.path.parent().as_ref() == Some(dir) && !f.path.as_str().ends_with(".md"))
            .collect();
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let mut last = self.last_changes(&paths, None)?.unwrap_or_default();
        Ok(files
            .into_iter()
            .map(|file| Attachment {
                name: file.path.file_name().to_string(),
                path: file.path.clone(),
                size: file.size,
                blob_id: file.blob_id.clone(),
                last_change: last.remove(file.path.as_str()).map(|mut c| {
                    c.files.clear();
                    c
                }),
            })
            .collect())
    }
}

/// The repository path (without `.md`) for `page` as a rename target: the page's own spelling,
/// except that the longest existing folder prefix keeps the spelling it already has on disk.
fn target_base(catalog: &Catalog, page: &PagePath) -> String {
    let segments = page.segments();
    for split in (1..segments.len()).rev() {
        let parent = segments[..split].join("/");
        if let Some(existing) = catalog.dir(&crate::catalog::lookup_key(&parent), &parent) {
            return format!("{existing}/{}", segments[split..].join("/"));
        }
    }
    page.to_string()
}

/// `Write` changes rewriting links from `from` to `to` in every page but the renamed one, at the
/// page's location after the move.
fn backlink_rewrites(
    repo: &Repository,
    catalog: &Arc<Catalog>,
    from: &PagePath,
    to: &PagePath,
    from_file: Option<&RepoPath>,
    from_dir: Option<&RepoPath>,
    to_dir: &RepoPath,
) -> Result<Vec<Change>, StoreError> {
    let mut changes = Vec::new();
    for file in catalog.files.iter() {
        if !file.path.as_str().ends_with(".md") || Some(&file.path) == from_file {
            continue;
        }
        let blob = repo.find_blob(Oid::from_str(&file.blob_id)?)?;
        let Ok(text) = std::str::from_utf8(blob.content()) else {
            continue;
        };
        let Some(rewritten) = rewrite_links(text, from, to) else {
            continue;
        };
        let path = match from_dir {
            Some(dir) if file.path.starts_with(dir) => {
                let rest = &file.path.as_str()[dir.as_str().len() + 1..];
                RepoPath::parse(&format!("{to_dir}/{rest}"))?
            }
            _ => file.path.clone(),
        };
        changes.push(Change::Write {
            path,
            content: rewritten.into_bytes(),
        });
    }
    Ok(changes)
}
