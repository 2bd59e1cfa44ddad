//! Page views answer `If-None-Match` with 304 after one ref read, and views are served whole
//! from memory to the viewer they were made for; a commit, a settings change, another viewer or
//! a flash message each get a fresh page.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Reply, World, make_wiki, send, world};
use robot_platform::Slug;
use robot_platform::policy::{AccessLevel, AccessSettings};
use robot_store::{Author, Change, CommitRequest, RepoPath};

const WIKI: &str = "notes.localhost:8080";

async fn get(w: &World, path: &str, cookie: Option<&str>, tag: Option<&str>) -> Reply {
    let mut req = Request::get(path)
        .header(header::HOST, WIKI)
        .header(header::ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(tag) = tag {
        req = req.header(header::IF_NONE_MATCH, tag);
    }
    send(&w.state, req.body(Body::empty()).expect("request")).await
}

fn etag(reply: &Reply) -> String {
    reply
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no ETag: {:?}", reply.headers))
        .to_string()
}

fn cache_control(reply: &Reply) -> &str {
    reply
        .headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn publish(w: &World, name: &str) {
    let access = AccessSettings {
        read: AccessLevel::Anonymous,
        write: AccessLevel::Approved,
        attachments: AccessLevel::Approved,
    };
    w.state
        .db
        .update_wiki(&Slug::parse("notes").expect("slug"), name, "", &access)
        .await
        .expect("update");
}

async fn edit_home(w: &World, text: &str) {
    let wiki = w.state.store.wiki("notes").expect("wiki");
    let text = text.to_string();
    tokio::task::spawn_blocking(move || {
        wiki.commit(CommitRequest {
            author: Author::new("Ada", "ada@example.org"),
            message: "edit".into(),
            base: None,
            changes: vec![Change::Write {
                path: RepoPath::parse("Home.md").expect("path"),
                content: text.into_bytes(),
            }],
        })
        .expect("commit");
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn anonymous_views_of_a_public_wiki_revalidate_and_come_from_memory() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    publish(&w, "Notes").await;
    edit_home(&w, "# Home\n\nFirst words.\n").await;

    let first = get(&w, "/Home", None, None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text.contains("First words."));
    let tag = etag(&first);
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(cache_control(&first), "no-cache");
    assert!(w.state.views.bytes() > 0, "the anonymous view is kept");

    let again = get(&w, "/Home", None, None).await;
    assert_eq!(again.text, first.text, "served from memory, same bytes");
    assert_eq!(etag(&again), tag);

    let unchanged = get(&w, "/Home", None, Some(&tag)).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert!(unchanged.text.is_empty());
    assert_eq!(etag(&unchanged), tag);
    let listed = get(&w, "/Home", None, Some(&format!("\"other\", {tag}"))).await;
    assert_eq!(listed.status, StatusCode::NOT_MODIFIED);

    // A commit anywhere in the wiki moves the head: a new page and a new validator.
    edit_home(&w, "# Home\n\nSecond words.\n").await;
    let changed = get(&w, "/Home", None, Some(&tag)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.text.contains("Second words."));
    assert_ne!(etag(&changed), tag);

    // So does a settings change (the name is in the page).
    let before = etag(&changed);
    publish(&w, "Renamed Notes").await;
    let renamed = get(&w, "/Home", None, Some(&before)).await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert!(renamed.text.contains("Renamed Notes"));

    // An old revision is not the head view: no validator, rendered as asked.
    let head = w
        .state
        .store
        .wiki("notes")
        .expect("wiki")
        .head()
        .expect("head");
    let old = get(
        &w,
        &format!("/Home?revision={}", head.expect("commit")),
        None,
        Some(&tag),
    )
    .await;
    assert_eq!(old.status, StatusCode::OK);
}

#[tokio::test]
async fn signed_in_views_are_kept_for_their_viewer_only() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    publish(&w, "Notes").await;
    let anonymous = get(&w, "/Home", None, None).await;
    let bytes = w.state.views.bytes();
    let token = robot_server::session::issue_token(&w.state, &w.alice).expect("token");
    let cookie =
        format!("robot_session={token}; robot_csrf=first-browser-csrf-token-0123456789abcdef");
    let signed_in = get(&w, "/Home", Some(&cookie), Some(&etag(&anonymous))).await;
    assert_eq!(
        signed_in.status,
        StatusCode::OK,
        "an anonymous validator never answers for a signed-in viewer"
    );
    assert!(signed_in.text.contains("Log out"));
    assert!(signed_in.text.contains(&w.alice.display_name));
    assert_eq!(cache_control(&signed_in), "private, no-cache");
    assert!(w.state.views.bytes() > bytes, "the signed-in page is kept");
    let tag = etag(&signed_in);
    let again = get(&w, "/Home", Some(&cookie), Some(&tag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let kept = get(&w, "/Home", Some(&cookie), None).await;
    assert_eq!(kept.text, signed_in.text, "served from memory, same bytes");
    // Another browser of the same person (another CSRF token in the page) gets its own page.
    let other =
        format!("robot_session={token}; robot_csrf=second-browser-csrf-token-0123456789abcdef");
    let other_browser = get(&w, "/Home", Some(&other), Some(&tag)).await;
    assert_eq!(other_browser.status, StatusCode::OK);
    assert!(other_browser.text.contains("second-browser-csrf-token"));
    assert!(!other_browser.text.contains("first-browser-csrf-token"));

    // Another person never sees the first one's page, even with the same CSRF cookie.
    let bob_token = robot_server::session::issue_token(&w.state, &w.bob).expect("token");
    let bob_cookie =
        format!("robot_session={bob_token}; robot_csrf=first-browser-csrf-token-0123456789abcdef");
    let bob = get(&w, "/Home", Some(&bob_cookie), Some(&tag)).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert!(bob.text.contains(&w.bob.display_name));
    assert_ne!(etag(&bob), tag);

    // A flash message is shown once: never answered from a validator.
    let flash = format!("{cookie}; robot_flash=ok%3ASaved");
    let flashed = get(&w, "/Home", Some(&flash), Some(&tag)).await;
    assert_eq!(flashed.status, StatusCode::OK);
    assert!(flashed.headers.get(header::ETAG).is_none());
}

#[tokio::test]
async fn private_wikis_answer_no_validator_to_strangers() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let stranger = get(&w, "/Home", None, Some("*")).await;
    assert_ne!(stranger.status, StatusCode::NOT_MODIFIED);
    assert_ne!(stranger.status, StatusCode::OK);
    assert!(stranger.headers.get(header::ETAG).is_none());
}
