//! Opening the database file: creation, persistence, WAL, and two handles on one file.

use robot_platform::{Db, PlatformError, Role};

use crate::{file_db, slug, user, wiki};

#[tokio::test]
async fn data_persists_across_reopen() {
    let file = file_db().await;
    let path = file.dir.path().join("robot.db");
    let alice = user(&file.db, "alice").await;
    wiki(&file.db, "notes", &alice).await;
    file.db.close().await;

    let reopened = Db::open(&path).await.expect("reopen");
    assert_eq!(
        reopened.user_by_handle("alice").await.expect("q"),
        Some(alice)
    );
    assert!(
        reopened
            .wiki_by_slug(&slug("notes"))
            .await
            .expect("q")
            .is_some()
    );
}

#[tokio::test]
async fn uses_write_ahead_logging() {
    let file = file_db().await;
    user(&file.db, "alice").await;
    assert!(file.dir.path().join("robot.db-wal").exists());
}

#[tokio::test]
async fn two_handles_share_one_file() {
    // The CLI and the server open the same file at the same time.
    let file = file_db().await;
    let cli = Db::open(&file.dir.path().join("robot.db"))
        .await
        .expect("second open");
    let alice = user(&cli, "alice").await;
    let notes = wiki(&cli, "notes", &alice).await;
    let bob = user(&file.db, "bob").await;
    file.db
        .set_member(notes.id, bob.id, Role::Editor)
        .await
        .expect("member");
    assert_eq!(
        cli.membership(notes.id, bob.id).await.expect("q"),
        Some(Role::Editor)
    );

    // Concurrent writers through both handles wait for each other instead of failing.
    let writes = (0..20).map(|i| {
        let db = if i % 2 == 0 {
            cli.clone()
        } else {
            file.db.clone()
        };
        tokio::spawn(async move { db.create_user(&format!("user{i}"), "U").await })
    });
    for write in writes.collect::<Vec<_>>() {
        write.await.expect("join").expect("create");
    }
    assert_eq!(file.db.list_users().await.expect("list").len(), 22);
}

#[tokio::test]
async fn a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Db::open(&dir.path().join("no").join("such").join("robot.db"))
        .await
        .expect_err("no directory");
    assert!(matches!(err, PlatformError::Db(_)), "{err:?}");
}

#[tokio::test]
async fn in_memory_databases_are_separate() {
    let a = Db::open_in_memory().await.expect("open");
    let b = Db::open_in_memory().await.expect("open");
    user(&a, "alice").await;
    assert!(b.list_users().await.expect("list").is_empty());
}
