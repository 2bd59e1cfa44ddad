use robot_platform::{AtprotoSession, Db, PlatformError};

use crate::{db_tests, user};

db_tests!(
    revoking_moves_the_cut_off_and_takes_the_atproto_sessions,
    a_revocation_in_the_same_second_still_revokes_the_newer_session,
    revoking_an_unknown_user_is_not_found,
    expired_atproto_sessions_are_purged,
);

fn atproto(user_id: i64, jti: &str) -> AtprotoSession {
    AtprotoSession {
        user_id,
        session_jti: jti.into(),
        did: format!("did:plc:{jti}"),
        issuer: "http://localhost:2583".into(),
        pds_url: "http://localhost:2583".into(),
        token_endpoint: "http://localhost:2583/oauth/token".into(),
        revocation_endpoint: Some("http://localhost:2583/oauth/revoke".into()),
        access_token: format!("at-{jti}"),
        refresh_token: None,
        scope: "atproto".into(),
        expires_at: None,
        dpop_key: "k".into(),
        dpop_nonce: None,
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

async fn revoking_moves_the_cut_off_and_takes_the_atproto_sessions(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    assert_eq!(alice.sessions_valid_after, 0);
    for jti in ["a1", "a2"] {
        db.create_atproto_session(&atproto(alice.id, jti))
            .await
            .expect("store");
    }
    db.create_atproto_session(&atproto(bob.id, "b1"))
        .await
        .expect("store");

    let before = now();
    let revoked = db.revoke_sessions(alice.id).await.expect("revoke");
    assert!(revoked.user.sessions_valid_after >= before);
    assert!(revoked.user.sessions_valid_after <= now() + 1);
    let mut jtis: Vec<_> = revoked
        .atproto
        .iter()
        .map(|s| s.session_jti.clone())
        .collect();
    jtis.sort();
    assert_eq!(jtis, ["a1", "a2"]);
    assert_eq!(
        revoked.atproto[0].access_token,
        format!("at-{}", revoked.atproto[0].session_jti)
    );

    let stored = db.user_by_id(alice.id).await.expect("q").expect("alice");
    assert_eq!(
        stored.sessions_valid_after,
        revoked.user.sessions_valid_after
    );
    assert!(!stored.accepts_session_issued_at(before));
    assert_eq!(db.count_atproto_sessions(alice.id).await.expect("count"), 0);
    // Bob is untouched.
    let bob_now = db.user_by_id(bob.id).await.expect("q").expect("bob");
    assert_eq!(bob_now.sessions_valid_after, 0);
    assert_eq!(db.count_atproto_sessions(bob.id).await.expect("count"), 1);
}

async fn a_revocation_in_the_same_second_still_revokes_the_newer_session(db: Db) {
    let alice = user(&db, "alice").await;
    let first = db.revoke_sessions(alice.id).await.expect("revoke").user;
    // A login right after the revocation gets an iat past the cut-off…
    let iat = first.next_session_iat(now());
    assert!(first.accepts_session_issued_at(iat));
    // …and a second revocation, even within the same second, still refuses it.
    let second = db.revoke_sessions(alice.id).await.expect("again").user;
    assert!(second.sessions_valid_after > first.sessions_valid_after);
    assert!(!second.accepts_session_issued_at(iat));
    assert!(second.accepts_session_issued_at(second.next_session_iat(now())));
}

async fn revoking_an_unknown_user_is_not_found(db: Db) {
    assert!(matches!(
        db.revoke_sessions(4242).await,
        Err(PlatformError::NotFound("user"))
    ));
}

async fn expired_atproto_sessions_are_purged(db: Db) {
    let alice = user(&db, "alice").await;
    db.create_atproto_session(&atproto(alice.id, "old"))
        .await
        .expect("store");
    // Stored just now: a cut-off in the past keeps it.
    assert_eq!(
        db.purge_atproto_sessions(now() - 60).await.expect("purge"),
        0
    );
    assert_eq!(db.count_atproto_sessions(alice.id).await.expect("count"), 1);
    // Once its platform session would have expired, it goes.
    assert_eq!(
        db.purge_atproto_sessions(now() + 60).await.expect("purge"),
        1
    );
    assert_eq!(db.count_atproto_sessions(alice.id).await.expect("count"), 0);
}
