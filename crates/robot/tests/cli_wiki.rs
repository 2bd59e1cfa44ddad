//! `robot wiki …` against the real binary on a temporary data directory.

mod common;

use common::{robot, stdout};

/// A data directory with the user `alice` and her wiki `notes`.
fn notes_of_alice() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["user", "add", "alice"][..],
        &["wiki", "create", "notes", "--owner", "alice"][..],
    ] {
        let done = robot(dir.path(), args);
        assert!(done.status.success(), "{args:?}: {done:?}");
    }
    dir
}

#[test]
fn a_created_wiki_is_searchable_before_the_command_ends() {
    // A server running beside the CLI hears of no change: the CLI indexes what it created.
    let dir = notes_of_alice();
    let db = rusqlite::Connection::open(dir.path().join("search.db")).expect("search index");
    let chunks: i64 = db
        .query_row(
            "SELECT count(*) FROM chunks WHERE slug = 'notes'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert!(chunks > 0, "the template pages are indexed");
}

#[test]
fn git_access_is_shown_and_switched() {
    let dir = notes_of_alice();
    let shown = robot(dir.path(), &["wiki", "git", "notes"]);
    assert_eq!(stdout(&shown).trim(), "notes\toff", "off by default");

    let on = robot(dir.path(), &["wiki", "git", "notes", "on"]);
    assert!(on.status.success(), "{on:?}");
    assert_eq!(
        stdout(&on).trim(),
        "notes\ton\thttp://notes.localhost:8080/.git"
    );
    assert!(stdout(&robot(dir.path(), &["wiki", "git", "notes"])).contains("\ton\t"));

    let bad = robot(dir.path(), &["wiki", "git", "notes", "maybe"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`on` or `off`"));
    let missing = robot(dir.path(), &["wiki", "git", "nosuch", "on"]);
    assert!(!missing.status.success());

    let off = robot(dir.path(), &["wiki", "git", "notes", "off"]);
    assert_eq!(stdout(&off).trim(), "notes\toff");
}

#[test]
fn access_levels_are_shown_and_changed_one_at_a_time() {
    let dir = notes_of_alice();
    let shown = robot(dir.path(), &["wiki", "access", "notes"]);
    assert_eq!(
        stdout(&shown).trim(),
        "notes\tread=approved\twrite=approved\tattachments=approved",
        "private by default"
    );

    let opened = robot(
        dir.path(),
        &["wiki", "access", "notes", "--read", "anonymous"],
    );
    assert!(opened.status.success(), "{opened:?}");
    assert_eq!(
        stdout(&opened).trim(),
        "notes\tread=anonymous\twrite=approved\tattachments=approved",
        "only the level named changes"
    );

    let typo = robot(
        dir.path(),
        &["wiki", "access", "notes", "--write", "everyone"],
    );
    assert!(!typo.status.success(), "an unknown level is refused");
    let still = robot(dir.path(), &["wiki", "access", "notes"]);
    assert!(stdout(&still).contains("write=approved"), "{still:?}");
}
