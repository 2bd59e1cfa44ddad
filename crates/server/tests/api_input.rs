//! Bad input on every REST endpoint gets a 4xx JSON error with a stable code and a message, and
//! writes nothing.

mod api_support;

use api_support::{Api, NOTES, refuse_all};
use axum::http::{Method, StatusCode};
use serde_json::json;

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn page_writes_refuse_bad_input() {
    let api = Api::new().await;
    let rev = api.put_page("Docs", "# Docs\n\nalpha beta\n").await;
    api.put_page("Docs/Child", "# Child\n").await;
    let huge = "x".repeat(4 * 1024 * 1024 + 1);
    refuse_all(
        &api,
        vec![
            (
                Method::PUT,
                "/api/v1/pages/New",
                None,
                UNPROCESSABLE,
                "missing_body",
            ),
            (
                Method::PUT,
                "/api/v1/pages/New",
                Some(json!([1])),
                UNPROCESSABLE,
                "invalid_json",
            ),
            (
                Method::PUT,
                "/api/v1/pages/New",
                Some(json!({ "text": "x" })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::PUT,
                "/api/v1/pages/New",
                Some(json!({ "content": 5 })),
                UNPROCESSABLE,
                "invalid_field",
            ),
            (
                Method::PUT,
                "/api/v1/pages/New",
                Some(json!({ "content": "x", "revision": 7 })),
                UNPROCESSABLE,
                "invalid_field",
            ),
            (
                Method::PUT,
                "/api/v1/pages/New",
                Some(json!({ "content": huge })),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
            ),
            (
                Method::PUT,
                "/api/v1/pages/%2e%2e/etc/passwd",
                Some(json!({ "content": "x" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::PUT,
                "/api/v1/pages/a/../b",
                Some(json!({ "content": "x" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::PUT,
                "/api/v1/pages/v1.2",
                Some(json!({ "content": "x" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::PUT,
                "/api/v1/pages/%FF",
                Some(json!({ "content": "x" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::PUT,
                "/api/v1/pages/Docs",
                Some(json!({ "content": "x", "revision": "abc" })),
                UNPROCESSABLE,
                "invalid_revision",
            ),
            (
                Method::PUT,
                "/api/v1/pages/Docs",
                Some(json!({ "content": "x", "revision": "HEAD~1zz" })),
                UNPROCESSABLE,
                "invalid_revision",
            ),
            (
                Method::PUT,
                "/api/v1/pages/Docs",
                Some(json!({ "content": "x", "revision": "deadbeefdead" })),
                StatusCode::NOT_FOUND,
                "revision_not_found",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "old_string": "alpha" })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "old_string": "", "new_string": "x" })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "old_string": "alpha", "new_string": "alpha" })),
                UNPROCESSABLE,
                "no_change",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "op": "explode" })),
                UNPROCESSABLE,
                "invalid_field",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "op": "append", "text": "  " })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "op": "replace_section", "section": "Nope", "text": "x" })),
                UNPROCESSABLE,
                "section_not_found",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Nope",
                Some(json!({ "old_string": "a", "new_string": "b" })),
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::PATCH,
                "/api/v1/pages/Docs",
                Some(json!({ "revision": &rev[..6], "old_string": "a", "new_string": "b" })),
                UNPROCESSABLE,
                "invalid_revision",
            ),
            (
                Method::DELETE,
                "/api/v1/pages/Nope",
                None,
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::DELETE,
                "/api/v1/pages/Docs",
                Some(json!({ "recursive": "yes" })),
                UNPROCESSABLE,
                "invalid_field",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({})),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({ "new_path": "  " })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({ "new_path": "Docs" })),
                UNPROCESSABLE,
                "same_path",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({ "new_path": "../x" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({ "new_path": "Home" })),
                StatusCode::CONFLICT,
                "already_exists",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs/rename",
                Some(json!({ "new_path": "Docs/Inside" })),
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::POST,
                "/api/v1/pages/Nope/rename",
                Some(json!({ "new_path": "Elsewhere" })),
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::POST,
                "/api/v1/pages/Docs",
                None,
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
        ],
    )
    .await;
    // The page is untouched.
    assert_eq!(api.get("/api/v1/pages/Docs").await.str("revision"), rev);
}

#[tokio::test]
async fn reads_refuse_bad_input() {
    let api = Api::new().await;
    api.put_page("Docs", "# Docs\n\n## Part\n").await;
    refuse_all(
        &api,
        vec![
            (
                Method::GET,
                "/api/v1/pages/Docs?revision=xyz",
                None,
                UNPROCESSABLE,
                "invalid_revision",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs?revision=0000000",
                None,
                StatusCode::NOT_FOUND,
                "revision_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs?section=Nope",
                None,
                UNPROCESSABLE,
                "section_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Nope",
                None,
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/%2e%2e",
                None,
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::GET,
                "/api/v1/pages?updated_since=yesterday",
                None,
                UNPROCESSABLE,
                "invalid_updated_since",
            ),
            (
                Method::GET,
                "/api/v1/pages?offset=1&cursor=A",
                None,
                UNPROCESSABLE,
                "invalid_query",
            ),
            (
                Method::GET,
                "/api/v1/pages?limit=-1",
                None,
                UNPROCESSABLE,
                "invalid_query",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs/history?limit=ten",
                None,
                UNPROCESSABLE,
                "invalid_query",
            ),
            (
                Method::GET,
                "/api/v1/pages/Nope/history",
                None,
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs/diff",
                None,
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs/diff?from=--output=x",
                None,
                UNPROCESSABLE,
                "invalid_revision",
            ),
            (
                Method::GET,
                "/api/v1/pages/Nope/sections",
                None,
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::GET,
                "/api/v1/changelog?offset=x",
                None,
                UNPROCESSABLE,
                "invalid_query",
            ),
            (
                Method::GET,
                "/api/v1/search",
                None,
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::GET,
                "/api/v1/search?q=%20%20",
                None,
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::GET,
                "/api/v1/links/..%2Fx",
                None,
                UNPROCESSABLE,
                "invalid_path",
            ),
            (
                Method::GET,
                "/api/v1/nope",
                None,
                StatusCode::NOT_FOUND,
                "unknown_endpoint",
            ),
        ],
    )
    .await;
    let section = api.get("/api/v1/pages/Docs?section=Nope").await;
    assert_eq!(
        section.json["available_sections"],
        json!(["Docs", "Docs > Part"])
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_parsing() {
    let api = Api::new().await;
    let body = vec![b' '; robot_server::api::input::MAX_BODY_BYTES + 1];
    let reply = api
        .raw(
            NOTES,
            Method::PUT,
            "/api/v1/pages/Big",
            Some(&api.token),
            &[],
            body,
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{reply:?}"
    );
}
