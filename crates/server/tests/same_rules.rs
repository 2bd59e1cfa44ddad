//! One set of rules on every surface (issue 10): the same attachment goes through the browser's
//! upload form, the REST API and the MCP tool, and each surface accepts or refuses it alike —
//! size, file name, a missing page — each in its own error form, with nothing written when it
//! refuses; what is accepted gets the same default commit message (An Otter Wiki's).

use axum::http::{Method, StatusCode};
use serde_json::json;

mod api_support;

use api_support::{Api, NOTES, Reply, b64, common};

/// How a surface answered.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Stored,
    Refused,
}

async fn rest(api: &Api, page: &str, name: &str, bytes: &[u8]) -> Reply {
    api.call(
        Method::POST,
        &format!("/api/v1/pages/{page}/attachments"),
        Some(json!({"filename": name, "content": b64(bytes)})),
    )
    .await
}

async fn mcp(api: &Api, page: &str, name: &str, bytes: &[u8]) -> Reply {
    let args = json!({"path": page, "filename": name, "content": b64(bytes)});
    common::mcp_tool_call(&api.state, NOTES, &api.token, "upload_attachment", args).await
}

fn browser_answer(reply: &Reply) -> Answer {
    match reply.status {
        StatusCode::SEE_OTHER => Answer::Stored,
        s if s.is_client_error() => Answer::Refused,
        other => panic!("browser: unexpected {other}: {reply:?}"),
    }
}

fn rest_answer(reply: &Reply) -> Answer {
    match reply.status {
        StatusCode::CREATED => Answer::Stored,
        s if s.is_client_error() => Answer::Refused,
        other => panic!("REST: unexpected {other}: {reply:?}"),
    }
}

fn mcp_answer(reply: &Reply) -> Answer {
    assert_eq!(reply.status, StatusCode::OK, "MCP transport: {reply:?}");
    match reply.json["result"]["isError"].as_bool() {
        Some(false) => Answer::Stored,
        Some(true) => Answer::Refused,
        None => panic!("MCP: no result: {reply:?}"),
    }
}

#[tokio::test]
async fn attachments_follow_one_set_of_rules_on_every_surface() {
    let api = Api::new().await;
    api.put_page("Docs", "# Docs\n").await;
    let limit = robot_server::notes::MAX_ATTACHMENT_BYTES;
    let big = vec![b'x'; limit + 1];
    let cases: [(&str, &str, &[u8], Answer); 4] = [
        ("Docs", "notes.txt", b"hello", Answer::Stored),
        ("Docs", "sub.md", b"# not an attachment", Answer::Refused),
        ("Docs", "huge.bin", &big, Answer::Refused),
        ("Missing_Page", "a.txt", b"x", Answer::Refused),
    ];
    for (page, name, bytes, expected) in cases {
        let before = api.commits().await;
        // Accepted files differ per surface (the same bytes again would change nothing and
        // make no commit).
        let payload = |surface: &str| match expected {
            Answer::Stored => [bytes, surface.as_bytes()].concat(),
            Answer::Refused => bytes.to_vec(),
        };
        let answers = [
            (
                "browser",
                browser_answer(&api.browser_upload(page, name, &payload("browser")).await),
            ),
            (
                "REST",
                rest_answer(&rest(&api, page, name, &payload("REST")).await),
            ),
            (
                "MCP",
                mcp_answer(&mcp(&api, page, name, &payload("MCP")).await),
            ),
        ];
        for (surface, answer) in &answers {
            assert_eq!(answer, &expected, "{surface}: {page}/{name}");
        }
        let after = api.commits().await;
        match expected {
            Answer::Refused => assert_eq!(after, before, "{page}/{name}: nothing written"),
            Answer::Stored => assert_eq!(after, before + 3, "one commit per surface"),
        }
    }
    // The same default message everywhere (the surface's prefix aside): a second upload of a
    // file replaces it.
    let log = api.get("/api/v1/changelog?limit=3").await;
    let messages: Vec<String> = log.json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        messages,
        [
            "[mcp] Updated attachment: notes.txt.",
            "[api] Updated attachment: notes.txt.",
            "Added attachment(s): notes.txt.",
        ],
        "{log:?}"
    );
}
