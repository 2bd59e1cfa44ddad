use robot_platform::{Db, PlatformError};

use crate::{db_tests, user};

db_tests!(
    login_link_round_trip,
    login_links_are_single_use,
    expired_links_do_not_work,
    unknown_tokens_do_not_work,
    links_need_a_user,
    purge_removes_dead_links,
    concurrent_consumers_cannot_both_win,
);

async fn login_link_round_trip(db: Db) {
    let alice = user(&db, "alice").await;
    let token = db
        .create_login_link(alice.id, 600, Some("https://notes.robot.test/Home"))
        .await
        .expect("create");
    assert_eq!(token.len(), 43);
    let (who, return_to) = db
        .consume_login_link(&token)
        .await
        .expect("consume")
        .expect("valid");
    assert_eq!(who, alice);
    assert_eq!(return_to.as_deref(), Some("https://notes.robot.test/Home"));

    let plain = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    assert_ne!(plain, token);
    let (_, return_to) = db
        .consume_login_link(&plain)
        .await
        .expect("consume")
        .expect("valid");
    assert_eq!(return_to, None);
}

async fn login_links_are_single_use(db: Db) {
    let alice = user(&db, "alice").await;
    let token = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    assert!(
        db.consume_login_link(&token)
            .await
            .expect("first")
            .is_some()
    );
    assert!(
        db.consume_login_link(&token)
            .await
            .expect("second")
            .is_none()
    );
}

async fn expired_links_do_not_work(db: Db) {
    let alice = user(&db, "alice").await;
    for ttl in [0, -1, -3600] {
        let token = db
            .create_login_link(alice.id, ttl, None)
            .await
            .expect("create");
        assert!(
            db.consume_login_link(&token)
                .await
                .expect("consume")
                .is_none(),
            "{ttl}"
        );
    }
}

async fn unknown_tokens_do_not_work(db: Db) {
    let alice = user(&db, "alice").await;
    let token = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    // The stored hash is not a token, and neither is a near miss.
    let hash = robot_auth::hash_token(&token);
    for wrong in ["", "nope", hash.as_str(), &token[1..], &format!("{token}x")] {
        assert!(
            db.consume_login_link(wrong)
                .await
                .expect("consume")
                .is_none(),
            "{wrong:?}"
        );
    }
    assert!(
        db.consume_login_link(&token)
            .await
            .expect("consume")
            .is_some()
    );
}

async fn links_need_a_user(db: Db) {
    let err = db
        .create_login_link(123, 600, None)
        .await
        .expect_err("no user");
    assert!(matches!(err, PlatformError::NotFound("user")), "{err:?}");
}

async fn purge_removes_dead_links(db: Db) {
    let alice = user(&db, "alice").await;
    let used = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    db.consume_login_link(&used).await.expect("consume");
    db.create_login_link(alice.id, -5, None)
        .await
        .expect("create");
    let live = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    assert_eq!(db.purge_login_links().await.expect("purge"), 2);
    assert_eq!(db.purge_login_links().await.expect("purge again"), 0);
    assert!(
        db.consume_login_link(&live)
            .await
            .expect("consume")
            .is_some()
    );
}

async fn concurrent_consumers_cannot_both_win(db: Db) {
    let alice = user(&db, "alice").await;
    let token = db
        .create_login_link(alice.id, 600, None)
        .await
        .expect("create");
    let attempts = (0..8).map(|_| {
        let db = db.clone();
        let token = token.clone();
        tokio::spawn(async move { db.consume_login_link(&token).await })
    });
    let mut winners = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        if attempt.await.expect("join").expect("consume").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}
