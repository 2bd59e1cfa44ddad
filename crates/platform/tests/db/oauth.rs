use robot_platform::Db;
use robot_platform::oauth::{
    ClientAuthMethod, CodeRedemption, DEFAULT_ACCESS_LIFETIME_SECS, MetadataClient,
    NewAuthorizationCode, NewOAuthClient, OAuthClient, REFRESH_LIFETIME_SECS, RefreshOutcome,
};

use crate::{db_tests, user, wiki};

db_tests!(
    clients_are_per_wiki_and_secrets_hashed,
    a_code_is_redeemed_once_and_reuse_revokes_its_grant,
    an_expired_or_refused_code_is_spent,
    concurrent_redemptions_issue_one_grant,
    refresh_rotates_and_reuse_revokes,
    deleting_the_wiki_or_user_removes_everything,
    expired_rotated_refresh_tokens_are_swept,
    metadata_clients_are_kept_per_wiki_and_refreshed_in_place,
    tokens_live_as_long_as_the_wiki_says_and_keep_their_resource,
);

/// A rotated refresh token is kept while it could still be replayed (its reuse then revokes
/// the grant); once expired, the next issue sweeps it, and replaying it is merely invalid.
async fn expired_rotated_refresh_tokens_are_swept(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t0 = now();
    let code = code(&db, notes.id, alice.id, c.id, t0).await;
    let CodeRedemption::Issued(first) = db.redeem_oauth_code(&code, t0, |_| true).await.expect("r")
    else {
        panic!("issued");
    };
    let rotate = |refresh: String, at: i64| {
        let db = &db;
        async move {
            match db
                .refresh_oauth_tokens(&refresh, c.id, at)
                .await
                .expect("refresh")
            {
                RefreshOutcome::Issued(tokens) => tokens,
                other => panic!("not issued: {other:?}"),
            }
        }
    };
    let second = rotate(first.refresh_token.clone(), t0 + 60).await;
    // After `first` expired (second is still valid): rotating sweeps it.
    let later = t0 + REFRESH_LIFETIME_SECS + 1;
    let third = rotate(second.refresh_token.clone(), later).await;
    assert!(matches!(
        db.refresh_oauth_tokens(&first.refresh_token, c.id, later)
            .await
            .expect("replay"),
        RefreshOutcome::Invalid
    ));
    // The grant survived the stale replay; the live refresh token still works.
    rotate(third.refresh_token, later).await;
    // A rotated token replayed while it could still be used revokes the grant, as before.
    assert!(matches!(
        db.refresh_oauth_tokens(&second.refresh_token, c.id, later)
            .await
            .expect("reuse"),
        RefreshOutcome::Reused
    ));
}

async fn client(db: &Db, wiki_id: i64, method: ClientAuthMethod) -> (OAuthClient, Option<String>) {
    db.register_oauth_client(NewOAuthClient {
        wiki_id,
        client_name: "Claude".into(),
        redirect_uris: vec![
            "https://claude.ai/cb".into(),
            "http://localhost:9/cb".into(),
        ],
        auth_method: method,
    })
    .await
    .expect("register")
}

async fn code(db: &Db, wiki_id: i64, user_id: i64, client: i64, now: i64) -> String {
    db.create_oauth_code(
        NewAuthorizationCode {
            wiki_id,
            user_id,
            client,
            redirect_uri: "https://claude.ai/cb".into(),
            code_challenge: "challenge".into(),
            resource: Some("https://notes.robot.wtf/mcp".into()),
        },
        now,
    )
    .await
    .expect("code")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

async fn clients_are_per_wiki_and_secrets_hashed(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let other = wiki(&db, "other", &alice).await;
    let (public, secret) = client(&db, notes.id, ClientAuthMethod::None).await;
    assert!(secret.is_none() && public.secret_hash.is_none());
    assert_eq!(public.redirect_uris.len(), 2);
    let found = db
        .oauth_client(notes.id, &public.client_id)
        .await
        .expect("find");
    assert_eq!(found, Some(public.clone()));
    assert_eq!(
        db.oauth_client(other.id, &public.client_id)
            .await
            .expect("find"),
        None
    );
    let (confidential, secret) = client(&db, notes.id, ClientAuthMethod::SecretPost).await;
    let secret = secret.expect("secret");
    assert!(confidential.secret_matches(&secret));
    assert!(!confidential.secret_matches("rws_wrong"));
    assert_ne!(confidential.secret_hash.as_deref(), Some(secret.as_str()));
}

async fn a_code_is_redeemed_once_and_reuse_revokes_its_grant(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t = now();
    let code = code(&db, notes.id, alice.id, c.id, t).await;
    let CodeRedemption::Issued(tokens) = db
        .redeem_oauth_code(&code, t, |stored| stored.user_id == alice.id)
        .await
        .expect("redeem")
    else {
        panic!("first redemption must issue tokens");
    };
    let access = db
        .authenticate_oauth_token(&tokens.access_token)
        .await
        .expect("auth")
        .expect("valid");
    assert_eq!((access.wiki_id, access.user_id), (notes.id, alice.id));
    assert_eq!(access.client_name, "Claude");
    assert!(matches!(
        db.redeem_oauth_code(&code, t, |_| true)
            .await
            .expect("again"),
        CodeRedemption::Reused
    ));
    assert_eq!(
        db.authenticate_oauth_token(&tokens.access_token)
            .await
            .expect("auth"),
        None
    );
    assert!(
        db.list_oauth_grants(notes.id)
            .await
            .expect("grants")
            .is_empty()
    );
    assert!(matches!(
        db.redeem_oauth_code("rwc_unknown", t, |_| true)
            .await
            .expect("unknown"),
        CodeRedemption::Unknown
    ));
}

async fn an_expired_or_refused_code_is_spent(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t = now();
    let old = code(&db, notes.id, alice.id, c.id, t).await;
    assert!(matches!(
        db.redeem_oauth_code(&old, t + 600, |_| true)
            .await
            .expect("late"),
        CodeRedemption::Expired
    ));
    let refused = code(&db, notes.id, alice.id, c.id, t).await;
    assert!(matches!(
        db.redeem_oauth_code(&refused, t, |_| false)
            .await
            .expect("refused"),
        CodeRedemption::Refused
    ));
    assert!(matches!(
        db.redeem_oauth_code(&refused, t, |_| true)
            .await
            .expect("retry"),
        CodeRedemption::Reused
    ));
}

async fn concurrent_redemptions_issue_one_grant(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t = now();
    let code = code(&db, notes.id, alice.id, c.id, t).await;
    let attempts = (0..4).map(|_| {
        let db = db.clone();
        let code = code.clone();
        tokio::spawn(async move { db.redeem_oauth_code(&code, t, |_| true).await })
    });
    let mut issued = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        if let CodeRedemption::Issued(_) = attempt.await.expect("join").expect("redeem") {
            issued += 1;
        }
    }
    assert_eq!(issued, 1);
}

async fn refresh_rotates_and_reuse_revokes(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let (stranger, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t = now();
    let code = code(&db, notes.id, alice.id, c.id, t).await;
    let CodeRedemption::Issued(first) = db.redeem_oauth_code(&code, t, |_| true).await.expect("r")
    else {
        panic!("issued");
    };
    assert!(matches!(
        db.refresh_oauth_tokens(&first.refresh_token, stranger.id, t)
            .await
            .expect("x"),
        RefreshOutcome::Invalid
    ));
    let RefreshOutcome::Issued(second) = db
        .refresh_oauth_tokens(&first.refresh_token, c.id, t)
        .await
        .expect("rotate")
    else {
        panic!("rotated");
    };
    assert_eq!(
        db.authenticate_oauth_token(&first.access_token)
            .await
            .expect("a"),
        None
    );
    assert!(
        db.authenticate_oauth_token(&second.access_token)
            .await
            .expect("a")
            .is_some()
    );
    assert!(matches!(
        db.refresh_oauth_tokens(&first.refresh_token, c.id, t)
            .await
            .expect("reuse"),
        RefreshOutcome::Reused
    ));
    assert_eq!(
        db.authenticate_oauth_token(&second.access_token)
            .await
            .expect("a"),
        None
    );
    assert!(matches!(
        db.refresh_oauth_tokens(&second.refresh_token, c.id, t)
            .await
            .expect("dead"),
        RefreshOutcome::Invalid
    ));
}

async fn deleting_the_wiki_or_user_removes_everything(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let (c, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let t = now();
    for who in [&alice, &bob] {
        let code = code(&db, notes.id, who.id, c.id, t).await;
        db.redeem_oauth_code(&code, t, |_| true)
            .await
            .expect("redeem");
    }
    assert_eq!(
        db.list_oauth_grants(notes.id).await.expect("grants").len(),
        2
    );
    db.delete_user(bob.id).await.expect("delete bob");
    let left = db.list_oauth_grants(notes.id).await.expect("grants");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].user_handle, "alice");
    db.delete_wiki(&notes.slug).await.expect("delete wiki");
    assert!(
        db.list_oauth_grants(notes.id)
            .await
            .expect("grants")
            .is_empty()
    );
    assert_eq!(
        db.oauth_client(notes.id, &c.client_id)
            .await
            .expect("client"),
        None
    );
}

fn metadata_client(wiki_id: i64, name: &str, expires_at: i64) -> MetadataClient {
    MetadataClient {
        wiki_id,
        client_id: "https://app.example/oauth/client.json".into(),
        client_name: name.into(),
        redirect_uris: vec!["https://app.example/cb".into()],
        logo_uri: Some("https://app.example/logo.png".into()),
        client_uri: None,
        expires_at,
    }
}

/// A client metadata document's URL is a client at every wiki that meets it, kept per wiki; a
/// fresh fetch updates the row in place, so the grants people gave it stay.
async fn metadata_clients_are_kept_per_wiki_and_refreshed_in_place(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let other = wiki(&db, "other", &alice).await;
    let first = db
        .upsert_metadata_client(metadata_client(notes.id, "App", 100))
        .await
        .expect("keep");
    assert!(first.metadata_url && first.secret_hash.is_none());
    assert_eq!(first.auth_method, ClientAuthMethod::None);
    assert_eq!(first.expires_at, Some(100));
    let code = code(&db, notes.id, alice.id, first.id, now()).await;
    let CodeRedemption::Issued(tokens) = db
        .redeem_oauth_code(&code, now(), |_| true)
        .await
        .expect("redeem")
    else {
        panic!("no tokens");
    };
    let refreshed = db
        .upsert_metadata_client(metadata_client(notes.id, "App, renamed", 200))
        .await
        .expect("refresh");
    assert_eq!(refreshed.id, first.id, "same row");
    assert_eq!(refreshed.client_name, "App, renamed");
    assert_eq!(refreshed.expires_at, Some(200));
    assert!(
        db.authenticate_oauth_token(&tokens.access_token)
            .await
            .expect("auth")
            .is_some(),
        "the grant survived the refresh"
    );
    let elsewhere = db
        .upsert_metadata_client(metadata_client(other.id, "App", 100))
        .await
        .expect("other wiki");
    assert_ne!(elsewhere.id, first.id, "a row per wiki");
}

/// Access tokens live the wiki's lifetime as it is when they are issued, and carry the resource
/// their grant was approved for.
async fn tokens_live_as_long_as_the_wiki_says_and_keep_their_resource(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    assert_eq!(
        notes.oauth_access_lifetime_secs,
        DEFAULT_ACCESS_LIFETIME_SECS
    );
    let (client, _) = client(&db, notes.id, ClientAuthMethod::None).await;
    let issue = |db: Db| {
        let client = client.id;
        async move {
            let code = code(&db, notes.id, alice.id, client, now()).await;
            match db
                .redeem_oauth_code(&code, now(), |_| true)
                .await
                .expect("redeem")
            {
                CodeRedemption::Issued(tokens) => tokens,
                other => panic!("{other:?}"),
            }
        }
    };
    let tokens = issue(db.clone()).await;
    assert_eq!(tokens.access_lifetime_secs, DEFAULT_ACCESS_LIFETIME_SECS);
    assert_eq!(
        tokens.resource.as_deref(),
        Some("https://notes.robot.wtf/mcp")
    );
    let access = db
        .authenticate_oauth_token(&tokens.access_token)
        .await
        .expect("auth")
        .expect("live");
    assert_eq!(
        access.resource.as_deref(),
        Some("https://notes.robot.wtf/mcp")
    );

    assert!(
        db.set_oauth_access_lifetime(&notes.slug, 1234)
            .await
            .is_err()
    );
    let changed = db
        .set_oauth_access_lifetime(&notes.slug, 3600)
        .await
        .expect("set");
    assert_eq!(changed.oauth_access_lifetime_secs, 3600);
    let tokens = issue(db.clone()).await;
    assert_eq!(tokens.access_lifetime_secs, 3600);
    let RefreshOutcome::Issued(rotated) = db
        .refresh_oauth_tokens(&tokens.refresh_token, client.id, now())
        .await
        .expect("refresh")
    else {
        panic!("refresh refused");
    };
    assert_eq!(rotated.access_lifetime_secs, 3600);
    assert_eq!(
        db.oauth_refresh_resource(&rotated.refresh_token, client.id)
            .await
            .expect("resource"),
        Some(Some("https://notes.robot.wtf/mcp".into()))
    );
}
