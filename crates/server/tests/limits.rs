//! Quotas and rate limits through the real router: over-quota writes on every surface (UI form,
//! UI upload, REST, REST upload, MCP) get 413 and commit nothing, deleting works over quota,
//! usage is recorded after commits, and bursts get 429 with `Retry-After` and change nothing.

mod api_support;

use std::time::Duration;

use api_support::{Api, NOTES, Reply, b64, common};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::{QuotaOverride, Slug, TokenRole};
use robot_server::limits::{Rate, Rates};
use serde_json::{Value, json};

fn notes_slug() -> Slug {
    Slug::parse("notes").expect("slug")
}

/// The head of `notes`, straight from the repository.
fn head(api: &Api) -> String {
    api.state
        .store
        .wiki("notes")
        .expect("wiki")
        .head()
        .expect("head")
        .map(|c| c.to_string())
        .unwrap_or_default()
}

async fn set_quota(api: &Api, max_bytes: Option<u64>, max_pages: Option<u64>) {
    api.state
        .db
        .set_quota_override(
            &notes_slug(),
            QuotaOverride {
                max_bytes,
                max_pages,
            },
        )
        .await
        .expect("quota");
}

/// A `tools/call` on `notes`'s MCP endpoint with `token`; returns the tool result.
async fn mcp(api: &Api, token: &str, tool: &str, args: Value) -> Value {
    let reply = common::mcp_tool_call(&api.state, NOTES, token, tool, args).await;
    assert_eq!(reply.status, StatusCode::OK, "{tool}: {reply:?}");
    reply.json["result"].clone()
}

fn assert_quota_refusal(what: &str, reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{what}: {reply:?}"
    );
    assert!(
        reply.text.contains("quota") && reply.text.contains("nothing was saved"),
        "{what}: the message says what happened: {reply:?}"
    );
}

fn assert_mcp_quota_refusal(what: &str, result: &Value) {
    assert_eq!(result["isError"], true, "{what}: {result}");
    assert_eq!(
        result["structuredContent"]["error"], "quota_exceeded",
        "{what}: {result}"
    );
}

#[tokio::test]
async fn a_full_page_quota_refuses_new_pages_on_every_surface() {
    let api = Api::new().await;
    let usage = api.get("/api/v1/usage").await;
    assert_eq!(usage.status, StatusCode::OK, "{usage:?}");
    let pages = usage.json["pages"].as_u64().expect("pages");
    assert_eq!(usage.json["max_pages"], 500, "the default quota");
    set_quota(&api, None, Some(pages)).await;
    let before = (head(&api), api.commits().await);

    let rest = api
        .call(
            Method::PUT,
            "/api/v1/pages/Brand_New",
            Some(json!({"content": "# New\n"})),
        )
        .await;
    assert_quota_refusal("REST create", &rest);
    assert_eq!(rest.code(), "quota_exceeded");
    assert!(
        rest.str("message")
            .contains(&format!("{pages} pages and its quota is {pages}")),
        "{rest:?}"
    );

    let tool = mcp(
        &api,
        &api.token,
        "write_note",
        json!({"path": "Brand New", "content": "# New\n"}),
    )
    .await;
    assert_mcp_quota_refusal("MCP write_note", &tool);

    let ui = api
        .browser_post(&api.alice, "/Brand_New/save", &[("content", "# New\n")])
        .await;
    assert_quota_refusal("UI save", &ui);
    assert!(ui.text.contains("<html"), "browsers get a page: {ui:?}");

    let rename_into_new = api
        .call(
            Method::PATCH,
            "/api/v1/pages/Home",
            Some(json!({"op": "append", "text": "more\n"})),
        )
        .await;
    assert_eq!(
        rename_into_new.status,
        StatusCode::OK,
        "editing an existing page keeps the count: {rename_into_new:?}"
    );
    let after_edit = head(&api);
    assert_ne!(after_edit, before.0);
    assert_eq!(api.commits().await, before.1 + 1, "only the edit committed");
}

#[tokio::test]
async fn a_full_disk_quota_refuses_growth_everywhere_but_deleting_works() {
    let api = Api::new().await;
    set_quota(&api, Some(1), None).await;
    let before = (head(&api), api.commits().await);

    let rest = api
        .call(
            Method::PATCH,
            "/api/v1/pages/Home",
            Some(json!({"op": "append", "text": "more\n"})),
        )
        .await;
    assert_quota_refusal("REST edit", &rest);
    assert!(rest.str("message").contains("wiki is full"), "{rest:?}");

    let upload = api
        .call(
            Method::POST,
            "/api/v1/pages/Home/attachments",
            Some(json!({"filename": "a.bin", "content": b64(&[1, 2, 3])})),
        )
        .await;
    assert_quota_refusal("REST upload", &upload);

    let tool = mcp(
        &api,
        &api.token,
        "upload_attachment",
        json!({"path": "Home", "filename": "a.bin", "content": b64(&[1, 2, 3])}),
    )
    .await;
    assert_mcp_quota_refusal("MCP upload_attachment", &tool);
    let tool = mcp(
        &api,
        &api.token,
        "edit_note",
        json!({"path": "Home", "operation": "append", "content": "x"}),
    )
    .await;
    assert_mcp_quota_refusal("MCP edit_note", &tool);

    let ui = api.browser_upload("Home", "a.bin", &[1, 2, 3]).await;
    assert_quota_refusal("UI upload", &ui);
    let ui = api
        .browser_post(
            &api.alice,
            "/Home/save",
            &[("content", "# Home\nchanged\n")],
        )
        .await;
    assert_quota_refusal("UI save", &ui);

    assert_eq!(head(&api), before.0, "nothing was committed");
    assert_eq!(api.commits().await, before.1);

    // Deleting gets the wiki back under its quota, on every surface.
    let deleted = api
        .call(Method::DELETE, "/api/v1/pages/Agent_Guide", None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    let tool = mcp(
        &api,
        &api.token,
        "delete_note",
        json!({"path": "Getting Started"}),
    )
    .await;
    assert_eq!(tool["isError"], false, "{tool}");
    let ui = api
        .browser_post(&api.alice, "/Administration/delete", &[])
        .await;
    assert_eq!(ui.status, StatusCode::SEE_OTHER, "{ui:?}");
    assert_eq!(api.commits().await, before.1 + 3);
}

#[tokio::test]
async fn usage_is_recorded_after_every_commit() {
    let api = Api::new().await;
    let recorded = |api: &Api| {
        let db = api.state.db.clone();
        let id = api.notes.id;
        async move { db.usage(id).await.expect("usage") }
    };
    let first = recorded(&api)
        .await
        .expect("recorded when the wiki was created");
    assert!(first.bytes > 0 && first.pages > 0, "{first:?}");

    // Incompressible content, so the repository visibly grows.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let big: String = (0..40_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            char::from(b'a' + (seed % 26) as u8)
        })
        .collect();
    api.put_page("Big", &big).await;
    let mut latest = first;
    for _ in 0..100 {
        latest = recorded(&api).await.expect("recorded");
        if latest.pages == first.pages + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(latest.pages, first.pages + 1, "the commit was recorded");
    assert!(
        latest.bytes >= first.bytes + 20_000,
        "{first:?} → {latest:?}"
    );
    let live = api.get("/api/v1/usage").await;
    assert_eq!(live.json["pages"], latest.pages);
    let on_disk = api
        .state
        .store
        .wiki("notes")
        .expect("wiki")
        .usage()
        .expect("usage");
    assert_eq!(live.json["bytes"], on_disk.bytes);
    assert!(live.str("summary").contains("of 50.0 MiB"), "{live:?}");

    // The settings page shows it.
    let req = Request::get("/-/admin")
        .header(header::HOST, NOTES)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, api.cookie(&api.alice))
        .body(Body::empty())
        .expect("request");
    let admin = common::send(&api.state, req).await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(
        admin
            .text
            .contains(&format!("{} of 500 pages", latest.pages)),
        "{admin:?}"
    );
}

fn retry_after(reply: &Reply) -> u64 {
    reply
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {reply:?}"))
}

#[tokio::test]
async fn write_bursts_get_429_with_retry_after_and_change_nothing() {
    let api = Api::with_rates(Rates {
        write: Rate::new(3, 1, Duration::from_secs(60)),
        ..Rates::unlimited()
    })
    .await;
    for n in 0..3 {
        let reply = api
            .call(
                Method::PUT,
                &format!("/api/v1/pages/Burst_{n}"),
                Some(json!({"content": "x\n"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    }
    let before = (head(&api), api.commits().await);
    let refused = api
        .call(
            Method::PUT,
            "/api/v1/pages/Burst_3",
            Some(json!({"content": "x\n"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{refused:?}");
    assert_eq!(refused.code(), "rate_limited");
    let wait = retry_after(&refused);
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        refused.str("message").contains("Try again in"),
        "{refused:?}"
    );

    // The same token over MCP shares the budget; reads are not limited.
    let tool = mcp(
        &api,
        &api.token,
        "write_note",
        json!({"path": "Burst 3", "content": "x\n"}),
    )
    .await;
    assert_eq!(tool["structuredContent"]["error"], "rate_limited", "{tool}");
    assert!(tool["structuredContent"]["retry_after"].as_u64() >= Some(1));
    let read = mcp(&api, &api.token, "read_note", json!({"path": "Burst 0"})).await;
    assert_eq!(read["isError"], false, "{read}");
    assert_eq!(
        api.get("/api/v1/pages/Burst_0").await.status,
        StatusCode::OK
    );

    // A browser (no token: its IP's budget) gets an HTML page that says when to come back.
    for _ in 0..3 {
        let reply = api.browser_post(&api.alice, "/Nowhere/delete", &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    }
    let ui = api.browser_post(&api.alice, "/Nowhere/delete", &[]).await;
    assert_eq!(ui.status, StatusCode::TOO_MANY_REQUESTS, "{ui:?}");
    assert!(ui.text.contains("<html"), "{ui:?}");
    retry_after(&ui);

    // Another token has a budget of its own.
    let other = api
        .mint(&api.notes, &api.alice, "second", TokenRole::Editor)
        .await;
    let reply = api
        .with(
            &other,
            Method::PUT,
            "/api/v1/pages/Other_Agent",
            Some(json!({"content": "x\n"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(
        api.commits().await,
        before.1 + 1,
        "the refused writes committed nothing"
    );
    assert_ne!(head(&api), before.0);
    assert_eq!(
        api.get("/api/v1/pages/Burst_3").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn login_bursts_get_429_and_leave_links_unused() {
    let api = Api::with_rates(Rates {
        login: Rate::new(2, 1, Duration::from_secs(60)),
        ..Rates::unlimited()
    })
    .await;
    let link = |path: String, accept: &'static str| {
        Request::get(path)
            .header(header::HOST, "localhost:8080")
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .expect("request")
    };
    for guess in ["aaaa", "bbbb"] {
        let reply =
            common::send(&api.state, link(format!("/auth/link/{guess}"), "text/html")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    }
    let token = api
        .state
        .db
        .create_login_link(api.alice.id, 60, None)
        .await
        .expect("link");
    let refused = common::send(&api.state, link(format!("/auth/link/{token}"), "text/html")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{refused:?}");
    assert!(retry_after(&refused) >= 1);
    assert!(refused.text.contains("sign-in attempts"), "{refused:?}");
    assert!(
        refused.headers.get(header::SET_COOKIE).is_none(),
        "no session was issued"
    );
    let json = common::send(
        &api.state,
        link(format!("/auth/link/{token}"), "application/json"),
    )
    .await;
    assert_eq!(json.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(json.code(), "rate_limited");
    retry_after(&json);
    assert!(
        api.state
            .db
            .consume_login_link(&token)
            .await
            .expect("db")
            .is_some(),
        "the refused requests did not use the link up"
    );
}

#[tokio::test]
async fn wiki_creation_and_token_bursts_get_429_and_create_nothing() {
    let api = Api::with_rates(Rates {
        create: Rate::new(1, 1, Duration::from_secs(3600)),
        token: Rate::new(1, 1, Duration::from_secs(3600)),
        ..Rates::unlimited()
    })
    .await;
    let jwt = robot_server::session::issue_token(&api.state, &api.alice).expect("jwt");
    let post = |path: &str, body: Value| {
        Request::post(path)
            .header(header::HOST, "localhost:8080")
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {jwt}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    // The first creation is let through (and refused by the one-wiki limit, alice owns `notes`).
    let first = common::send(
        &api.state,
        post(
            "/api/wikis",
            json!({"slug": "second", "display_name": "Second"}),
        ),
    )
    .await;
    assert_ne!(first.status, StatusCode::TOO_MANY_REQUESTS, "{first:?}");
    let burst = common::send(
        &api.state,
        post(
            "/api/wikis",
            json!({"slug": "third", "display_name": "Third"}),
        ),
    )
    .await;
    assert_eq!(burst.status, StatusCode::TOO_MANY_REQUESTS, "{burst:?}");
    retry_after(&burst);
    assert!(!api.state.store.exists("third"));

    let mint = common::send(
        &api.state,
        post(
            "/api/wikis/notes/tokens",
            json!({"name": "one", "role": "editor"}),
        ),
    )
    .await;
    assert!(mint.status.is_success(), "{mint:?}");
    let again = common::send(
        &api.state,
        post(
            "/api/wikis/notes/tokens",
            json!({"name": "two", "role": "editor"}),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS, "{again:?}");
    let names: Vec<String> = api
        .state
        .db
        .list_api_tokens(api.notes.id)
        .await
        .expect("tokens")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"one".to_string()) && !names.contains(&"two".to_string()));
}
