//! Private by default: a wiki created with default settings shows nothing of itself — pages,
//! attachments, history, feeds, search, links, usage, its name — to anonymous visitors or to
//! signed-in people who are not members, on any surface: browser pages, REST, MCP, git, the
//! landing page, the dashboard and the management API. (Its host answering
//! `/api/internal/check-slug` is by design: Caddy must be able to get it a certificate.)

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_store::{Author, Change, CommitRequest, RepoPath};
use serde_json::json;

mod dashboard_support;

use dashboard_support::{
    HTML, NOTES, PLATFORM, Reply, cookie, get_as as get, make_wiki, send, world,
};

/// Text that only the wiki holds: in a page, an attachment, a commit message and its name.
const MARKER: &str = "Quokka7731";

/// Wiki-host paths that would show some of the wiki.
const WIKI_PATHS: &[&str] = &[
    "/",
    "/Home",
    "/Quokka_Plans",
    "/Quokka_Plans/raw",
    "/Quokka_Plans/source",
    "/Quokka_Plans/history",
    "/Quokka_Plans/blame",
    "/Quokka_Plans/attachments",
    "/Quokka_Plans/a/plan.txt",
    "/Quokka_Plans/attachment/plan.txt",
    "/-/index",
    "/-/changelog",
    "/-/changelog/feed.rss",
    "/-/changelog/feed.atom",
    "/-/search?q=lives",
    "/-/admin",
    "/api/v1/pages",
    "/api/v1/pages/Quokka_Plans",
    "/api/v1/pages/Quokka_Plans/history",
    "/api/v1/pages/Quokka_Plans/sections",
    "/api/v1/pages/Quokka_Plans/attachments",
    "/api/v1/pages/Quokka_Plans/attachments/plan.txt",
    "/api/v1/search?q=lives",
    "/api/v1/semantic-search?q=lives&mode=keyword",
    "/api/v1/changelog",
    "/api/v1/links",
    "/api/v1/orphans",
    "/api/v1/usage",
    "/.git/info/refs?service=git-upload-pack",
];

/// Platform paths that list or describe wikis.
const PLATFORM_PATHS: &[&str] = &["/", "/app/", "/api/me", "/api/wikis", "/api/wikis/notes"];

/// Nothing of the wiki in the answer, and no success on the wiki host.
fn assert_hidden(who: &str, host: &str, path: &str, reply: &Reply) {
    assert!(
        !reply.text.contains(MARKER),
        "{who}: {host}{path} shows the wiki: {reply:?}"
    );
    if host == NOTES {
        assert!(
            matches!(
                reply.status,
                StatusCode::SEE_OTHER
                    | StatusCode::UNAUTHORIZED
                    | StatusCode::FORBIDDEN
                    | StatusCode::NOT_FOUND
            ),
            "{who}: {host}{path} answered {reply:?}"
        );
    }
}

#[tokio::test]
async fn a_new_wiki_is_invisible_to_outsiders_on_every_surface() {
    let w = world().await;
    let wiki = make_wiki(&w.state, "notes", &w.alice).await;
    w.state
        .db
        .update_wiki(
            &wiki.slug,
            &format!("{MARKER} research"),
            &format!("What {MARKER} knows"),
            &wiki.access,
        )
        .await
        .expect("rename");
    let repo = w.state.store.wiki("notes").expect("repo");
    repo.commit(CommitRequest {
        author: Author {
            name: "Alice".into(),
            email: "alice@example.com".into(),
        },
        message: format!("{MARKER} plans"),
        base: None,
        changes: vec![
            Change::Write {
                path: RepoPath::parse("Quokka Plans.md").expect("path"),
                content: format!("# Plans\n\n{MARKER} lives here. [[Home]]\n").into_bytes(),
            },
            Change::Write {
                path: RepoPath::parse("Quokka Plans/plan.txt").expect("path"),
                content: format!("{MARKER} attachment").into_bytes(),
            },
        ],
    })
    .expect("commit");
    // The owner sees it, so the paths lead somewhere and the check below can fail.
    for path in [
        "/Quokka_Plans",
        "/Quokka_Plans/a/plan.txt",
        "/-/search?q=lives",
        "/-/changelog",
        "/api/v1/search?q=lives",
    ] {
        let owner = get(&w, NOTES, path, Some(&w.alice), HTML).await;
        assert!(owner.text.contains(MARKER), "owner: {path}: {owner:?}");
    }

    for (who, user) in [("anonymous", None), ("signed-in non-member", Some(&w.bob))] {
        for path in WIKI_PATHS {
            for accept in [HTML, "application/json"] {
                let reply = get(&w, NOTES, path, user, accept).await;
                assert_hidden(who, NOTES, path, &reply);
            }
        }
        // Who am I answers everyone, without the wiki's name.
        let reply = get(&w, NOTES, "/api/v1/whoami", user, "application/json").await;
        assert!(!reply.text.contains(MARKER), "{who}: whoami {reply:?}");
        assert_eq!(reply.json["permissions"]["read"], false, "{who}: {reply:?}");
        for path in PLATFORM_PATHS {
            let reply = get(&w, PLATFORM, path, user, HTML).await;
            assert_hidden(who, PLATFORM, path, &reply);
        }
        // MCP: a browser session is no credential, so nothing is listed or read.
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/mcp")
            .header(header::HOST, NOTES)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream");
        if let Some(user) = user {
            req = req.header(header::COOKIE, cookie(&w, user));
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "read_note", "arguments": {"path": "Quokka Plans"}}});
        let reply = send(
            &w.state,
            req.body(Body::from(body.to_string())).expect("req"),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{who}: MCP {reply:?}"
        );
        assert_hidden(who, NOTES, "/mcp", &reply);
    }
}
