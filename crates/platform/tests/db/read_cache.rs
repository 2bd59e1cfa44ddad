//! The rows every request reads are cached, and a change made through any handle on the file —
//! this process's or another's, such as the CLI next to a running server — is seen by the very
//! next lookup.

use robot_platform::{AccessSettings, Db, QuotaOverride, Role, TokenRole};

use crate::{file_db, slug, user, wiki};

/// A second handle on the same file stands in for another process: it has connections of its
/// own, exactly as the CLI has.
async fn other_process(file: &crate::FileDb) -> Db {
    Db::open(&file.dir.path().join("robot.db"))
        .await
        .expect("second handle")
}

#[tokio::test]
async fn a_wiki_changed_elsewhere_is_read_again() {
    let file = file_db().await;
    let cli = other_process(&file).await;
    let alice = user(&file.db, "alice").await;
    wiki(&file.db, "notes", &alice).await;
    let before = file.db.wiki_by_slug(&slug("notes")).await.expect("q");
    assert_eq!(before.expect("found").display_name, "The notes wiki");
    // Cached now; asking twice answers the same.
    let again = file.db.wiki_by_slug(&slug("notes")).await.expect("q");
    assert_eq!(again.expect("found").display_name, "The notes wiki");

    cli.update_wiki(&slug("notes"), "Renamed", "", &AccessSettings::default())
        .await
        .expect("update");
    let after = file.db.wiki_by_slug(&slug("notes")).await.expect("q");
    assert_eq!(after.expect("found").display_name, "Renamed");

    // An unknown slug is cached as unknown until a wiki of that name is made elsewhere.
    assert!(
        file.db
            .wiki_by_slug(&slug("later"))
            .await
            .expect("q")
            .is_none()
    );
    wiki(&cli, "later", &alice).await;
    assert!(
        file.db
            .wiki_by_slug(&slug("later"))
            .await
            .expect("q")
            .is_some()
    );
}

#[tokio::test]
async fn a_removed_member_loses_the_role_on_the_next_lookup() {
    let file = file_db().await;
    let cli = other_process(&file).await;
    let alice = user(&file.db, "alice").await;
    let bob = user(&file.db, "bob").await;
    let notes = wiki(&file.db, "notes", &alice).await;
    file.db
        .set_member(notes.id, bob.id, Role::Editor)
        .await
        .expect("member");
    for _ in 0..2 {
        assert_eq!(
            file.db.membership(notes.id, bob.id).await.expect("q"),
            Some(Role::Editor)
        );
    }
    cli.remove_member(notes.id, bob.id).await.expect("remove");
    assert_eq!(file.db.membership(notes.id, bob.id).await.expect("q"), None);
    // And through this handle too.
    file.db
        .set_member(notes.id, bob.id, Role::Viewer)
        .await
        .expect("member");
    assert_eq!(
        file.db.membership(notes.id, bob.id).await.expect("q"),
        Some(Role::Viewer)
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_its_next_use() {
    let file = file_db().await;
    let cli = other_process(&file).await;
    let alice = user(&file.db, "alice").await;
    let notes = wiki(&file.db, "notes", &alice).await;
    let (_, secret) = file
        .db
        .create_api_token(notes.id, alice.id, "agent", TokenRole::Editor)
        .await
        .expect("token");
    // The first use records it, the following ones are answered from the cache.
    for _ in 0..3 {
        assert!(
            file.db
                .authenticate_api_token(&secret)
                .await
                .expect("q")
                .is_some()
        );
    }
    assert!(
        cli.revoke_api_token(notes.id, "agent")
            .await
            .expect("revoke")
    );
    assert!(
        file.db
            .authenticate_api_token(&secret)
            .await
            .expect("q")
            .is_none()
    );
}

#[tokio::test]
async fn signing_out_everywhere_elsewhere_is_seen_at_once() {
    let file = file_db().await;
    let cli = other_process(&file).await;
    let alice = user(&file.db, "alice").await;
    let cached = file
        .db
        .user_by_id(alice.id)
        .await
        .expect("q")
        .expect("user");
    assert_eq!(cached, alice);
    cli.revoke_sessions(alice.id).await.expect("revoke");
    let fresh = file
        .db
        .user_by_id(alice.id)
        .await
        .expect("q")
        .expect("user");
    assert_ne!(fresh, alice, "the sign-out cut-off is read again");
    assert_eq!(
        fresh,
        cli.user_by_id(alice.id).await.expect("q").expect("user")
    );
}

#[tokio::test]
async fn a_quota_set_elsewhere_applies_at_once() {
    let file = file_db().await;
    let cli = other_process(&file).await;
    let alice = user(&file.db, "alice").await;
    let notes = wiki(&file.db, "notes", &alice).await;
    assert_eq!(
        file.db.quota_override(notes.id).await.expect("q"),
        QuotaOverride::default()
    );
    let raised = QuotaOverride {
        max_bytes: Some(1 << 30),
        max_pages: None,
    };
    cli.set_quota_override(&slug("notes"), raised)
        .await
        .expect("set");
    assert_eq!(file.db.quota_override(notes.id).await.expect("q"), raised);
}
