//! Regression tests for the platform findings of the security audit (issue 17): each reproduces
//! the attack through the real router and checks that it is now refused. Findings 2 and 12
//! (OAuth) are in `oauth.rs`; the others sit next to the code they concern.

use axum::http::{Method, StatusCode};
use robot_platform::policy::{AccessSettings, Role};
use robot_platform::{Slug, TokenRole};
use robot_server::AppState;
use serde_json::json;

mod api_support;

use api_support::common::{self, Reply, browser::Browser};
use api_support::{Api, NOTES};

const PLATFORM: &str = "localhost:8080";

/// A GET of `path` on `host` by a browser holding exactly this session token.
async fn get_with_session(state: &AppState, host: &str, path: &str, token: &str) -> Reply {
    let mut browser = Browser::new();
    browser.set(host, "robot_session", token);
    browser.get(state, host, path).await
}

/// Audit finding 1 (HIGH): user ids were reused, so a deleted account's session token signed
/// in as the next new user, who could then read their private wiki and mint tokens on it.
#[tokio::test]
async fn finding_1_a_deleted_accounts_session_never_signs_in_the_next_user() {
    let world = common::world().await;
    let state = &world.state;
    let leaver = state
        .db
        .create_user("leaver", "Leaver")
        .await
        .expect("user");
    let kept_token = robot_server::session::issue_token(state, &leaver).expect("token");
    assert!(state.db.delete_user(leaver.id).await.expect("delete"));
    let newcomer = state
        .db
        .create_user("newcomer", "Newcomer")
        .await
        .expect("user");
    assert_ne!(newcomer.id, leaver.id, "ids are never handed out twice");
    common::make_wiki(state, "diary", &newcomer).await;
    let wiki = get_with_session(state, "diary.localhost:8080", "/Home", &kept_token).await;
    assert_ne!(wiki.status, StatusCode::OK, "{wiki:?}");
    assert!(!wiki.text.contains("Getting Started"), "{wiki:?}");
    let me = get_with_session(state, PLATFORM, "/api/me", &kept_token).await;
    assert!(me.status.is_client_error(), "{me:?}");
    assert!(!me.text.contains("newcomer"), "{me:?}");
}

/// Audit finding 4: a removed or demoted admin's API tokens kept working (write pages, read
/// private pages, push), and the token list did not say who minted each token.
#[tokio::test]
async fn finding_4_a_tokens_power_follows_its_creators_current_role() {
    let api = Api::new().await;
    let db = &api.state.db;
    db.set_member(api.notes.id, api.bob.id, Role::Admin)
        .await
        .expect("bob is an admin");
    let bobs = api
        .mint(&api.notes, &api.bob, "bobs-agent", TokenRole::Editor)
        .await;
    let write = |n: u32| json!({ "content": format!("written by bob's agent {n}\n") });
    let put = api
        .with(&bobs, Method::PUT, "/api/v1/pages/Agent", Some(write(1)))
        .await;
    assert!(put.status.is_success(), "an admin's token writes: {put:?}");

    db.set_member(api.notes.id, api.bob.id, Role::Viewer)
        .await
        .expect("demoted");
    let put = api
        .with(&bobs, Method::PUT, "/api/v1/pages/Agent2", Some(write(2)))
        .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN, "demoted: {put:?}");
    let read = api
        .with(&bobs, Method::GET, "/api/v1/pages/Home", None)
        .await;
    assert_eq!(
        read.status,
        StatusCode::OK,
        "a viewer still reads: {read:?}"
    );

    assert!(
        db.remove_member(api.notes.id, api.bob.id)
            .await
            .expect("removed")
    );
    let read = api
        .with(&bobs, Method::GET, "/api/v1/pages/Home", None)
        .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN, "removed: {read:?}");
    let put = api
        .with(&bobs, Method::PUT, "/api/v1/pages/Agent3", Some(write(3)))
        .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN, "removed: {put:?}");

    // The owner's list says who minted what.
    let jwt = robot_server::session::issue_token(&api.state, &api.alice).expect("jwt");
    let list = api
        .raw(
            PLATFORM,
            Method::GET,
            "/api/wikis/notes/tokens",
            Some(&jwt),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let minted_by = |name: &str| {
        list.json["tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == name)
            .map(|t| t["created_by"].clone())
    };
    assert_eq!(minted_by("bobs-agent"), Some(json!("bob")), "{list:?}");
    assert_eq!(minted_by("agent"), Some(json!("alice")), "{list:?}");
}

/// Follows redirects from `url` as `browser` until the platform hands out a handoff link for
/// the wiki host, and returns that link without opening it.
async fn handoff_link_for(state: &AppState, browser: &mut Browser, url: &str) -> String {
    let mut next = url.to_string();
    for _ in 0..6 {
        let (reply, location) = browser.step(state, &next).await;
        next = location.unwrap_or_else(|| panic!("{next} does not redirect: {reply:?}"));
        if next.contains("/-/auth/handoff/") {
            return next;
        }
    }
    panic!("no handoff link from {url}");
}

/// Audit finding 11: a handoff link was not bound to the browser that asked for it, so an
/// attacker could mint one for their own account and have a victim open it (login CSRF): the
/// victim then works in the attacker's account on that wiki host.
#[tokio::test]
async fn finding_11_a_handoff_link_only_signs_in_the_browser_that_asked_for_it() {
    let world = common::world().await;
    let state = &world.state;
    common::make_wiki(state, "notes", &world.alice).await;
    let start =
        "http://localhost:8080/auth/login?return_to=http%3A%2F%2Fnotes.localhost%3A8080%2FHome";

    let mut attacker = Browser::new();
    let bob_session = robot_server::session::issue_token(state, &world.bob).expect("token");
    attacker.set(PLATFORM, "robot_session", &bob_session);
    let link = handoff_link_for(state, &mut attacker, start).await;

    // The victim has even started a sign-in of their own on that host.
    let mut victim = Browser::new();
    let _ = victim.get(state, NOTES, "/-/auth/login?next=%2FHome").await;
    let path = link.trim_start_matches("http://notes.localhost:8080");
    let opened = victim.get(state, NOTES, path).await;
    assert_eq!(opened.status, StatusCode::FORBIDDEN, "{opened:?}");
    assert_eq!(victim.cookie(NOTES, "robot_session"), None);

    // The browser that asked for a link signs in with it.
    let link = handoff_link_for(state, &mut attacker, start).await;
    let path = link.trim_start_matches("http://notes.localhost:8080");
    let own = attacker.get(state, NOTES, path).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{own:?}");
    assert!(attacker.cookie(NOTES, "robot_session").is_some());
}

/// Audit finding 13: a private wiki's display name was shown to any signed-in non-member on
/// `/-/request-access` (and on the refusal page that links to it).
#[tokio::test]
async fn finding_13_nothing_of_a_private_wiki_is_shown_to_non_members() {
    let api = Api::new().await;
    api.state
        .db
        .update_wiki(
            &Slug::parse("notes").expect("slug"),
            "Project Nightingale",
            "Acquisition plans for Q3",
            &AccessSettings::default(),
        )
        .await
        .expect("rename");
    let bob_session = robot_server::session::issue_token(&api.state, &api.bob).expect("token");
    for path in ["/-/request-access", "/Home", "/"] {
        let reply = get_with_session(&api.state, NOTES, path, &bob_session).await;
        assert!(
            reply.status != StatusCode::OK || path == "/-/request-access",
            "{path}: {reply:?}"
        );
        assert!(!reply.text.contains("Nightingale"), "{path}: {reply:?}");
        assert!(!reply.text.contains("Acquisition"), "{path}: {reply:?}");
    }
    // Members still see it.
    let alice_session = robot_server::session::issue_token(&api.state, &api.alice).expect("token");
    let own = get_with_session(&api.state, NOTES, "/Home", &alice_session).await;
    assert!(own.text.contains("Project Nightingale"), "{own:?}");
}
