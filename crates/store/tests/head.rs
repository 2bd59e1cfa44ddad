//! The remembered branch head follows every way the branch can move: this handle's commits, the
//! `git` client writing to the same repository (as a push or another process would), and refs
//! being packed and unpacked.

mod common;

use common::*;

#[test]
fn the_head_follows_moves_by_this_process_and_by_git() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "hi\n")])?;
    let first = wiki.head()?.expect("seeded");
    assert_eq!(wiki.head()?, Some(first.clone()), "asked twice");

    let second = committed(commit(
        &wiki,
        "two",
        Some(first.clone()),
        vec![write("A.md", "a\n")],
    )?);
    assert_eq!(wiki.head()?, Some(second.clone()));

    // Another process moves the branch back, then packs the refs (the loose file goes away),
    // then moves it forward again as a loose ref.
    git(&wiki, &["update-ref", "refs/heads/main", first.as_str()])?;
    assert_eq!(wiki.head()?, Some(first.clone()));
    git(&wiki, &["pack-refs", "--all", "--prune"])?;
    assert!(!wiki.path().join("refs/heads/main").exists(), "packed");
    assert_eq!(wiki.head()?, Some(first.clone()));
    git(&wiki, &["update-ref", "refs/heads/main", second.as_str()])?;
    assert_eq!(wiki.head()?, Some(second.clone()));
    assert_eq!(
        git(&wiki, &["rev-parse", "refs/heads/main"])?,
        second.as_str()
    );

    // Moves in quick succession, each seen at once.
    for _ in 0..20 {
        git(&wiki, &["update-ref", "refs/heads/main", first.as_str()])?;
        assert_eq!(wiki.head()?, Some(first.clone()));
        git(&wiki, &["update-ref", "refs/heads/main", second.as_str()])?;
        assert_eq!(wiki.head()?, Some(second.clone()));
    }
    Ok(())
}
