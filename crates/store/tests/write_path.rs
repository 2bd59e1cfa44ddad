//! The write path: create, read, write, delete, move, no-op detection, path collisions.

mod common;

use common::*;
use robot_store::{Change, CommitOutcome, LogQuery, Revision, StoreError};

#[test]
fn first_commit_on_an_empty_repository() -> TestResult {
    let (_dir, _store, wiki) = empty_wiki()?;
    assert_eq!(wiki.head()?, None);
    assert!(wiki.files(None)?.is_empty());
    assert_eq!(read_str(&wiki, "Home.md")?, None);
    assert!(matches!(
        wiki.resolve(&Revision::head()),
        Err(StoreError::EmptyRepository)
    ));

    let id = committed(commit(
        &wiki,
        "first",
        None,
        vec![write("Home.md", "# Home\n")],
    )?);
    assert_eq!(wiki.head()?, Some(id.clone()));
    assert_eq!(read_str(&wiki, "Home.md")?.as_deref(), Some("# Home\n"));
    let log = history(&wiki)?;
    assert_eq!(log.len(), 1);
    assert!(log[0].parents.is_empty());
    assert_eq!(log[0].author_name, "Ada Lovelace");
    assert_eq!(log[0].message, "first");
    Ok(())
}

#[test]
fn seeded_wiki_has_one_commit_and_head_is_main() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "hi\n"), ("Agent Guide.md", "guide\n")])?;
    assert_eq!(history(&wiki)?.len(), 1);
    assert_eq!(wiki.commit_count()?, 1);
    let head_file = std::fs::read_to_string(wiki.path().join("HEAD"))?;
    assert_eq!(head_file.trim(), "ref: refs/heads/main");
    let files = wiki.files(None)?;
    let names: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, vec!["Agent Guide.md", "Home.md"]);
    assert_eq!(files[1].size, 3);
    let info = wiki.commit_info(&Revision::head())?;
    assert_eq!(info.files.len(), 2);
    Ok(())
}

#[test]
fn write_read_delete_and_move() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    committed(commit(
        &wiki,
        "add",
        None,
        vec![
            write("A/B/Page.md", "one\n"),
            write("A/B/Page/img.png", "png"),
        ],
    )?);
    assert_eq!(read_str(&wiki, "A/B/Page.md")?.as_deref(), Some("one\n"));
    let blob = wiki
        .read(&path("A/B/Page/img.png"), None)?
        .ok_or("missing")?;
    assert_eq!(blob.size, 3);
    assert_eq!(blob.blob_id.len(), 40);
    // A folder is not a file.
    assert_eq!(wiki.read(&path("A/B"), None)?, None);

    let before_move = wiki.head()?.ok_or("no head")?;
    committed(commit(
        &wiki,
        "move",
        None,
        vec![Change::Move {
            from: path("A/B"),
            to: path("C"),
        }],
    )?);
    assert_eq!(read_str(&wiki, "C/Page.md")?.as_deref(), Some("one\n"));
    assert_eq!(read_str(&wiki, "C/Page/img.png")?.as_deref(), Some("png"));
    assert_eq!(read_str(&wiki, "A/B/Page.md")?, None);
    // Old revisions stay readable.
    let old = wiki.read(&path("A/B/Page.md"), Some(&before_move))?;
    assert!(old.is_some());

    committed(commit(
        &wiki,
        "mv file",
        None,
        vec![Change::Move {
            from: path("C/Page.md"),
            to: path("Top.md"),
        }],
    )?);
    assert_eq!(read_str(&wiki, "Top.md")?.as_deref(), Some("one\n"));

    committed(commit(
        &wiki,
        "rm",
        None,
        vec![Change::Delete {
            path: path("Top.md"),
        }],
    )?);
    assert_eq!(read_str(&wiki, "Top.md")?, None);
    committed(commit(
        &wiki,
        "rm tree",
        None,
        vec![Change::DeleteTree { prefix: path("C") }],
    )?);
    let names: Vec<_> = wiki
        .files(None)?
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(names, vec!["Home.md"]);
    Ok(())
}

#[test]
fn no_op_writes_make_no_commit() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    let head = wiki.head()?.ok_or("no head")?;
    let outcome = commit(&wiki, "same", None, vec![write("Home.md", "home\n")])?;
    assert_eq!(outcome, CommitOutcome::Unchanged { head: head.clone() });
    // Writing then deleting a file in one request changes nothing either.
    let outcome = commit(
        &wiki,
        "noop",
        None,
        vec![write("X.md", "x"), Change::Delete { path: path("X.md") }],
    )?;
    assert_eq!(outcome, CommitOutcome::Unchanged { head: head.clone() });
    let outcome = commit(&wiki, "empty", None, vec![])?;
    assert!(!outcome.is_committed());
    assert_eq!(wiki.commit_count()?, 1);
    // Nothing at all on an empty repository is refused rather than committed.
    let (_d, _s, empty) = empty_wiki()?;
    assert!(matches!(
        commit(&empty, "nothing", None, vec![]),
        Err(StoreError::NothingToCommit)
    ));
    assert_eq!(empty.head()?, None);
    Ok(())
}

#[test]
fn path_collisions_and_missing_paths_are_refused() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n"), ("Dir/Sub.md", "sub\n")])?;
    let head = wiki.head()?;
    type Expected = fn(&StoreError) -> bool;
    let cases: Vec<(Change, Expected)> = vec![
        (write("Home.md/x.md", "x"), |e| {
            matches!(e, StoreError::InvalidPath(_))
        }),
        (write("Dir", "x"), |e| {
            matches!(e, StoreError::InvalidPath(_))
        }),
        (
            Change::Delete {
                path: path("Nope.md"),
            },
            |e| matches!(e, StoreError::NotFound(_)),
        ),
        (
            Change::DeleteTree {
                prefix: path("Nope"),
            },
            |e| matches!(e, StoreError::NotFound(_)),
        ),
        (
            Change::Move {
                from: path("Nope.md"),
                to: path("X.md"),
            },
            |e| matches!(e, StoreError::NotFound(_)),
        ),
        (
            Change::Move {
                from: path("Home.md"),
                to: path("Dir/Sub.md"),
            },
            |e| matches!(e, StoreError::PageExists(_)),
        ),
        (
            Change::Move {
                from: path("Dir"),
                to: path("Dir/Inner"),
            },
            |e| matches!(e, StoreError::InvalidPath(_)),
        ),
        (
            Change::Move {
                from: path("Dir"),
                to: path("Home.md"),
            },
            |e| matches!(e, StoreError::PageExists(_)),
        ),
    ];
    for (change, expected) in cases {
        let shown = format!("{change:?}");
        match commit(&wiki, "bad", None, vec![change]) {
            Err(e) if expected(&e) => {}
            other => panic!("{shown}: unexpected {other:?}"),
        }
    }
    assert_eq!(wiki.head()?, head, "failed requests must not commit");
    Ok(())
}

#[test]
fn case_only_moves_work() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("sub/page.md", "p\n"), ("sub/page/a.png", "a")])?;
    committed(commit(
        &wiki,
        "case",
        None,
        vec![Change::Move {
            from: path("sub"),
            to: path("Sub"),
        }],
    )?);
    let names: Vec<_> = wiki
        .files(None)?
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(names, vec!["Sub/page.md", "Sub/page/a.png"]);
    Ok(())
}

#[test]
fn committer_is_the_system_and_author_is_the_user() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    let repo = git2::Repository::open_bare(wiki.path())?;
    let commit = repo.head()?.peel_to_commit()?;
    assert_eq!(commit.committer().name(), Ok("robot.wtf"));
    assert_eq!(commit.committer().email(), Ok("system@robot.wtf"));
    assert_eq!(commit.author().email(), Ok("ada@example.org"));
    // Authors git could not store are cleaned, not refused.
    let odd = robot_store::Author::new("  <Mallory>\n", "");
    let outcome = wiki.commit(robot_store::CommitRequest {
        author: odd,
        message: "odd\0author".into(),
        base: None,
        changes: vec![write("x.md", "x")],
    })?;
    let info = wiki.commit_info(&Revision::from(outcome.id()))?;
    assert_eq!(info.author_name, "Mallory");
    assert_eq!(info.author_email, "noreply@robot.wtf");
    assert_eq!(info.message, "oddauthor");
    Ok(())
}

#[test]
fn revisions_resolve_by_prefix() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    let head = wiki.head()?.ok_or("no head")?;
    assert_eq!(wiki.resolve(&Revision::parse(&head.as_str()[..8])?)?, head);
    assert_eq!(wiki.resolve(&Revision::parse(head.as_str())?)?, head);
    assert!(matches!(
        wiki.resolve(&Revision::parse("deadbeef")?),
        Err(StoreError::RevisionNotFound(_))
    ));
    assert!(matches!(
        wiki.resolve(&Revision::parse(&"0".repeat(40))?),
        Err(StoreError::RevisionNotFound(_))
    ));
    // A blob id is not a commit.
    let blob = wiki.read(&path("Home.md"), None)?.ok_or("missing")?;
    assert!(matches!(
        wiki.resolve(&Revision::parse(&blob.blob_id)?),
        Err(StoreError::RevisionNotFound(_))
    ));
    Ok(())
}

#[test]
fn store_lifecycle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = robot_store::Store::open(dir.path().join("nested/wikis"))?;
    assert!(!store.exists("notes"));
    assert!(matches!(
        store.wiki("notes"),
        Err(StoreError::WikiNotFound(_))
    ));
    store.create_wiki(
        "notes",
        &[("Home.md".into(), b"hi".to_vec())],
        &author(),
        "init",
    )?;
    assert!(store.exists("notes"));
    assert!(matches!(
        store.create_wiki("notes", &[], &author(), "again"),
        Err(StoreError::WikiExists(_))
    ));
    assert!(matches!(
        store.create_wiki("../evil", &[], &author(), "x"),
        Err(StoreError::InvalidSlug(_))
    ));
    assert!(matches!(
        store.create_wiki("bad", &[("../x.md".into(), vec![])], &author(), "x"),
        Err(StoreError::InvalidPath(_))
    ));
    assert!(
        !store.exists("bad"),
        "a failed create leaves nothing behind"
    );
    let a = store.wiki("notes")?;
    let b = store.wiki("notes")?;
    assert!(std::sync::Arc::ptr_eq(&a, &b), "handles are cached");
    assert_eq!(store.slugs()?, vec!["notes".to_string()]);
    store.delete_wiki("notes")?;
    assert!(!store.exists("notes"));
    assert!(matches!(
        store.delete_wiki("notes"),
        Err(StoreError::WikiNotFound(_))
    ));
    let leftovers: Vec<_> = std::fs::read_dir(store.root())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    assert!(
        leftovers.iter().all(|name| name.starts_with(".page-log.")),
        "no staging leftovers (only the page log): {leftovers:?}"
    );
    let log = a.log(&LogQuery {
        limit: 10,
        ..Default::default()
    });
    assert!(
        log.is_ok_and(|l| l.is_empty()),
        "a deleted wiki shows nothing through an old handle"
    );
    Ok(())
}

/// A branch lock left by a crashed writer is cleared once it is clearly abandoned; a fresh one
/// (a live writer in another process) is respected: the write is refused and the lock stays.
#[test]
fn an_abandoned_branch_lock_is_cleared_and_a_live_one_respected() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "hi\n")])?;
    let lock_path = wiki.path().join("refs/heads/main.lock");

    std::fs::write(&lock_path, "")?;
    let live = commit(&wiki, "while locked", None, vec![write("A.md", "a\n")]);
    assert!(matches!(live, Err(StoreError::Conflict { .. })), "{live:?}");
    assert!(lock_path.exists(), "a live writer's lock is left alone");

    let ten_minutes_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    std::fs::File::options()
        .write(true)
        .open(&lock_path)?
        .set_modified(ten_minutes_ago)?;
    committed(commit(
        &wiki,
        "after a crash",
        None,
        vec![write("A.md", "a\n")],
    )?);
    assert!(!lock_path.exists(), "the abandoned lock is gone");
    assert_eq!(read_str(&wiki, "A.md")?.as_deref(), Some("a\n"));
    Ok(())
}
