use robot_platform::{Db, PlatformError, Role};

use crate::{db_tests, user, wiki};

db_tests!(
    requests_are_listed_approved_and_denied,
    approving_needs_a_pending_request,
    requests_go_with_their_wiki_and_user,
    pending_requests_are_counted_for_owners_and_admins_only,
);

async fn pending_requests_are_counted_for_owners_and_admins_only(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let carol = user(&db, "carol").await;
    let dave = user(&db, "dave").await;
    let notes = wiki(&db, "notes", &alice).await;
    let lab = wiki(&db, "lab", &alice).await;
    db.set_member(notes.id, bob.id, Role::Admin)
        .await
        .expect("admin");
    db.set_member(lab.id, bob.id, Role::Editor)
        .await
        .expect("editor");
    for wiki in [&notes, &lab] {
        db.request_access(wiki.id, carol.id, "")
            .await
            .expect("carol");
    }
    db.request_access(notes.id, dave.id, "")
        .await
        .expect("dave");

    let mut owner = db.pending_access_requests(alice.id).await.expect("alice");
    owner.sort_unstable();
    let mut expected = vec![(notes.id, 2), (lab.id, 1)];
    expected.sort_unstable();
    assert_eq!(owner, expected);
    assert_eq!(
        db.pending_access_requests(bob.id).await.expect("bob"),
        vec![(notes.id, 2)],
        "an admin of notes, only an editor of lab"
    );
    assert!(
        db.pending_access_requests(carol.id)
            .await
            .expect("carol")
            .is_empty()
    );
}

async fn requests_are_listed_approved_and_denied(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let carol = user(&db, "carol").await;
    let notes = wiki(&db, "notes", &alice).await;
    assert!(!db.has_access_request(notes.id, bob.id).await.expect("q"));
    db.request_access(notes.id, bob.id, " please\u{7} let me in ")
        .await
        .expect("request");
    db.request_access(notes.id, carol.id, &"x".repeat(900))
        .await
        .expect("request");
    // Asking again keeps one request and replaces the message.
    db.request_access(notes.id, bob.id, "please let me in\nthanks")
        .await
        .expect("again");
    assert!(db.has_access_request(notes.id, bob.id).await.expect("q"));
    let pending = db.list_access_requests(notes.id).await.expect("list");
    let summary: Vec<_> = pending
        .iter()
        .map(|r| (r.user.handle.as_str(), r.message.chars().count()))
        .collect();
    assert_eq!(summary, vec![("bob", 23), ("carol", 500)]);
    assert_eq!(pending[0].message, "please let me in\nthanks");

    db.approve_access_request(notes.id, bob.id, Role::Editor)
        .await
        .expect("approve");
    assert_eq!(
        db.membership(notes.id, bob.id).await.expect("q"),
        Some(Role::Editor)
    );
    assert!(
        db.remove_access_request(notes.id, carol.id)
            .await
            .expect("deny")
    );
    assert!(
        !db.remove_access_request(notes.id, carol.id)
            .await
            .expect("again")
    );
    assert_eq!(db.membership(notes.id, carol.id).await.expect("q"), None);
    assert!(
        db.list_access_requests(notes.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        db.platform_counts().await.expect("counts").pending_requests,
        0
    );
}

async fn approving_needs_a_pending_request(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let err = db
        .approve_access_request(notes.id, bob.id, Role::Viewer)
        .await
        .expect_err("nothing to approve");
    assert!(matches!(err, PlatformError::NotFound(_)), "{err:?}");
    assert_eq!(db.membership(notes.id, bob.id).await.expect("q"), None);
    db.request_access(notes.id, bob.id, "")
        .await
        .expect("request");
    let err = db
        .approve_access_request(notes.id, bob.id, Role::Owner)
        .await
        .expect_err("owner is not a membership");
    assert!(matches!(err, PlatformError::InvalidRole), "{err:?}");
    assert!(
        db.has_access_request(notes.id, bob.id).await.expect("q"),
        "still pending"
    );
    let err = db
        .request_access(notes.id + 100, bob.id, "")
        .await
        .expect_err("unknown wiki");
    assert!(matches!(err, PlatformError::NotFound(_)), "{err:?}");
}

async fn requests_go_with_their_wiki_and_user(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let diary = wiki(&db, "diary", &alice).await;
    db.request_access(notes.id, bob.id, "")
        .await
        .expect("request");
    db.request_access(diary.id, bob.id, "")
        .await
        .expect("request");
    assert_eq!(
        db.platform_counts().await.expect("counts").pending_requests,
        2
    );
    db.delete_wiki(&notes.slug).await.expect("delete");
    assert_eq!(
        db.platform_counts().await.expect("counts").pending_requests,
        1
    );
    db.delete_user(bob.id).await.expect("delete");
    assert_eq!(
        db.platform_counts().await.expect("counts").pending_requests,
        0
    );
}
