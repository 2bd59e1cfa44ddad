use robot_platform::{Db, Role, TokenRole, UserWiki};

use crate::{db_tests, user, wiki};

db_tests!(
    a_users_wikis_are_owned_and_shared_ones,
    deleting_a_user_removes_what_they_own_and_hold,
    git_access_starts_off_and_can_be_switched,
    replacing_a_token_revokes_the_old_secret,
    counts_cover_the_platform,
);

async fn a_users_wikis_are_owned_and_shared_ones(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let diary = wiki(&db, "diary", &bob).await;
    let zoo = wiki(&db, "zoo", &bob).await;
    let mut public = notes.access;
    public.read = robot_platform::AccessLevel::Anonymous;
    db.update_wiki(&zoo.slug, "Zoo", "", &public)
        .await
        .expect("public");
    db.set_member(diary.id, alice.id, Role::Editor)
        .await
        .expect("member");
    let mine = db.wikis_of_user(alice.id).await.expect("list");
    let summary: Vec<_> = mine
        .iter()
        .map(|UserWiki { wiki, role }| (wiki.slug.as_str(), *role))
        .collect();
    assert_eq!(
        summary,
        vec![("diary", Role::Editor), ("notes", Role::Owner)],
        "public wikis of others are not 'mine'"
    );
    assert_eq!(db.count_wikis_owned_by(alice.id).await.expect("count"), 1);
    assert_eq!(db.count_wikis_owned_by(bob.id).await.expect("count"), 2);
    let owned: Vec<_> = db
        .wikis_owned_by(bob.id)
        .await
        .expect("owned")
        .into_iter()
        .map(|w| w.slug.to_string())
        .collect();
    assert_eq!(owned, vec!["diary", "zoo"]);
}

async fn deleting_a_user_removes_what_they_own_and_hold(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let diary = wiki(&db, "diary", &bob).await;
    db.set_member(diary.id, alice.id, Role::Admin)
        .await
        .expect("member");
    let (_, on_blog) = db
        .create_api_token(diary.id, alice.id, "alice-agent", TokenRole::Editor)
        .await
        .expect("token");
    let (_, bobs) = db
        .create_api_token(diary.id, bob.id, "bob-agent", TokenRole::Editor)
        .await
        .expect("token");
    db.create_login_link(alice.id, 600, None)
        .await
        .expect("link");
    assert!(db.delete_user(alice.id).await.expect("delete"));
    assert!(!db.delete_user(alice.id).await.expect("again"));
    assert_eq!(db.user_by_id(alice.id).await.expect("q"), None);
    assert_eq!(db.wiki_by_slug(&notes.slug).await.expect("q"), None);
    assert!(db.list_members(diary.id).await.expect("members").is_empty());
    assert!(
        db.authenticate_api_token(&on_blog)
            .await
            .expect("auth")
            .is_none(),
        "tokens the user minted stop working"
    );
    assert!(
        db.authenticate_api_token(&bobs)
            .await
            .expect("auth")
            .is_some(),
        "other people's tokens stay"
    );
}

async fn git_access_starts_off_and_can_be_switched(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    assert!(!notes.git_access);
    let on = db.set_git_access(&notes.slug, true).await.expect("on");
    assert!(on.git_access);
    assert_eq!(on.access, notes.access, "nothing else changes");
    let stored = db
        .wiki_by_slug(&notes.slug)
        .await
        .expect("q")
        .expect("wiki");
    assert!(stored.git_access);
    assert!(
        !db.set_git_access(&notes.slug, false)
            .await
            .expect("off")
            .git_access
    );
    let missing = robot_platform::Slug::parse("missing").expect("slug");
    assert!(db.set_git_access(&missing, true).await.is_err());
}

async fn replacing_a_token_revokes_the_old_secret(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (first, first_secret) = db
        .replace_api_token(notes.id, alice.id, "mcp", TokenRole::Editor)
        .await
        .expect("first mint");
    let (second, second_secret) = db
        .replace_api_token(notes.id, alice.id, "mcp", TokenRole::ReadOnly)
        .await
        .expect("regenerate");
    assert_ne!(first.id, second.id);
    assert_ne!(first_secret, second_secret);
    assert!(
        db.authenticate_api_token(&first_secret)
            .await
            .expect("auth")
            .is_none()
    );
    let live = db
        .authenticate_api_token(&second_secret)
        .await
        .expect("auth")
        .expect("live");
    assert_eq!(live.role, TokenRole::ReadOnly);
    let tokens = db.list_api_tokens(notes.id).await.expect("list");
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens.iter().filter(|t| t.revoked_at.is_none()).count(), 1);
    assert!(
        db.replace_api_token(notes.id, alice.id, " ", TokenRole::Editor)
            .await
            .is_err()
    );
}

async fn counts_cover_the_platform(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    db.set_member(notes.id, bob.id, Role::Viewer)
        .await
        .expect("member");
    db.create_api_token(notes.id, alice.id, "a", TokenRole::Editor)
        .await
        .expect("token");
    db.create_api_token(notes.id, alice.id, "b", TokenRole::Editor)
        .await
        .expect("token");
    db.revoke_api_token(notes.id, "b").await.expect("revoke");
    let counts = db.platform_counts().await.expect("counts");
    assert_eq!(
        (
            counts.users,
            counts.wikis,
            counts.members,
            counts.live_tokens
        ),
        (2, 1, 1, 1)
    );
}
