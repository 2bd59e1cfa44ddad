//! A read costs the same at commit 10 and at commit 2,000: the git work of a page view and of an
//! MCP `read_note` is counted (repository handles borrowed, commits read or diffed by history
//! walks and the page log) on two wikis that differ only in the length of their history, and
//! must be equal. A count, not a timing: exact on any machine, and it fails the moment a read
//! walks history again.

mod mcp_support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mcp_support::{Harness, harness};
use robot_store::{Author, Change, CommitRequest, RepoPath, WorkCount};
use serde_json::json;

/// Commits that leave `Home` alone, then one that edits it, so its last change is recent and
/// the history behind it long.
async fn grow(h: &Harness, commits: usize) {
    let wiki = h.state.store.wiki("notes").expect("wiki");
    tokio::task::spawn_blocking(move || {
        let author = Author::new("Ada", "ada@example.org");
        for step in 0..commits {
            let (path, content) = if step == commits / 2 {
                (
                    "Home.md",
                    format!("# Home\n\nEdited at step {step}. See [[Log]].\n"),
                )
            } else {
                ("Log.md", format!("# Log\n\nEntry {step}.\n"))
            };
            wiki.commit(CommitRequest {
                author: author.clone(),
                message: format!("step {step}"),
                base: None,
                changes: vec![Change::Write {
                    path: RepoPath::parse(path).expect("path"),
                    content: content.into_bytes(),
                }],
            })
            .expect("commit");
        }
    })
    .await
    .expect("join");
}

async fn view_home(h: &Harness) {
    let req = Request::get("/Home")
        .header(header::HOST, mcp_support::NOTES)
        .header(header::AUTHORIZATION, format!("Bearer {}", h.editor))
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("request");
    let reply = h.send(req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("Edited at step"), "{}", reply.text);
}

async fn read_home(h: &Harness) {
    let reply = h.ok("read_note", json!({"path": "Home"})).await;
    assert!(reply.text.contains("Edited at step"), "{}", reply.text);
}

/// The work of: a page view and a `read_note` (warm), then the same after one new commit to
/// another page (the log and caches catch up with one commit).
async fn work_of_reads(commits: usize) -> Vec<WorkCount> {
    let h = harness().await;
    grow(&h, commits).await;
    let wiki = h.state.store.wiki("notes").expect("wiki");
    // First reads fill the caches (render, catalog, listing); what is measured comes after.
    view_home(&h).await;
    read_home(&h).await;
    let mut measured = Vec::new();
    for round in 0..2 {
        if round == 1 {
            grow_one_elsewhere(&h).await;
        }
        settle(&wiki).await;
        let before = wiki.work();
        view_home(&h).await;
        let after_view = wiki.work();
        read_home(&h).await;
        measured.push(after_view - before);
        measured.push(wiki.work() - after_view);
    }
    measured
}

/// Waits until the background work a commit sets off (usage recorder, search indexer,
/// maintainer) has stopped using the repository, so that only the reads are counted.
async fn settle(wiki: &robot_store::WikiRepo) {
    let mut last = wiki.work();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = wiki.work();
        if now == last {
            return;
        }
        last = now;
    }
}

async fn grow_one_elsewhere(h: &Harness) {
    let wiki = h.state.store.wiki("notes").expect("wiki");
    tokio::task::spawn_blocking(move || {
        wiki.commit(CommitRequest {
            author: Author::new("Ada", "ada@example.org"),
            message: "one more".into(),
            base: None,
            changes: vec![Change::Write {
                path: RepoPath::parse("Elsewhere.md").expect("path"),
                content: b"elsewhere\n".to_vec(),
            }],
        })
        .expect("commit");
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn a_page_view_and_read_note_do_the_same_work_at_10_and_2000_commits() {
    let short = work_of_reads(10).await;
    let long = work_of_reads(2_000).await;
    eprintln!("work per read: {short:?}");
    assert_eq!(
        short, long,
        "[view, read_note, view after a commit, read_note after it]: at 10 commits vs 2,000"
    );
    for work in &short {
        assert_eq!(work.commits_read, 0, "a read walks no history: {short:?}");
    }
}
