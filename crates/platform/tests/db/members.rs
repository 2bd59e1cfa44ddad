use robot_platform::{Db, PlatformError, Role};

use crate::{db_tests, user, wiki};

db_tests!(
    set_change_and_remove_members,
    owner_is_a_role_not_a_membership,
    members_need_an_existing_wiki_and_user,
);

async fn set_change_and_remove_members(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let carol = user(&db, "carol").await;
    let notes = wiki(&db, "notes", &alice).await;

    assert_eq!(db.membership(notes.id, bob.id).await.expect("q"), None);
    db.set_member(notes.id, bob.id, Role::Viewer)
        .await
        .expect("set");
    assert_eq!(
        db.membership(notes.id, bob.id).await.expect("q"),
        Some(Role::Viewer)
    );
    db.set_member(notes.id, bob.id, Role::Editor)
        .await
        .expect("change");
    assert_eq!(
        db.membership(notes.id, bob.id).await.expect("q"),
        Some(Role::Editor)
    );
    db.set_member(notes.id, carol.id, Role::Admin)
        .await
        .expect("set");

    let members = db.list_members(notes.id).await.expect("list");
    let summary: Vec<_> = members
        .iter()
        .map(|m| (m.user.handle.as_str(), m.role))
        .collect();
    assert_eq!(summary, [("bob", Role::Editor), ("carol", Role::Admin)]);
    assert_eq!(members[0].user, bob);

    assert!(db.remove_member(notes.id, bob.id).await.expect("remove"));
    assert!(
        !db.remove_member(notes.id, bob.id)
            .await
            .expect("remove again")
    );
    assert_eq!(db.membership(notes.id, bob.id).await.expect("q"), None);
    assert_eq!(db.list_members(notes.id).await.expect("list").len(), 1);
}

async fn owner_is_a_role_not_a_membership(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    assert_eq!(
        db.membership(notes.id, alice.id).await.expect("q"),
        Some(Role::Owner)
    );
    assert!(db.list_members(notes.id).await.expect("list").is_empty());

    let err = db
        .set_member(notes.id, bob.id, Role::Owner)
        .await
        .expect_err("owner");
    assert!(matches!(err, PlatformError::InvalidRole), "{err:?}");

    // A membership row for the owner does not demote them.
    db.set_member(notes.id, alice.id, Role::Viewer)
        .await
        .expect("set");
    assert_eq!(
        db.membership(notes.id, alice.id).await.expect("q"),
        Some(Role::Owner)
    );
}

async fn members_need_an_existing_wiki_and_user(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    for (wiki_id, user_id) in [(notes.id, 999), (999, alice.id)] {
        let err = db
            .set_member(wiki_id, user_id, Role::Editor)
            .await
            .expect_err("missing");
        assert!(matches!(err, PlatformError::NotFound(_)), "{err:?}");
    }
    assert_eq!(db.membership(999, alice.id).await.expect("q"), None);
    assert!(!db.remove_member(999, alice.id).await.expect("remove"));
}
