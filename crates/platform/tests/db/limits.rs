use robot_platform::{Db, PlatformError, QuotaOverride};

use crate::{db_tests, slug, user, wiki};

db_tests!(
    quota_overrides_are_set_changed_and_cleared,
    usage_is_recorded_per_wiki_and_dies_with_it,
);

async fn quota_overrides_are_set_changed_and_cleared(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let other = wiki(&db, "other", &alice).await;
    assert_eq!(
        db.quota_override(notes.id).await.expect("q"),
        QuotaOverride::default()
    );
    let big = QuotaOverride {
        max_bytes: Some(u64::MAX),
        max_pages: Some(2000),
    };
    db.set_quota_override(&slug("notes"), big)
        .await
        .expect("set");
    assert_eq!(
        db.quota_override(notes.id).await.expect("q"),
        QuotaOverride {
            max_bytes: Some(i64::MAX as u64),
            max_pages: Some(2000)
        },
        "sizes past SQLite's range are clamped"
    );
    let pages_only = QuotaOverride {
        max_bytes: None,
        max_pages: Some(10),
    };
    db.set_quota_override(&slug("notes"), pages_only)
        .await
        .expect("change");
    assert_eq!(db.quota_override(notes.id).await.expect("q"), pages_only);
    assert_eq!(
        db.quota_override(other.id).await.expect("q"),
        QuotaOverride::default(),
        "one wiki's override is not another's"
    );
    db.set_quota_override(&slug("notes"), QuotaOverride::default())
        .await
        .expect("clear");
    assert_eq!(
        db.quota_override(notes.id).await.expect("q"),
        QuotaOverride::default()
    );
    assert!(matches!(
        db.set_quota_override(&slug("nowhere"), pages_only).await,
        Err(PlatformError::NotFound("wiki"))
    ));
}

async fn usage_is_recorded_per_wiki_and_dies_with_it(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let other = wiki(&db, "other", &alice).await;
    assert_eq!(db.usage(notes.id).await.expect("q"), None);
    db.record_usage("notes", 1234, 5).await.expect("record");
    db.record_usage("notes", 2345, 6).await.expect("update");
    db.record_usage("ghost", 1, 1)
        .await
        .expect("unknown slugs are ignored");
    let usage = db.usage(notes.id).await.expect("q").expect("recorded");
    assert_eq!((usage.bytes, usage.pages), (2345, 6));
    assert!(usage.updated_at > 1_600_000_000);
    assert_eq!(db.usage(other.id).await.expect("q"), None);
    db.set_quota_override(
        &slug("notes"),
        QuotaOverride {
            max_bytes: Some(1),
            max_pages: None,
        },
    )
    .await
    .expect("set");
    assert!(db.delete_wiki(&slug("notes")).await.expect("delete"));
    assert_eq!(db.usage(notes.id).await.expect("q"), None, "cascaded");
    assert_eq!(
        db.quota_override(notes.id).await.expect("q"),
        QuotaOverride::default()
    );
}
