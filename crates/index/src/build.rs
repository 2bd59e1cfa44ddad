//! Building a catalog: from scratch (one pass over the files plus one history walk), or
//! incrementally from the catalog of an older head (only changed pages re-read).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use robot_store::{CommitId, CommitInfo, FileEntry, WikiRepo};
use robot_wiki::PagePath;

use crate::catalog::Catalog;
use crate::error::IndexError;
use crate::history::{last_changes, linear_chain, touched_by};
use crate::page::{Key, LastChange, Links, Page, PageEntry, page_of, parse};

/// Full builds retried when the branch is rewritten while its history is read.
const BUILD_ATTEMPTS: usize = 3;

/// How [`Catalog::refresh`] reached the current head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refresh {
    /// The catalog was already at the head.
    Unchanged,
    /// Updated from the older catalog.
    Incremental,
    /// Built from scratch.
    Full,
}

impl Catalog {
    /// Builds the catalog of the wiki's current head from scratch: every page file read once,
    /// and one history walk (newest first, stopped as soon as every file's last change is known).
    pub fn build(repo: &WikiRepo) -> Result<Catalog, IndexError> {
        for _ in 0..BUILD_ATTEMPTS {
            let Some(head) = repo.head()? else {
                return Ok(Catalog::default());
            };
            if let Some(catalog) = build_at(repo, &head)? {
                return Ok(catalog);
            }
        }
        Err(IndexError::HistoryRewritten {
            slug: repo.slug().to_owned(),
        })
    }

    /// The catalog of the wiki's current head, derived from this one. When this catalog's head
    /// is an ancestor of the current head along single-parent commits (every write through the
    /// store), only the pages whose blob changed are re-read; otherwise it is built from scratch.
    /// The result equals [`Catalog::build`] either way.
    pub fn update(&self, repo: &WikiRepo) -> Result<Catalog, IndexError> {
        Ok(self.refresh(repo)?.0)
    }

    /// [`Catalog::update`], also saying which way it went.
    pub(crate) fn refresh(&self, repo: &WikiRepo) -> Result<(Catalog, Refresh), IndexError> {
        let Some(new_head) = repo.head()? else {
            return Ok((Catalog::default(), Refresh::Full));
        };
        let Some(old_head) = &self.head else {
            return Ok((Catalog::build(repo)?, Refresh::Full));
        };
        if *old_head == new_head {
            return Ok((self.clone(), Refresh::Unchanged));
        }
        if let Some(chain) = linear_chain(repo, old_head, &new_head)?
            && let Some(updated) = self.apply(repo, new_head, &chain)?
        {
            return Ok((updated, Refresh::Incremental));
        }
        Ok((Catalog::build(repo)?, Refresh::Full))
    }

    /// This catalog moved to `head`, given the commits since its own head (newest first).
    ///
    /// Only the `.md` paths those commits touch can differ, so only they are looked at: each is
    /// found in the new head's file list (sorted, binary search) and in this catalog (by key).
    /// `None` when the tree and the commits disagree (a changed file no commit touched).
    fn apply(
        &self,
        repo: &WikiRepo,
        head: CommitId,
        chain: &[CommitInfo],
    ) -> Result<Option<Catalog>, IndexError> {
        let touched = touched_by(chain);
        let candidates: BTreeSet<&str> = chain
            .iter()
            .flat_map(|c| &c.files)
            .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.old_path.as_deref()))
            .filter(|p| p.ends_with(".md"))
            .collect();
        let files = if candidates.is_empty() {
            Arc::default()
        } else {
            repo.files(Some(&head))?
        };
        let before: Vec<(&str, Option<&Arc<Page>>)> =
            candidates.iter().map(|&p| (p, self.record(p))).collect();
        // Content that moved (a rename) is taken over rather than read again.
        let by_blob: HashMap<&str, &Arc<Page>> = before
            .iter()
            .filter_map(|(_, old)| old.map(|p| (p.entry.blob_id.as_str(), p)))
            .collect();
        // Old file → its new record, or `None` when it is gone; files that are new are `added`.
        let mut replaced: HashMap<&str, Option<Arc<Page>>> = HashMap::new();
        let mut added: HashMap<Key, Vec<Arc<Page>>> = HashMap::new();
        let mut dirty: BTreeSet<Key> = BTreeSet::new();

        for (name, old) in before {
            let Some(file) = files
                .binary_search_by(|f| f.path.as_str().cmp(name))
                .ok()
                .and_then(|i| files.get(i))
            else {
                if let Some(old) = old {
                    dirty.insert(old.key.clone());
                    replaced.insert(name, None);
                }
                continue;
            };
            let change = touched.get(name);
            let page = match old {
                Some(old) if old.entry.blob_id == file.blob_id => match change {
                    Some(change) if !same_change(&old.entry, change) => {
                        old.relocated(file, old.entry.path.clone(), change)
                    }
                    // Same content, same last change: nothing to do.
                    _ => continue,
                },
                _ => {
                    let Some(path) = old
                        .map(|p| p.entry.path.clone())
                        .or_else(|| page_of(&file.path))
                    else {
                        continue;
                    };
                    let Some(change) = change else {
                        tracing::warn!(
                            wiki = repo.slug(),
                            file = name,
                            "a file changed but no new commit touches it; rebuilding the catalog"
                        );
                        return Ok(None);
                    };
                    match by_blob.get(file.blob_id.as_str()) {
                        Some(same) => same.relocated(file, path, change),
                        None => read_page(repo, &head, file, path, change)?,
                    }
                }
            };
            let page = Arc::new(page);
            dirty.insert(page.key.clone());
            if old.is_some() {
                replaced.insert(name, Some(page));
            } else {
                added.entry(page.key.clone()).or_default().push(page);
            }
        }

        let mut next = Catalog {
            head: Some(head),
            ..self.clone()
        };
        for key in dirty {
            let mut candidates: Vec<Arc<Page>> = self
                .pages
                .get(&key)
                .into_iter()
                .chain(self.shadowed.get(&key).into_iter().flatten())
                .filter_map(|p| match replaced.get(p.entry.file.as_str()) {
                    Some(new) => new.clone(),
                    None => Some(p.clone()),
                })
                .chain(added.remove(&key).into_iter().flatten())
                .collect();
            candidates.sort_by(|a, b| a.rank().cmp(&b.rank()));
            let mut candidates = candidates.into_iter();
            let winner = candidates.next();
            let losers: Vec<Arc<Page>> = candidates.collect();
            let previous = self.pages.get(&key);
            if previous.map(|p| &p.links) != winner.as_ref().map(|p| &p.links) {
                if let Some(previous) = previous {
                    next.unlink(&key, &previous.links);
                }
                if let Some(winner) = &winner {
                    next.link(&key, &winner.links);
                }
            }
            match winner {
                Some(winner) => next.pages.insert(key.clone(), winner),
                None => next.pages.remove(&key),
            };
            if losers.is_empty() {
                next.shadowed.remove(&key);
            } else {
                next.shadowed.insert(key, losers);
            }
        }
        Ok(Some(next))
    }

    /// The record of a page file (the page itself, or a file it shadows).
    fn record(&self, file: &str) -> Option<&Arc<Page>> {
        let key = PagePath::from_file_path(file)?.lookup_key();
        let key = key.as_str();
        let is_file = |p: &&Arc<Page>| p.entry.file.as_str() == file;
        self.pages
            .get(key)
            .filter(is_file)
            .or_else(|| self.shadowed.get(key)?.iter().find(is_file))
    }

    /// Adds the edges `source → target` for every target key in `links`.
    fn link(&mut self, source: &Key, links: &Links) {
        for target in links.keys() {
            let sources = self.incoming.entry(target.clone()).or_default();
            Arc::make_mut(sources).insert(source.clone());
        }
    }

    /// Removes the edges `source → target` for every target key in `links`.
    fn unlink(&mut self, source: &Key, links: &Links) {
        for target in links.keys() {
            if let Some(sources) = self.incoming.get_mut(target) {
                Arc::make_mut(sources).remove(source.as_ref());
                if sources.is_empty() {
                    self.incoming.remove(target);
                }
            }
        }
    }
}

/// True when `entry` already records `change` as its last change.
fn same_change(entry: &PageEntry, change: &LastChange) -> bool {
    entry.last_commit == change.commit
        && entry.last_updated == change.time
        && entry.last_author == change.author
}

/// The catalog of `head` from scratch; `None` when `head` left the branch's history meanwhile.
fn build_at(repo: &WikiRepo, head: &CommitId) -> Result<Option<Catalog>, IndexError> {
    let files = repo.files(Some(head))?;
    let page_files: Vec<(&FileEntry, PagePath)> = files
        .iter()
        .filter_map(|f| page_of(&f.path).map(|page| (f, page)))
        .collect();
    let wanted: HashSet<&str> = page_files.iter().map(|(f, _)| f.path.as_str()).collect();
    let Some(changes) = last_changes(repo, head, &wanted)? else {
        return Ok(None);
    };
    let mut catalog = Catalog {
        head: Some(head.clone()),
        ..Catalog::default()
    };
    let mut by_key: HashMap<Key, Vec<Arc<Page>>> = HashMap::new();
    for (file, path) in page_files {
        let Some(change) = changes.get(file.path.as_str()) else {
            continue;
        };
        let page = Arc::new(read_page(repo, head, file, path, change)?);
        by_key.entry(page.key.clone()).or_default().push(page);
    }
    for (key, mut files) in by_key {
        files.sort_by(|a, b| a.rank().cmp(&b.rank()));
        let mut files = files.into_iter();
        let Some(winner) = files.next() else {
            continue;
        };
        catalog.link(&key, &winner.links);
        catalog.pages.insert(key.clone(), winner);
        let losers: Vec<Arc<Page>> = files.collect();
        if !losers.is_empty() {
            catalog.shadowed.insert(key, losers);
        }
    }
    Ok(Some(catalog))
}

/// Reads and parses one page file at `head`.
fn read_page(
    repo: &WikiRepo,
    head: &CommitId,
    file: &FileEntry,
    path: PagePath,
    change: &LastChange,
) -> Result<Page, IndexError> {
    let bytes = repo
        .read(&file.path, Some(head))?
        .map(|blob| blob.bytes)
        .unwrap_or_default();
    Ok(Page::new(file, path, parse(&bytes), change))
}
