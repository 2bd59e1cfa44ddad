use robot_platform::{Db, PlatformError, TokenRole};

use crate::{db_tests, user, wiki};

db_tests!(
    tokens_authenticate_until_revoked,
    tokens_are_bound_to_their_wiki,
    names_are_unique_among_live_tokens,
    bad_names_are_refused,
    deleting_the_wiki_removes_its_tokens,
);

async fn tokens_authenticate_until_revoked(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (token, secret) = db
        .create_api_token(notes.id, alice.id, "laptop", TokenRole::Editor)
        .await
        .expect("create");
    assert!(secret.starts_with("rwt_") && secret.len() == 47, "{secret}");
    assert_eq!(token.role, TokenRole::Editor);
    let found = db
        .authenticate_api_token(&secret)
        .await
        .expect("auth")
        .expect("valid");
    assert_eq!(found.id, token.id);
    assert!(found.last_used_at.is_some(), "use is recorded");
    assert_eq!(
        db.authenticate_api_token("rwt_nope").await.expect("auth"),
        None
    );
    assert_eq!(db.authenticate_api_token("").await.expect("auth"), None);
    assert!(
        db.revoke_api_token(notes.id, "laptop")
            .await
            .expect("revoke")
    );
    assert!(
        !db.revoke_api_token(notes.id, "laptop")
            .await
            .expect("revoke twice")
    );
    assert_eq!(
        db.authenticate_api_token(&secret).await.expect("auth"),
        None,
        "revoked at once"
    );
    let listed = db.list_api_tokens(notes.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());
}

async fn tokens_are_bound_to_their_wiki(db: Db) {
    let alice = user(&db, "alice").await;
    let a = wiki(&db, "wiki-a", &alice).await;
    let b = wiki(&db, "wiki-b", &alice).await;
    let (_, secret) = db
        .create_api_token(a.id, alice.id, "agent", TokenRole::ReadOnly)
        .await
        .expect("create");
    let token = db
        .authenticate_api_token(&secret)
        .await
        .expect("auth")
        .expect("valid");
    assert_eq!(token.wiki_id, a.id);
    assert_ne!(token.wiki_id, b.id);
    assert!(db.list_api_tokens(b.id).await.expect("list").is_empty());
}

async fn names_are_unique_among_live_tokens(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    db.create_api_token(notes.id, alice.id, "ci", TokenRole::Editor)
        .await
        .expect("first");
    let again = db
        .create_api_token(notes.id, alice.id, "ci", TokenRole::Editor)
        .await;
    assert!(
        matches!(again, Err(PlatformError::TokenExists(_))),
        "{again:?}"
    );
    db.revoke_api_token(notes.id, "ci").await.expect("revoke");
    db.create_api_token(notes.id, alice.id, "ci", TokenRole::Editor)
        .await
        .expect("a revoked name can be reused");
}

async fn bad_names_are_refused(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    for bad in ["", "   ", "a\nb", &"x".repeat(65)] {
        let result = db
            .create_api_token(notes.id, alice.id, bad, TokenRole::Editor)
            .await;
        assert!(
            matches!(result, Err(PlatformError::InvalidTokenName(_))),
            "{bad:?}"
        );
    }
}

async fn deleting_the_wiki_removes_its_tokens(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (_, secret) = db
        .create_api_token(notes.id, alice.id, "agent", TokenRole::Editor)
        .await
        .expect("create");
    assert!(db.delete_wiki(&notes.slug).await.expect("delete"));
    assert_eq!(
        db.authenticate_api_token(&secret).await.expect("auth"),
        None
    );
}
