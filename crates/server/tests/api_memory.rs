//! The REST twins of the memory tools: page context, the folder tree, restore, replace-all and
//! frontmatter ops, and the changelog by time and folder.

mod api_support;

use api_support::Api;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn context_tree_and_filtered_changelog() {
    let api = Api::new().await;
    api.put_page("Team/Hub", "# Hub\n\nSee [[Team/Ada]].\n")
        .await;
    api.put_page(
        "Team/Ada",
        "---\ndescription: Writes the plans.\n---\n# Ada\n",
    )
    .await;
    api.put_page("Elsewhere", "# Elsewhere\n\nLinks [[Team/Hub]].\n")
        .await;

    let context = api
        .get("/api/v1/pages/Team/Hub/context?max_bytes=4000")
        .await;
    assert_eq!(context.status, StatusCode::OK, "{context:?}");
    assert_eq!(context.json["related"][0]["path"], "Team/Ada");
    assert_eq!(context.json["related"][0]["summary"], "Writes the plans.");
    assert_eq!(context.json["related"][1]["relation"], "linked_from");
    assert_eq!(context.json["truncated"], false);
    let bad = api.get("/api/v1/pages/Team/Hub/context?depth=x").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");

    let tree = api.get("/api/v1/tree?depth=1").await;
    assert_eq!(tree.status, StatusCode::OK, "{tree:?}");
    let entries = tree.json["entries"].as_array().cloned().unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|e| e["path"] == "Team" && e["kind"] == "folder" && e["pages"] == 2),
        "{entries:?}"
    );

    let team = api.get("/api/v1/changelog?folder=Team").await;
    assert_eq!(team.json["total"], 2, "{team:?}");
    let none = api.get("/api/v1/changelog?since=2999-12-31").await;
    assert_eq!(none.json["total"], 0, "{none:?}");
}

#[tokio::test]
async fn restore_replace_all_and_frontmatter_ops() {
    let api = Api::new().await;
    let first = api.put_page("Log", "# Log\n\nold old\n").await;
    let replaced = api
        .call(
            Method::PATCH,
            "/api/v1/pages/Log",
            Some(json!({"op": "replace_all", "old": "old", "new": "new", "expected": 2, "revision": first})),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    let fields = api
        .call(
            Method::PATCH,
            "/api/v1/pages/Log",
            Some(json!({"op": "set_frontmatter", "fields": {"status": "done"}})),
        )
        .await;
    assert_eq!(fields.status, StatusCode::OK, "{fields:?}");
    let now = api.get("/api/v1/pages/Log").await;
    assert_eq!(
        now.json["content"],
        "---\nstatus: done\n---\n# Log\n\nnew new\n"
    );

    // From a stale base the restore is merged like any write: the frontmatter set since stays.
    let stale = api
        .call(
            Method::POST,
            "/api/v1/pages/Log/restore",
            Some(json!({"to": first, "revision": replaced.json["revision"]})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK, "{stale:?}");
    assert_eq!(stale.json["merged"], true);
    let merged = api.get("/api/v1/pages/Log").await;
    assert_eq!(
        merged.json["content"],
        "---\nstatus: done\n---\n# Log\n\nold old\n"
    );
    let restored = api
        .call(
            Method::POST,
            "/api/v1/pages/Log/restore",
            Some(json!({"to": first, "revision": merged.json["revision"]})),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{restored:?}");
    let back = api.get("/api/v1/pages/Log").await;
    assert_eq!(back.json["content"], "# Log\n\nold old\n");
    let missing = api
        .call(Method::POST, "/api/v1/pages/Log/restore", Some(json!({})))
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{missing:?}"
    );
}
