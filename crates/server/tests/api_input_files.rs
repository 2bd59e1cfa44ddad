//! Bad input on the attachment endpoints gets a 4xx JSON error with a stable code and a
//! message, and writes nothing.

mod api_support;

use api_support::{Api, b64, refuse_all};
use axum::http::{Method, StatusCode};
use serde_json::json;

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn attachments_refuse_bad_input() {
    let api = Api::new().await;
    api.put_page("Docs", "# Docs\n").await;
    let too_big = b64(&vec![0u8; robot_server::notes::MAX_ATTACHMENT_BYTES + 1]);
    let upload =
        |filename: &str, content: &str| json!({ "filename": filename, "content": content });
    let url = "/api/v1/pages/Docs/attachments";
    refuse_all(
        &api,
        vec![
            (Method::POST, url, None, UNPROCESSABLE, "missing_body"),
            (
                Method::POST,
                url,
                Some(json!({ "filename": "a.txt" })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::POST,
                url,
                Some(json!({ "content": "eA==" })),
                UNPROCESSABLE,
                "missing_field",
            ),
            (
                Method::POST,
                url,
                Some(upload("a.txt", "not base64!")),
                UNPROCESSABLE,
                "invalid_base64",
            ),
            (
                Method::POST,
                url,
                Some(upload("a.txt", &too_big)),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
            ),
            (
                Method::POST,
                url,
                Some(upload("../a.txt", "eA==")),
                UNPROCESSABLE,
                "invalid_filename",
            ),
            (
                Method::POST,
                url,
                Some(upload(".htaccess", "eA==")),
                UNPROCESSABLE,
                "invalid_filename",
            ),
            (
                Method::POST,
                url,
                Some(upload("a/b.txt", "eA==")),
                UNPROCESSABLE,
                "invalid_filename",
            ),
            (
                Method::POST,
                url,
                Some(upload("page.md", "eA==")),
                UNPROCESSABLE,
                "invalid_filename",
            ),
            (
                Method::POST,
                url,
                Some(json!({ "filename": 1, "content": "eA==" })),
                UNPROCESSABLE,
                "invalid_field",
            ),
            (
                Method::POST,
                "/api/v1/pages/Nope/attachments",
                Some(upload("a.txt", "eA==")),
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Nope/attachments",
                None,
                StatusCode::NOT_FOUND,
                "page_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs/attachments/missing.txt",
                None,
                StatusCode::NOT_FOUND,
                "attachment_not_found",
            ),
            (
                Method::GET,
                "/api/v1/pages/Docs/attachments/..%2F..%2FHome.md",
                None,
                UNPROCESSABLE,
                "invalid_filename",
            ),
            (
                Method::DELETE,
                "/api/v1/pages/Docs/attachments/missing.txt",
                None,
                StatusCode::NOT_FOUND,
                "attachment_not_found",
            ),
            (
                Method::DELETE,
                "/api/v1/pages/Docs/attachments/%FF",
                None,
                UNPROCESSABLE,
                "invalid_filename",
            ),
        ],
    )
    .await;
}
