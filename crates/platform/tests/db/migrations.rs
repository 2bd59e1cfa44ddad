//! Schema upgrades on a database that already holds data: nothing is lost, every reference
//! still holds, and the upgraded schema keeps its rules.

use robot_platform::Db;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// Migration 0009 rebuilds users, wikis, API tokens and OAuth clients and grants with
/// AUTOINCREMENT (audit finding 1: ids were reused). An existing database keeps every row and
/// every reference between them, and new ids never repeat one that was handed out since.
#[tokio::test]
async fn finding_1_the_id_upgrade_keeps_every_row_and_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("robot.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("pool");
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    Migrator::new(migrations)
        .await
        .expect("migrations")
        .run_to(8, &pool)
        .await
        .expect("schema as of 0008");
    let secret = "rwt_the-secret-of-an-old-token";
    for statement in [
        "INSERT INTO users (id, handle, display_name, created_at) VALUES (1, 'alice', 'Alice', 10)",
        "INSERT INTO users (id, handle, display_name, created_at, sessions_valid_after) \
         VALUES (2, 'bob', 'Bob', 11, 99)",
        "INSERT INTO wikis (id, slug, display_name, owner_id, read_access, created_at, git_access) \
         VALUES (5, 'notes', 'Notes', 1, 'anonymous', 12, 1)",
        "INSERT INTO wiki_members (wiki_id, user_id, role, created_at) VALUES (5, 2, 'editor', 13)",
        "INSERT INTO oauth_clients (id, wiki_id, client_id, client_name, redirect_uris, \
         auth_method, created_at) VALUES (3, 5, 'c-1', 'Claude', 'https://c.example/cb', 'none', 14)",
        "INSERT INTO oauth_grants (id, wiki_id, user_id, client_id, created_at) VALUES (4, 5, 2, 3, 15)",
    ] {
        sqlx::query(statement)
            .execute(&pool)
            .await
            .expect(statement);
    }
    sqlx::query(
        "INSERT INTO api_tokens (id, wiki_id, created_by, name, role, token_hash, created_at) \
         VALUES (7, 5, 1, 'agent', 'editor', $1, 16)",
    )
    .bind(robot_auth::hash_token(secret))
    .execute(&pool)
    .await
    .expect("token");
    pool.close().await;

    let db = Db::open(&path).await.expect("upgrade");
    let alice = db.user_by_id(1).await.expect("q").expect("alice");
    let bob = db.user_by_handle("bob").await.expect("q").expect("bob");
    assert_eq!((bob.id, bob.sessions_valid_after), (2, 99));
    let notes = db
        .wiki_by_slug(&crate::slug("notes"))
        .await
        .expect("q")
        .expect("notes");
    assert_eq!((notes.id, notes.owner_id, notes.git_access), (5, 1, true));
    assert_eq!(
        db.membership(5, 2).await.expect("q"),
        Some(robot_platform::Role::Editor)
    );
    let token = db
        .authenticate_api_token(secret)
        .await
        .expect("q")
        .expect("the old token still works");
    assert_eq!((token.id, token.created_by_handle.as_str()), (7, "alice"));
    assert_eq!(db.list_oauth_grants(5).await.expect("q").len(), 1);

    // New ids continue after the old ones and never come back once handed out.
    let carol = db.create_user("carol", "Carol").await.expect("carol");
    assert!(carol.id > 2);
    assert!(db.delete_user(carol.id).await.expect("delete"));
    let dave = db.create_user("dave", "Dave").await.expect("dave");
    assert!(dave.id > carol.id, "{} reused", dave.id);

    // Foreign keys are enforced again, and cascades still reach the rebuilt tables.
    assert!(db.delete_user(alice.id).await.expect("delete alice"));
    assert!(
        db.wiki_by_slug(&crate::slug("notes"))
            .await
            .expect("q")
            .is_none()
    );
    assert!(
        db.authenticate_api_token(secret)
            .await
            .expect("q")
            .is_none()
    );
    db.close().await;
}
