//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use robot_store::{
    Author, Change, CommitId, CommitOutcome, CommitRequest, RepoPath, Store, StoreError, WikiRepo,
};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn author() -> Author {
    Author::new("Ada Lovelace", "ada@example.org")
}

pub fn path(s: &str) -> RepoPath {
    RepoPath::parse(s).unwrap_or_else(|e| panic!("bad test path {s}: {e}"))
}

pub fn write(p: &str, content: &str) -> Change {
    Change::Write {
        path: path(p),
        content: content.as_bytes().to_vec(),
    }
}

/// A store in a fresh temp dir plus an empty wiki `w`.
pub fn empty_wiki() -> Result<(tempfile::TempDir, Store, Arc<WikiRepo>), StoreError> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("wikis"))?;
    let wiki = store.create_wiki("w", &[], &author(), "init")?;
    Ok((dir, store, wiki))
}

/// A store with a wiki `w` seeded with `files`.
pub fn seeded_wiki(
    files: &[(&str, &str)],
) -> Result<(tempfile::TempDir, Store, Arc<WikiRepo>), StoreError> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("wikis"))?;
    let seed: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect();
    let wiki = store.create_wiki("w", &seed, &author(), "Initial commit")?;
    Ok((dir, store, wiki))
}

pub fn commit(
    wiki: &WikiRepo,
    message: &str,
    base: Option<CommitId>,
    changes: Vec<Change>,
) -> Result<CommitOutcome, StoreError> {
    wiki.commit(CommitRequest {
        author: author(),
        message: message.to_string(),
        base,
        changes,
    })
}

pub fn read_str(wiki: &WikiRepo, p: &str) -> Result<Option<String>, StoreError> {
    Ok(wiki
        .read(&path(p), None)?
        .map(|b| String::from_utf8_lossy(&b.bytes).into_owned()))
}

pub fn committed(outcome: CommitOutcome) -> CommitId {
    match outcome {
        CommitOutcome::Committed { id, .. } => id,
        CommitOutcome::Unchanged { head } => panic!("expected a commit, head stayed at {head}"),
    }
}

/// Every commit id on main, newest first, and whether each has at most one parent.
pub fn history(wiki: &WikiRepo) -> Result<Vec<robot_store::CommitInfo>, StoreError> {
    wiki.log(&robot_store::LogQuery {
        limit: usize::MAX,
        ..Default::default()
    })
}

pub fn git(repo: &WikiRepo, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.path())
        .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args(args)
        .output()?;
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
