use robot_platform::{AccessLevel, AccessSettings, Db, NewWiki, PlatformError, Role};

use crate::{db_tests, slug, user, wiki};

db_tests!(
    create_find_list_wikis,
    duplicate_slugs_are_refused,
    unknown_owner_is_not_found,
    update_wiki_settings,
    delete_wiki_cascades_to_members,
    visibility_follows_the_policy,
);

async fn create_find_list_wikis(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = db
        .create_wiki(NewWiki {
            slug: slug("notes"),
            display_name: "Notes".into(),
            description: "Things to remember".into(),
            owner_id: alice.id,
        })
        .await
        .expect("create");
    assert_eq!(notes.slug.as_str(), "notes");
    assert_eq!(notes.display_name, "Notes");
    assert_eq!(notes.description, "Things to remember");
    assert_eq!(notes.owner_id, alice.id);
    assert_eq!(
        notes.access,
        AccessSettings::default(),
        "private by default"
    );
    assert!(notes.created_at > 1_600_000_000);

    let blog = wiki(&db, "a-blog", &alice).await;
    assert_eq!(
        db.wiki_by_slug(&slug("notes")).await.expect("q"),
        Some(notes.clone())
    );
    assert_eq!(db.wiki_by_slug(&slug("missing")).await.expect("q"), None);
    assert_eq!(db.list_wikis().await.expect("list"), vec![blog, notes]);
}

async fn duplicate_slugs_are_refused(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    wiki(&db, "notes", &alice).await;
    let err = db
        .create_wiki(NewWiki {
            slug: slug("notes"),
            display_name: "Mine".into(),
            description: String::new(),
            owner_id: bob.id,
        })
        .await
        .expect_err("dup");
    assert!(
        matches!(&err, PlatformError::WikiExists(s) if s == "notes"),
        "{err:?}"
    );
    assert_eq!(db.list_wikis().await.expect("list").len(), 1);
}

async fn unknown_owner_is_not_found(db: Db) {
    let err = db
        .create_wiki(NewWiki {
            slug: slug("orphan"),
            display_name: "Orphan".into(),
            description: String::new(),
            owner_id: 77,
        })
        .await
        .expect_err("no owner");
    assert!(matches!(err, PlatformError::NotFound("user")), "{err:?}");
}

async fn update_wiki_settings(db: Db) {
    let alice = user(&db, "alice").await;
    let notes = wiki(&db, "notes", &alice).await;
    let open = AccessSettings {
        read: AccessLevel::Anonymous,
        write: AccessLevel::Registered,
        attachments: AccessLevel::Admin,
    };
    let updated = db
        .update_wiki(&notes.slug, "Renamed", "About things", &open)
        .await
        .expect("update");
    assert_eq!(updated.id, notes.id);
    assert_eq!(updated.display_name, "Renamed");
    assert_eq!(updated.description, "About things");
    assert_eq!(updated.access, open);
    assert_eq!(updated.created_at, notes.created_at);
    assert_eq!(
        db.wiki_by_slug(&notes.slug).await.expect("q"),
        Some(updated)
    );

    let err = db
        .update_wiki(&slug("missing"), "x", "", &open)
        .await
        .expect_err("missing");
    assert!(matches!(err, PlatformError::NotFound("wiki")), "{err:?}");
}

async fn delete_wiki_cascades_to_members(db: Db) {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let notes = wiki(&db, "notes", &alice).await;
    let other = wiki(&db, "other", &alice).await;
    db.set_member(notes.id, bob.id, Role::Editor)
        .await
        .expect("member");
    db.set_member(other.id, bob.id, Role::Viewer)
        .await
        .expect("member");

    assert!(db.delete_wiki(&notes.slug).await.expect("delete"));
    assert!(!db.delete_wiki(&notes.slug).await.expect("delete again"));
    assert_eq!(db.wiki_by_slug(&notes.slug).await.expect("q"), None);
    assert_eq!(db.membership(notes.id, bob.id).await.expect("q"), None);
    assert!(db.list_members(notes.id).await.expect("list").is_empty());
    // Re-creating the name starts with no members.
    let again = wiki(&db, "notes", &alice).await;
    assert!(db.list_members(again.id).await.expect("list").is_empty());
    assert_eq!(db.membership(again.id, bob.id).await.expect("q"), None);
    // The other wiki is untouched.
    assert_eq!(
        db.membership(other.id, bob.id).await.expect("q"),
        Some(Role::Viewer)
    );
}

async fn visibility_follows_the_policy(db: Db) {
    let owner = user(&db, "owner").await;
    let viewer = user(&db, "viewer").await;
    let stranger = user(&db, "stranger").await;
    let admin = user(&db, "admin").await;
    db.set_platform_admin(admin.id, true).await.expect("admin");
    let admin = db.user_by_id(admin.id).await.expect("q").expect("exists");

    let level = |read| AccessSettings {
        read,
        ..AccessSettings::default()
    };
    let private = wiki(&db, "private", &owner).await;
    let public = wiki(&db, "public", &owner).await;
    let members = wiki(&db, "members", &owner).await;
    let staff = wiki(&db, "staff", &owner).await;
    db.update_wiki(&public.slug, "Public", "", &level(AccessLevel::Anonymous))
        .await
        .expect("update");
    db.update_wiki(
        &members.slug,
        "Members",
        "",
        &level(AccessLevel::Registered),
    )
    .await
    .expect("update");
    db.update_wiki(&staff.slug, "Staff", "", &level(AccessLevel::Admin))
        .await
        .expect("update");
    db.set_member(private.id, viewer.id, Role::Viewer)
        .await
        .expect("member");
    db.set_member(staff.id, viewer.id, Role::Viewer)
        .await
        .expect("member");

    let names = |wikis: Vec<robot_platform::Wiki>| {
        wikis
            .into_iter()
            .map(|w| w.slug.to_string())
            .collect::<Vec<_>>()
    };
    let anonymous = db.wikis_visible_to(None).await.expect("q");
    assert_eq!(names(anonymous), ["public"]);
    let s = db.wikis_visible_to(Some(&stranger)).await.expect("q");
    assert_eq!(names(s), ["members", "public"]);
    // Platform admins see what any signed-in user sees.
    let a = db.wikis_visible_to(Some(&admin)).await.expect("q");
    assert_eq!(names(a), ["members", "public"]);
    // A viewer of an admin-only wiki cannot read it, so it is not listed.
    let v = db.wikis_visible_to(Some(&viewer)).await.expect("q");
    assert_eq!(names(v), ["members", "private", "public"]);
    let o = db.wikis_visible_to(Some(&owner)).await.expect("q");
    assert_eq!(names(o), ["members", "private", "public", "staff"]);

    db.set_member(staff.id, viewer.id, Role::Admin)
        .await
        .expect("promote");
    let v = db.wikis_visible_to(Some(&viewer)).await.expect("q");
    assert_eq!(names(v), ["members", "private", "public", "staff"]);
}
