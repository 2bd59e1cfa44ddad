//! Optimistic concurrency cannot race: many clients writing the same line from the same revision
//! at once get exactly one success and conflicts for the rest; edits to different lines all land.

mod api_support;

use std::sync::Arc;

use api_support::Api;
use axum::http::{Method, StatusCode};
use serde_json::json;

const LINES: usize = 8;

fn page() -> String {
    let mut text = String::from("# Race\n");
    for i in 0..LINES {
        text.push_str(&format!("\nline {i}\n\nfiller {i}\n"));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_line_one_winner_different_lines_all_merge() {
    let api = Arc::new(Api::new().await);
    let base = api.put_page("Race", &page()).await;

    let mut same = Vec::new();
    for i in 0..LINES {
        let (api, base) = (Arc::clone(&api), base.clone());
        same.push(tokio::spawn(async move {
            let content = page().replace("line 0\n", &format!("line 0 by writer {i}\n"));
            let body = json!({ "content": content, "revision": base });
            api.call(Method::PUT, "/api/v1/pages/Race", Some(body))
                .await
        }));
    }
    let mut statuses = Vec::new();
    for task in same {
        let reply = task.await.expect("task");
        if reply.status == StatusCode::CONFLICT {
            assert_eq!(reply.code(), "conflict", "{reply:?}");
            assert!(reply.str("diff").contains("+line 0 by writer"), "{reply:?}");
        }
        statuses.push(reply.status);
    }
    let winners = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(winners, 1, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        LINES - 1
    );

    let now = api.get("/api/v1/pages/Race").await.str("revision");
    let mut different = Vec::new();
    for i in 1..LINES {
        let (api, now) = (Arc::clone(&api), now.clone());
        different.push(tokio::spawn(async move {
            let content = api.get("/api/v1/pages/Race").await.str("content");
            let content = content.replace(&format!("line {i}\n"), &format!("LINE {i}\n"));
            let body = json!({ "content": content, "revision": now });
            api.call(Method::PUT, "/api/v1/pages/Race", Some(body))
                .await
        }));
    }
    for task in different {
        let reply = task.await.expect("task");
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    let content = api.get("/api/v1/pages/Race").await.str("content");
    for i in 1..LINES {
        assert!(
            content.contains(&format!("LINE {i}\n")),
            "edit {i} was lost:\n{content}"
        );
    }
    assert!(content.contains("line 0 by writer"));
}
