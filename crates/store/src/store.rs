//! The directory of wiki repositories: `{root}/{slug}.git`, one bare repository per wiki.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use git2::{Repository, RepositoryInitOptions};

use crate::error::StoreError;
use crate::observer::CommitObserver;
use crate::page_log::PageLog;
use crate::pool::lock;
use crate::quota::Quota;
use crate::repo::WikiRepo;
use crate::repo_path::RepoPath;
use crate::write::{Author, Change, CommitRequest};

/// The page log's database, beside the repositories (a name no slug can take).
const PAGE_LOG_FILE: &str = ".page-log.sqlite3";

/// Longest accepted slug.
const MAX_SLUG_LEN: usize = 63;

/// All wiki repositories under one root directory, with a cache of open handles.
pub struct Store {
    root: PathBuf,
    wikis: Mutex<HashMap<String, Arc<WikiRepo>>>,
    /// Serializes creating, importing and deleting wikis in this process.
    admin: Mutex<()>,
    /// Told about every commit, creation, import and deletion, so derived data (search indexes,
    /// usage) follows every surface that writes.
    observer: CommitObserver,
    /// The quota every opened wiki starts with, until [`WikiRepo::set_quota`] says otherwise.
    default_quota: Option<Quota>,
    /// The history index of every wiki here.
    page_log: Arc<PageLog>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if missing) the directory holding the wiki repositories.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        skip_hash_checks_on_read();
        Ok(Store {
            root: root.clone(),
            wikis: Mutex::new(HashMap::new()),
            admin: Mutex::new(()),
            observer: CommitObserver::default(),
            default_quota: None,
            page_log: Arc::new(PageLog::new(root.join(PAGE_LOG_FILE))),
        })
    }

    /// Every wiki opened from now on starts with `quota` (per-wiki overrides are set on the
    /// handle with [`WikiRepo::set_quota`]).
    pub fn with_default_quota(mut self, quota: Option<Quota>) -> Store {
        self.default_quota = quota;
        self
    }

    /// Calls `listen` with the wiki's slug after every commit, creation, import and deletion
    /// made through this store (other processes' writes are not seen: derived data must still
    /// check the head). Every listener is called, in the order they were added.
    pub fn on_change(&self, listen: impl Fn(&str) + Send + Sync + 'static) {
        self.observer.add(listen);
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a new wiki: a bare repository whose `HEAD` is `refs/heads/main`, with one initial
    /// commit holding `seed` (`(path, content)` pairs). No commit is made when `seed` is empty.
    /// The repository appears under its final name only once complete.
    pub fn create_wiki(
        &self,
        slug: &str,
        seed: &[(String, Vec<u8>)],
        author: &Author,
        message: &str,
    ) -> Result<Arc<WikiRepo>, StoreError> {
        let dir = self.repo_dir(slug)?;
        let changes = seed
            .iter()
            .map(|(path, content)| {
                Ok(Change::Write {
                    path: RepoPath::parse(path)?,
                    content: content.clone(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let _admin = lock(&self.admin);
        if dir.exists() {
            return Err(StoreError::WikiExists(slug.to_string()));
        }
        let staging = Staging::new(&self.root, slug);
        init_bare(staging.path())?;
        if !changes.is_empty() {
            let wiki = WikiRepo::open(
                slug,
                staging.path().to_path_buf(),
                CommitObserver::default(),
                // Its first commit is the wiki's: logged under the slug it is published as.
                self.page_log.clone(),
            )?;
            wiki.commit(CommitRequest {
                author: author.clone(),
                message: message.to_string(),
                base: None,
                changes,
            })?;
        }
        self.publish(slug, staging, &dir)
    }

    /// Imports an existing git repository (working tree or bare) as a new wiki: all history of
    /// its current `HEAD` branch becomes `refs/heads/main`. See `import.rs` for what is refused.
    pub fn import_wiki(&self, slug: &str, source: &Path) -> Result<Arc<WikiRepo>, StoreError> {
        let dir = self.repo_dir(slug)?;
        let _admin = lock(&self.admin);
        if dir.exists() {
            return Err(StoreError::WikiExists(slug.to_string()));
        }
        let staging = Staging::new(&self.root, slug);
        crate::import::copy_head_history(source, staging.path())?;
        self.publish(slug, staging, &dir)
    }

    /// The wiki `slug` if its handle is open already: no file system access, so callers on an
    /// async runtime can skip the blocking pool when it answers.
    pub fn open_wiki(&self, slug: &str) -> Option<Arc<WikiRepo>> {
        lock(&self.wikis).get(slug).cloned()
    }

    /// The wiki `slug` ([`StoreError::WikiNotFound`] if there is none), from the handle cache.
    pub fn wiki(&self, slug: &str) -> Result<Arc<WikiRepo>, StoreError> {
        let dir = self.repo_dir(slug)?;
        if let Some(wiki) = lock(&self.wikis).get(slug) {
            return Ok(wiki.clone());
        }
        if !dir.is_dir() {
            return Err(StoreError::WikiNotFound(slug.to_string()));
        }
        let wiki = WikiRepo::open(slug, dir, self.observer.clone(), self.page_log.clone())?;
        wiki.set_quota(self.default_quota);
        let wiki = Arc::new(wiki);
        Ok(lock(&self.wikis)
            .entry(slug.to_string())
            .or_insert(wiki)
            .clone())
    }

    /// Deletes the wiki's repository and forgets its cached handle.
    pub fn delete_wiki(&self, slug: &str) -> Result<(), StoreError> {
        let dir = self.repo_dir(slug)?;
        let _admin = lock(&self.admin);
        lock(&self.wikis).remove(slug);
        let removed = fs::remove_dir_all(&dir);
        if let Err(err) = self.page_log.forget(slug) {
            // A later wiki of that name is not misled: its history does not contain the
            // recorded head, so its log is rebuilt.
            tracing::warn!(wiki = slug, %err, "could not drop the page log of a deleted wiki");
        }
        match removed {
            Ok(()) => {
                self.observer.notify(slug);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::WikiNotFound(slug.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// True when a wiki repository exists under `slug`.
    pub fn exists(&self, slug: &str) -> bool {
        self.repo_dir(slug).is_ok_and(|dir| dir.is_dir())
    }

    /// The slugs of every wiki under the root, sorted.
    pub fn slugs(&self) -> Result<Vec<String>, StoreError> {
        let mut slugs = Vec::new();
        for entry in fs::read_dir(&self.root)? {
            let name = entry?.file_name();
            if let Some(slug) = name.to_str().and_then(|n| n.strip_suffix(".git"))
                && validate_slug(slug).is_ok()
            {
                slugs.push(slug.to_string());
            }
        }
        slugs.sort();
        Ok(slugs)
    }

    fn repo_dir(&self, slug: &str) -> Result<PathBuf, StoreError> {
        validate_slug(slug)?;
        Ok(self.root.join(format!("{slug}.git")))
    }

    /// Moves a finished staging repository to its final name and opens it.
    fn publish(
        &self,
        slug: &str,
        staging: Staging,
        dir: &Path,
    ) -> Result<Arc<WikiRepo>, StoreError> {
        if dir.exists() {
            return Err(StoreError::WikiExists(slug.to_string()));
        }
        fs::rename(staging.path(), dir)?;
        staging.disarm();
        lock(&self.wikis).remove(slug);
        let wiki = self.wiki(slug);
        self.observer.notify(slug);
        wiki
    }
}

/// libgit2 re-hashes every object it reads to check it against its id (with SHA-1DC, the
/// collision-detecting SHA-1: a fifth of the CPU of a page view or a blame in profiles). git
/// itself never does that on reads (`git fsck` checks), and our objects only ever come from our
/// own writes or from pushes that `receive.fsckObjects` checked. Process-wide, set once.
fn skip_hash_checks_on_read() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Slugs name directories, so they are kept to `[a-z0-9_-]`, starting with a letter or digit.
fn validate_slug(slug: &str) -> Result<(), StoreError> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && slug
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidSlug(slug.to_string()))
    }
}

/// Creates a bare repository whose `HEAD` points at `refs/heads/main`.
pub(crate) fn init_bare(path: &Path) -> Result<Repository, StoreError> {
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true)
        .no_reinit(true)
        .mkdir(true)
        .mkpath(false)
        .initial_head("main");
    Ok(Repository::init_opts(path, &opts)?)
}

/// A hidden directory a new repository is built in, removed on drop unless published.
struct Staging {
    path: PathBuf,
    armed: bool,
}

impl Staging {
    fn new(root: &Path, slug: &str) -> Staging {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(".{slug}.staging-{}-{nanos}", std::process::id());
        Staging {
            path: root.join(name),
            armed: true,
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed
            && self.path.exists()
            && let Err(e) = fs::remove_dir_all(&self.path)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove staging repository");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "notes", "my-wiki", "w1", "a_b"] {
            assert!(validate_slug(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            "A",
            "a.b",
            "../x",
            "a/b",
            ".git",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }
}
