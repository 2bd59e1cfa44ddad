//! The OpenAPI document is valid JSON, declares OpenAPI 3.1 and lists exactly the routes the
//! router serves (both come from one table; this checks the table and the router agree).

mod api_support;

use api_support::Api;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn openapi_documents_every_route_the_router_serves() {
    use robot_server::api::routes::ENDPOINTS;
    let api = Api::new().await;
    let doc = api
        .raw(
            api_support::NOTES,
            Method::GET,
            "/api/v1/openapi.json",
            None,
            &[],
            vec![],
        )
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.json["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{doc:?}"
    );
    assert_eq!(
        doc.json["servers"][0]["url"],
        "http://notes.localhost:8080/api/v1"
    );
    let paths = doc.json["paths"].as_object().cloned().unwrap_or_default();
    let mut documented = 0;
    for (path, item) in &paths {
        let methods: Vec<String> = item
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for method in methods {
            documented += 1;
            assert!(
                ENDPOINTS
                    .iter()
                    .any(|e| e.path == path && e.method.eq_ignore_ascii_case(&method)),
                "{method} {path} is documented but not routed"
            );
        }
    }
    assert_eq!(documented, ENDPOINTS.len());
    // Every route answers through the router (not the page catch-all, not 404/405).
    for e in ENDPOINTS {
        let path = format!(
            "/api/v1{}",
            e.path
                .replace("{path}", "Home")
                .replace("{filename}", "x.txt")
        );
        let method = Method::from_bytes(e.method.as_bytes()).expect("method");
        let reply = api.call(method, &path, None).await;
        assert!(
            reply.json["error"].is_string() || reply.status.is_success(),
            "{} {path}: {reply:?}",
            e.method
        );
        assert!(
            reply.code() != "unknown_endpoint" && reply.status != StatusCode::METHOD_NOT_ALLOWED,
            "{} {path} is documented but not served: {reply:?}",
            e.method
        );
    }
    let unknown = api.get("/api/v1/nope").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "unknown_endpoint")
    );
    let wrong = api.call(Method::POST, "/api/v1/search", None).await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    assert_eq!(wrong.headers["allow"], "GET");
}
