//! Importing an existing repository, e.g. an An Otter Wiki content repository.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use git2::{Index, IndexEntry, IndexTime, Oid, Repository, Signature};
use robot_store::{LogQuery, Store, StoreError};
use robot_wiki::PagePath;

/// Commits the whole `files` map as the tree of a new commit on `HEAD` of `repo`.
fn commit_tree(
    repo: &Repository,
    files: &BTreeMap<String, String>,
    message: &str,
    extra_parent: Option<Oid>,
) -> Result<Oid, git2::Error> {
    let mut index = Index::new()?;
    for (path, content) in files {
        let id = repo.blob(content.as_bytes())?;
        index.add(&IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: content.len() as u32,
            id,
            flags: 0,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        })?;
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let sig = Signature::now("Otterwiki Robot", "noreply@otterwiki")?;
    let mut parents = Vec::new();
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        parents.push(head);
    }
    if let Some(extra) = extra_parent {
        parents.push(repo.find_commit(extra)?);
    }
    let parent_refs: Vec<_> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parent_refs)
}

/// An Otterwiki-style working repository: lowercase names, nested folders, an attachment, 55
/// commits including a rename and a merge.
fn otterwiki_source(dir: &Path) -> Result<usize, git2::Error> {
    let repo = Repository::init(dir)?;
    let mut files = BTreeMap::new();
    files.insert("home.md".to_string(), "# Home\n".to_string());
    commit_tree(&repo, &files, "Initial commit", None)?;
    let mut count = 1;
    for i in 0..50 {
        files.insert(
            "sub/old.md".into(),
            format!("version {i}\nstable line\nanother stable line\n"),
        );
        if i % 10 == 0 {
            files.insert("sub/page/image.png".into(), format!("png {i}"));
        }
        commit_tree(&repo, &files, &format!("edit {i}"), None)?;
        count += 1;
    }
    let content = files.remove("sub/old.md").unwrap_or_default();
    files.insert("sub/page.md".into(), content);
    commit_tree(&repo, &files, "Renamed sub/old to sub/page.", None)?;
    count += 1;
    // A side commit merged back in, as a push from a git client would produce.
    let head = repo.head()?.peel_to_commit()?;
    let side_tree = {
        let mut index = Index::new()?;
        index.read_tree(&head.tree()?)?;
        let id = repo.blob(b"from a branch\n")?;
        index.add(&IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: 14,
            id,
            flags: 0,
            flags_extended: 0,
            path: b"side.md".to_vec(),
        })?;
        repo.find_tree(index.write_tree_to(&repo)?)?
    };
    let sig = Signature::now("Side", "side@example.org")?;
    let side_commit = repo.commit(None, &sig, &sig, "side", &side_tree, &[&head])?;
    count += 1;
    files.insert("page2.md".into(), "main line\n".into());
    commit_tree(&repo, &files, "main", None)?;
    count += 1;
    files.insert("side.md".into(), "from a branch\n".into());
    commit_tree(&repo, &files, "Merge side", Some(side_commit))?;
    count += 1;
    Ok(count)
}

#[test]
fn imports_an_otterwiki_repository_with_all_history() -> TestResult {
    let dir = tempfile::tempdir()?;
    let count = otterwiki_source(&dir.path().join("source"))?;
    assert!(count >= 55);
    let source = Repository::open(dir.path().join("source"))?;
    let source_head = source.head()?.peel_to_commit()?.id().to_string();

    let store = Store::open(dir.path().join("wikis"))?;
    let wiki = store.import_wiki("imported", &dir.path().join("source"))?;
    assert_eq!(
        wiki.head()?.map(|h| h.to_string()),
        Some(source_head),
        "commit ids are preserved"
    );
    assert_eq!(wiki.commit_count()?, count);
    let names: Vec<_> = wiki
        .files(None)?
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(
        names,
        vec![
            "home.md",
            "page2.md",
            "side.md",
            "sub/page.md",
            "sub/page/image.png"
        ]
    );

    let page = PagePath::parse("Sub/Page")?;
    assert_eq!(
        wiki.resolve_page(&page, None)?.map(|p| p.to_string()),
        Some("sub/page.md".into())
    );
    assert_eq!(
        wiki.is_dir(&page, None)?.map(|p| p.to_string()),
        Some("sub/page".into())
    );
    assert_eq!(
        wiki.resolve_page(&PagePath::home(), None)?
            .map(|p| p.to_string()),
        Some("home.md".into())
    );

    let log = wiki.log(&LogQuery {
        path: Some(path("sub/page.md")),
        follow_renames: true,
        skip: 0,
        limit: 1000,
    })?;
    assert_eq!(log.len(), 51, "the rename plus 50 edits of the old name");
    assert_eq!(log[0].message, "Renamed sub/old to sub/page.");
    assert_eq!(log[50].message, "edit 0");
    let side = wiki.log(&LogQuery {
        path: Some(path("side.md")),
        follow_renames: true,
        skip: 0,
        limit: 10,
    })?;
    assert_eq!(
        side.iter().map(|c| c.message.as_str()).collect::<Vec<_>>(),
        vec!["side"]
    );

    let attachments = wiki.attachments(&page)?;
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]
            .last_change
            .as_ref()
            .map(|c| c.message.as_str()),
        Some("edit 40")
    );

    // The imported wiki takes new commits on main like any other.
    let outcome = committed(commit(
        &wiki,
        "after import",
        None,
        vec![write("sub/page.md", "new\n")],
    )?);
    assert_eq!(wiki.head()?, Some(outcome));
    let head_file = std::fs::read_to_string(wiki.path().join("HEAD"))?;
    assert_eq!(head_file.trim(), "ref: refs/heads/main");

    // Importing over an existing wiki is refused.
    assert!(matches!(
        store.import_wiki("imported", &dir.path().join("source")),
        Err(StoreError::WikiExists(_))
    ));
    Ok(())
}

#[test]
fn imports_a_bare_repository() -> TestResult {
    let dir = tempfile::tempdir()?;
    let count = otterwiki_source(&dir.path().join("source"))?;
    Repository::clone(
        dir.path().join("source").to_str().ok_or("path")?,
        dir.path().join("bare.git"),
    )?;
    let store = Store::open(dir.path().join("wikis"))?;
    let wiki = store.import_wiki("bare", &dir.path().join("bare.git/.git"))?;
    assert_eq!(wiki.commit_count()?, count);
    let bare = dir.path().join("real-bare.git");
    git2::build::RepoBuilder::new()
        .bare(true)
        .clone(dir.path().join("source").to_str().ok_or("path")?, &bare)?;
    let wiki = store.import_wiki("bare2", &bare)?;
    assert_eq!(wiki.commit_count()?, count);
    Ok(())
}

#[test]
fn refuses_sources_that_are_not_plain_repositories() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path().join("wikis"))?;
    let is_import_error =
        |r: Result<_, StoreError>| matches!(r, Err(StoreError::ImportSource { .. }));

    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain)?;
    std::fs::write(plain.join("home.md"), "not a repo")?;
    assert!(is_import_error(store.import_wiki("a", &plain)));
    assert!(is_import_error(
        store.import_wiki("a", &dir.path().join("missing"))
    ));
    assert!(is_import_error(
        store.import_wiki("a", &plain.join("home.md"))
    ));

    let empty = dir.path().join("empty");
    Repository::init(&empty)?;
    assert!(is_import_error(store.import_wiki("a", &empty)));

    // `.git` as a file pointing elsewhere (worktree / submodule layout).
    let gitfile = dir.path().join("gitfile");
    std::fs::create_dir_all(&gitfile)?;
    std::fs::write(gitfile.join(".git"), "gitdir: /etc\n")?;
    assert!(is_import_error(store.import_wiki("a", &gitfile)));

    // Objects borrowed from outside through alternates.
    otterwiki_source(&dir.path().join("source"))?;
    let borrowing = dir.path().join("borrowing");
    Repository::init(&borrowing)?;
    std::fs::write(
        borrowing.join(".git/objects/info/alternates"),
        dir.path().join("source/.git/objects").display().to_string(),
    )?;
    assert!(is_import_error(store.import_wiki("a", &borrowing)));

    #[cfg(unix)]
    {
        // A symlink leading out of the repository, and a `.git` that is a symlink.
        let linked = dir.path().join("linked");
        Repository::init(&linked)?;
        std::fs::remove_dir_all(linked.join(".git/refs"))?;
        std::os::unix::fs::symlink(
            dir.path().join("source/.git/refs"),
            linked.join(".git/refs"),
        )?;
        assert!(is_import_error(store.import_wiki("a", &linked)));

        let dotgit_link = dir.path().join("dotgit-link");
        std::fs::create_dir_all(&dotgit_link)?;
        std::os::unix::fs::symlink(dir.path().join("source/.git"), dotgit_link.join(".git"))?;
        assert!(is_import_error(store.import_wiki("a", &dotgit_link)));
    }
    assert!(!store.exists("a"));
    assert_eq!(
        std::fs::read_dir(store.root())?.count(),
        0,
        "failed imports leave nothing behind"
    );
    Ok(())
}
