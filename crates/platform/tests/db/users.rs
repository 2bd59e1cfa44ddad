use robot_platform::{Db, PlatformError};

use crate::{db_tests, user};

db_tests!(
    create_and_find_users,
    duplicate_handles_are_refused,
    invalid_handles_are_refused,
    platform_admin_flag,
);

async fn create_and_find_users(db: Db) {
    let alice = db.create_user(" Alice ", "Alice A.").await.expect("create");
    assert_eq!(alice.handle, "alice");
    assert_eq!(alice.display_name, "Alice A.");
    assert_eq!(alice.did, None);
    assert!(!alice.is_platform_admin);
    assert!(alice.created_at > 1_600_000_000);

    let bob = user(&db, "bob").await;
    assert_ne!(alice.id, bob.id);

    assert_eq!(
        db.user_by_handle("alice").await.expect("q"),
        Some(alice.clone())
    );
    assert_eq!(
        db.user_by_handle("ALICE").await.expect("q"),
        Some(alice.clone())
    );
    assert_eq!(db.user_by_handle("carol").await.expect("q"), None);
    assert_eq!(db.user_by_handle("not a handle").await.expect("q"), None);
    assert_eq!(db.user_by_id(bob.id).await.expect("q"), Some(bob.clone()));
    assert_eq!(db.user_by_id(9999).await.expect("q"), None);

    let all = db.list_users().await.expect("list");
    assert_eq!(all, vec![alice, bob]);
}

async fn duplicate_handles_are_refused(db: Db) {
    user(&db, "alice").await;
    let err = db.create_user("ALICE", "Other").await.expect_err("dup");
    assert!(
        matches!(&err, PlatformError::UserExists(h) if h == "alice"),
        "{err:?}"
    );
    assert!(err.to_string().contains("choose another handle"));
    assert_eq!(db.list_users().await.expect("list").len(), 1);
}

async fn invalid_handles_are_refused(db: Db) {
    for bad in ["", "a b", "a_b", &"x".repeat(65)] {
        let err = db.create_user(bad, "Name").await.expect_err(bad);
        assert!(
            matches!(err, PlatformError::InvalidHandle(_)),
            "{bad:?}: {err:?}"
        );
    }
    assert!(db.list_users().await.expect("list").is_empty());
}

async fn platform_admin_flag(db: Db) {
    let alice = user(&db, "alice").await;
    db.set_platform_admin(alice.id, true).await.expect("set");
    let found = db.user_by_id(alice.id).await.expect("q").expect("exists");
    assert!(found.is_platform_admin);
    db.set_platform_admin(alice.id, false).await.expect("unset");
    let found = db.user_by_id(alice.id).await.expect("q").expect("exists");
    assert!(!found.is_platform_admin);
    let err = db
        .set_platform_admin(4242, true)
        .await
        .expect_err("missing");
    assert!(matches!(err, PlatformError::NotFound("user")), "{err:?}");
}
