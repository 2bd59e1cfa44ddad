//! Helpers shared by the integration tests: real repositories in a temp dir.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use robot_index::{Catalog, CatalogCache, PageEntry};
use robot_store::{Author, Change, CommitId, CommitRequest, RepoPath, Store, WikiRepo};
use robot_wiki::PagePath;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

pub fn author() -> Author {
    Author::new("Ada Lovelace", "ada@example.org")
}

pub fn path(s: &str) -> RepoPath {
    RepoPath::parse(s).unwrap_or_else(|e| panic!("bad test path {s}: {e}"))
}

pub fn page(s: &str) -> PagePath {
    PagePath::parse(s).unwrap_or_else(|e| panic!("bad test page {s}: {e}"))
}

pub fn write(p: &str, content: &str) -> Change {
    Change::Write {
        path: path(p),
        content: content.as_bytes().to_vec(),
    }
}

pub fn delete(p: &str) -> Change {
    Change::Delete { path: path(p) }
}

pub fn mv(from: &str, to: &str) -> Change {
    Change::Move {
        from: path(from),
        to: path(to),
    }
}

/// A store in a fresh temp dir with a wiki `w` seeded with `files` (none: no commit).
pub fn wiki(files: &[(&str, &str)]) -> Fallible<(tempfile::TempDir, Store, Arc<WikiRepo>)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("wikis"))?;
    let seed: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect();
    let wiki = store.create_wiki("w", &seed, &author(), "Initial commit")?;
    Ok((dir, store, wiki))
}

/// Commits `changes` on top of head.
pub fn commit(wiki: &WikiRepo, changes: Vec<Change>) -> Fallible<CommitId> {
    let outcome = wiki.commit(CommitRequest {
        author: author(),
        message: "change".to_string(),
        base: None,
        changes,
    })?;
    Ok(outcome.id().clone())
}

/// Paths of entries, as display strings.
pub fn names<'a>(entries: impl IntoIterator<Item = &'a PageEntry>) -> Vec<String> {
    entries.into_iter().map(|e| e.path.to_string()).collect()
}

pub fn strings(pages: Vec<PagePath>) -> Vec<String> {
    pages.into_iter().map(|p| p.to_string()).collect()
}

/// The catalog of the wiki's head, built from scratch by a fresh cache.
pub fn fresh(wiki: &WikiRepo) -> Fallible<Arc<Catalog>> {
    Ok(CatalogCache::new().catalog("w", wiki)?)
}

/// Commits top-level files with plain git (as a push or another tool would), with the given
/// author time and extra parents (for merges). Returns the new commit.
pub fn git_commit(
    repo_dir: &Path,
    files: &[(&str, Option<&str>)],
    time: i64,
    extra_parents: &[git2::Oid],
) -> Fallible<git2::Oid> {
    let repo = git2::Repository::open_bare(repo_dir)?;
    let head = repo.find_reference("refs/heads/main")?.peel_to_commit()?;
    let mut builder = repo.treebuilder(Some(&head.tree()?))?;
    for (name, content) in files {
        match content {
            Some(text) => {
                let blob = repo.blob(text.as_bytes())?;
                builder.insert(name, blob, 0o100644)?;
            }
            None => builder.remove(name)?,
        }
    }
    let tree = repo.find_tree(builder.write()?)?;
    let sig = git2::Signature::new(
        "Grace Hopper",
        "grace@example.org",
        &git2::Time::new(time, 0),
    )?;
    let mut parents = vec![head];
    for oid in extra_parents {
        parents.push(repo.find_commit(*oid)?);
    }
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let oid = repo.commit(None, &sig, &sig, "external", &tree, &parent_refs)?;
    repo.reference("refs/heads/main", oid, true, "external commit")?;
    Ok(oid)
}

/// A commit on a side line (not on main) from `parent`, for building merges.
pub fn git_side_commit(
    repo_dir: &Path,
    parent: git2::Oid,
    files: &[(&str, &str)],
    time: i64,
) -> Fallible<git2::Oid> {
    let repo = git2::Repository::open_bare(repo_dir)?;
    let parent = repo.find_commit(parent)?;
    let mut builder = repo.treebuilder(Some(&parent.tree()?))?;
    for (name, text) in files {
        let blob = repo.blob(text.as_bytes())?;
        builder.insert(name, blob, 0o100644)?;
    }
    let tree = repo.find_tree(builder.write()?)?;
    let sig = git2::Signature::new("Side", "side@example.org", &git2::Time::new(time, 0))?;
    Ok(repo.commit(None, &sig, &sig, "side", &tree, &[&parent])?)
}
