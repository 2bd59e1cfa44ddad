//! History, diff, blame and revert.

mod common;

use common::*;
use robot_store::{Change, ChangeStatus, CommitOutcome, LineKind, LogQuery, Revision, StoreError};

fn log_of(wiki: &robot_store::WikiRepo, p: &str, follow: bool) -> Result<Vec<String>, StoreError> {
    let q = LogQuery {
        path: Some(path(p)),
        follow_renames: follow,
        skip: 0,
        limit: 100,
    };
    Ok(wiki.log(&q)?.into_iter().map(|c| c.message).collect())
}

#[test]
fn log_follows_renames_backwards() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    commit(
        &wiki,
        "create old",
        None,
        vec![write("Old.md", "a\nb\nc\nd\n")],
    )?;
    commit(&wiki, "unrelated", None, vec![write("Other.md", "x\n")])?;
    commit(
        &wiki,
        "edit old",
        None,
        vec![write("Old.md", "a\nb\nc\nd\ne\n")],
    )?;
    commit(
        &wiki,
        "rename",
        None,
        vec![Change::Move {
            from: path("Old.md"),
            to: path("Dir/New.md"),
        }],
    )?;
    commit(
        &wiki,
        "edit new",
        None,
        vec![write("Dir/New.md", "a\nb\nc\nd\ne\nf\n")],
    )?;

    assert_eq!(
        log_of(&wiki, "Dir/New.md", true)?,
        vec!["edit new", "rename", "edit old", "create old"]
    );
    assert_eq!(
        log_of(&wiki, "Dir/New.md", false)?,
        vec!["edit new", "rename"]
    );
    assert_eq!(
        log_of(&wiki, "Old.md", false)?,
        vec!["rename", "edit old", "create old"]
    );
    assert_eq!(log_of(&wiki, "Dir", false)?, vec!["edit new", "rename"]);

    let renamed = &wiki.log(&LogQuery {
        path: Some(path("Dir/New.md")),
        follow_renames: true,
        skip: 1,
        limit: 1,
    })?[0];
    assert_eq!(renamed.message, "rename");
    let change = renamed
        .files
        .iter()
        .find(|f| f.path == "Dir/New.md")
        .ok_or("rename missing")?;
    assert_eq!(change.status, ChangeStatus::Renamed);
    assert_eq!(change.old_path.as_deref(), Some("Old.md"));

    // Whole-wiki log with paging.
    let all = wiki.log(&LogQuery {
        skip: 1,
        limit: 2,
        ..Default::default()
    })?;
    assert_eq!(
        all.iter().map(|c| c.message.as_str()).collect::<Vec<_>>(),
        vec!["rename", "edit old"]
    );
    assert_eq!(wiki.commit_count()?, 6);
    Ok(())
}

#[test]
fn diff_and_show() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        ("Page.md", "one\ntwo\nthree\n"),
        ("bin.png", "\0\u{1}\u{2}"),
    ])?;
    let first = wiki.head()?.ok_or("no head")?;
    let second = committed(commit(
        &wiki,
        "edit",
        None,
        vec![
            write("Page.md", "one\n2\nthree\n"),
            write("New.md", "new\n"),
            write("bin.png", "\0\u{3}"),
        ],
    )?);
    let diffs = wiki.diff(&first, &second, None)?;
    assert_eq!(diffs.len(), 3);
    let page = diffs
        .iter()
        .find(|d| d.new_path == "Page.md")
        .ok_or("no page diff")?;
    assert_eq!(page.status, ChangeStatus::Modified);
    assert!(!page.binary);
    assert_eq!(page.hunks.len(), 1);
    assert!(page.hunks[0].header.starts_with("@@ -1,3 +1,3 @@"));
    let kinds: Vec<_> = page.hunks[0]
        .lines
        .iter()
        .map(|l| (l.kind, l.text.as_str(), l.old_lineno, l.new_lineno))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (LineKind::Context, "one", Some(1), Some(1)),
            (LineKind::Removed, "two", Some(2), None),
            (LineKind::Added, "2", None, Some(2)),
            (LineKind::Context, "three", Some(3), Some(3)),
        ]
    );
    let bin = diffs
        .iter()
        .find(|d| d.new_path == "bin.png")
        .ok_or("no bin diff")?;
    assert!(bin.binary && bin.hunks.is_empty());
    let new = diffs
        .iter()
        .find(|d| d.new_path == "New.md")
        .ok_or("no new diff")?;
    assert_eq!(new.status, ChangeStatus::Added);

    let only = wiki.diff(&first, &second, Some(&[path("Page.md")]))?;
    assert_eq!(only.len(), 1);

    let (info, show) = wiki.show(&Revision::from(&second))?;
    assert_eq!(info.message, "edit");
    assert_eq!(info.files.len(), 3);
    assert_eq!(show.len(), 3);
    let (root, root_diff) = wiki.show(&Revision::from(&first))?;
    assert!(root.parents.is_empty());
    assert!(root_diff.iter().all(|d| d.status == ChangeStatus::Added));

    // Renames are detected in diffs, and a path filter matches either side.
    let third = committed(commit(
        &wiki,
        "mv",
        None,
        vec![Change::Move {
            from: path("Page.md"),
            to: path("Moved.md"),
        }],
    )?);
    let renamed = wiki.diff(&second, &third, Some(&[path("Page.md")]))?;
    assert_eq!(renamed.len(), 1);
    assert_eq!(renamed[0].status, ChangeStatus::Renamed);
    assert_eq!(
        (renamed[0].old_path.as_str(), renamed[0].new_path.as_str()),
        ("Page.md", "Moved.md")
    );
    Ok(())
}

#[test]
fn blame_groups_lines_by_commit_and_follows_renames() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Page.md", "a\nb\nc\nd\n")])?;
    let first = wiki.head()?.ok_or("no head")?;
    let second = committed(commit(
        &wiki,
        "edit",
        None,
        vec![write("Page.md", "a\nB\nC\nd\n")],
    )?);
    commit(
        &wiki,
        "rename",
        None,
        vec![Change::Move {
            from: path("Page.md"),
            to: path("Renamed.md"),
        }],
    )?;
    let chunks = wiki.blame(&path("Renamed.md"), None)?;
    let summary: Vec<_> = chunks
        .iter()
        .map(|c| (c.commit.id.clone(), c.start_line, c.lines.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (first.clone(), 1, vec!["a".to_string()]),
            (second.clone(), 2, vec!["B".to_string(), "C".to_string()]),
            (first.clone(), 4, vec!["d".to_string()]),
        ]
    );
    assert!(chunks.iter().all(|c| c.commit.files.is_empty()));
    // At an older revision.
    let old = wiki.blame(&path("Page.md"), Some(&first))?;
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].lines.len(), 4);
    assert!(matches!(
        wiki.blame(&path("Nope.md"), None),
        Err(StoreError::NotFound(_))
    ));
    Ok(())
}

#[test]
fn revert_undoes_a_commit_or_reports_a_conflict() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Page.md", "one\n\n\n\ntwo\n")])?;
    let edit = committed(commit(
        &wiki,
        "edit one",
        None,
        vec![write("Page.md", "ONE\n\n\n\ntwo\n")],
    )?);
    commit(
        &wiki,
        "edit two",
        None,
        vec![write("Page.md", "ONE\n\n\n\nTWO\n")],
    )?;
    let added = committed(commit(
        &wiki,
        "add file",
        None,
        vec![write("Extra.md", "extra\n")],
    )?);

    let reverted = wiki.revert(&Revision::from(&edit), &author(), "Revert edit one")?;
    assert!(reverted.is_committed());
    assert_eq!(
        read_str(&wiki, "Page.md")?.as_deref(),
        Some("one\n\n\n\nTWO\n")
    );
    // Reverting the same commit again changes nothing.
    let again = wiki.revert(&Revision::from(&edit), &author(), "again")?;
    assert!(matches!(again, CommitOutcome::Unchanged { .. }));

    wiki.revert(&Revision::from(&added), &author(), "Revert add")?;
    assert_eq!(read_str(&wiki, "Extra.md")?, None);

    // A commit whose lines were changed again later cannot be reverted cleanly.
    let conflicting = committed(commit(
        &wiki,
        "edit two again",
        None,
        vec![write("Page.md", "one\n\n\n\nzwei\n")],
    )?);
    commit(
        &wiki,
        "edit two once more",
        None,
        vec![write("Page.md", "one\n\n\n\ndrei\n")],
    )?;
    let head = wiki.head()?;
    match wiki.revert(&Revision::from(&conflicting), &author(), "Revert") {
        Err(StoreError::Conflict { paths, .. }) => assert_eq!(paths, vec!["Page.md".to_string()]),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(wiki.head()?, head);
    assert!(matches!(
        wiki.revert(&Revision::parse("abcdef")?, &author(), "x"),
        Err(StoreError::RevisionNotFound(_))
    ));
    Ok(())
}

#[test]
fn stale_base_merge_detects_delete_edit_conflicts() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Page.md", "text\n"), ("Other.md", "o\n")])?;
    let base = wiki.head()?;
    commit(
        &wiki,
        "delete",
        None,
        vec![Change::Delete {
            path: path("Page.md"),
        }],
    )?;
    match commit(
        &wiki,
        "edit",
        base.clone(),
        vec![write("Page.md", "changed\n")],
    ) {
        Err(StoreError::Conflict { paths, .. }) => assert_eq!(paths, vec!["Page.md".to_string()]),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A stale base whose write touches a file nobody changed since is applied as it is:
    // nothing was merged, and the deletion made since stays.
    let outcome = commit(&wiki, "other", base, vec![write("Other.md", "o2\n")])?;
    assert!(matches!(
        outcome,
        CommitOutcome::Committed { merged: false, .. }
    ));
    assert_eq!(read_str(&wiki, "Page.md")?, None);
    assert_eq!(read_str(&wiki, "Other.md")?.as_deref(), Some("o2\n"));
    // A base that is not in the wiki is refused.
    let bogus = robot_store::CommitId::parse(&"1".repeat(40))?;
    assert!(matches!(
        commit(&wiki, "x", Some(bogus), vec![write("y.md", "y")]),
        Err(StoreError::RevisionNotFound(_))
    ));
    Ok(())
}

/// Issue 19: an agent reads a page (its revision is the page's last change), another page is
/// written, then the agent saves. Nothing it read had changed, so nothing may be called merged;
/// a real concurrent edit of the same page still is.
#[test]
fn a_save_on_a_stale_head_is_merged_only_when_its_page_changed() -> TestResult {
    let (_dir, _store, wiki) =
        seeded_wiki(&[("Page.md", "one\ntwo\nthree\n"), ("Other.md", "o\n")])?;
    let read_at = wiki.head()?;
    commit(&wiki, "elsewhere", None, vec![write("Other.md", "o2\n")])?;
    let outcome = commit(
        &wiki,
        "mine",
        read_at.clone(),
        vec![write("Page.md", "one\ntwo\nthree\nfour\n")],
    )?;
    assert!(
        matches!(outcome, CommitOutcome::Committed { merged: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(
        read_str(&wiki, "Other.md")?.as_deref(),
        Some("o2\n"),
        "the other write stays"
    );

    let read_at = wiki.head()?;
    commit(
        &wiki,
        "theirs",
        None,
        vec![write("Page.md", "ONE\ntwo\nthree\nfour\n")],
    )?;
    let outcome = commit(
        &wiki,
        "mine again",
        read_at,
        vec![write("Page.md", "one\ntwo\nthree\nfour\nfive\n")],
    )?;
    assert!(
        matches!(outcome, CommitOutcome::Committed { merged: true, .. }),
        "{outcome:?}"
    );
    assert_eq!(
        read_str(&wiki, "Page.md")?.as_deref(),
        Some("ONE\ntwo\nthree\nfour\nfive\n")
    );
    Ok(())
}
