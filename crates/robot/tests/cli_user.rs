//! `robot user …` against the real binary on a temporary data directory.

use std::path::Path;

mod common;

use common::{robot, stdout};

async fn stored_user(data_dir: &Path, handle: &str) -> robot_platform::User {
    let db = robot_platform::Db::open(&data_dir.join("robot.db"))
        .await
        .expect("open db");
    let user = db
        .user_by_handle(handle)
        .await
        .expect("query")
        .expect("user exists");
    db.close().await;
    user
}

#[tokio::test]
async fn logout_everywhere_moves_only_that_users_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    for handle in ["alice", "bob"] {
        let added = robot(dir.path(), &["user", "add", handle]);
        assert!(added.status.success(), "{added:?}");
    }
    let before = stored_user(dir.path(), "alice").await;
    assert_eq!(before.sessions_valid_after, 0);

    let out = robot(dir.path(), &["user", "logout-everywhere", "ALICE"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("signed alice out of every session"));

    let after = stored_user(dir.path(), "alice").await;
    assert!(after.sessions_valid_after > 1_600_000_000);
    assert!(!after.accepts_session_issued_at(after.sessions_valid_after));
    assert_eq!(stored_user(dir.path(), "bob").await.sessions_valid_after, 0);
}

#[tokio::test]
async fn logout_everywhere_names_an_unknown_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = robot(dir.path(), &["user", "logout-everywhere", "nobody"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no user nobody"), "{err}");
}
