//! Passage search over REST with the real embedding model: fresh after every write, filters,
//! modes, lag reporting, deletes and renames, and index rebuilds.

mod api_support;

use std::time::Duration;

use api_support::Api;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// Waits until every passage of `notes` has its embedding; returns the last index report.
async fn embedded(api: &Api) -> Value {
    for _ in 0..600 {
        let status = api.get("/api/v1/reindex/status").await;
        assert_eq!(status.status, StatusCode::OK, "{status:?}");
        if status.json["index"]["vectors_current"] == true {
            return status.json["index"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("embeddings did not catch up in 30 s");
}

fn paths(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|h| h["path"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn passages_follow_writes_with_lag_reported_and_filters_applied() {
    let api = Api::with_model().await;
    api.put_page(
        "Garden/Tomatoes",
        "---\ntags: [plants]\n---\n# Tomatoes\n\nWater them deeply twice a week and give them \
         full sun.\n\n## Pests\n\nAphids gather under the leaves; spray soapy water.",
    )
    .await;
    api.put_page(
        "Kitchen/Oven",
        "# Oven\n\nThe oven runs hot: bake bread ten degrees lower than the recipe says.",
    )
    .await;
    // Keyword passages are there at once, whatever the vectors do.
    let keyword = api
        .get("/api/v1/semantic-search?q=aphids&mode=keyword")
        .await;
    assert_eq!(keyword.status, StatusCode::OK, "{keyword:?}");
    assert_eq!(paths(&keyword.json)[0], "Garden/Tomatoes");
    // A short page is one passage, labelled with the section it starts in.
    assert_eq!(keyword.json["results"][0]["section"], "Tomatoes");
    assert!(
        keyword.json["results"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Pests\n\nAphids")
    );
    assert_eq!(keyword.json["results"][0]["matched"], json!(["keyword"]));
    let index = &keyword.json["index"];
    assert!(index["commit"].as_str().is_some_and(|c| c.len() == 40));
    assert!(
        index["model"]
            .as_str()
            .is_some_and(|m| m.starts_with("all-MiniLM-L6-v2@"))
    );

    let index = embedded(&api).await;
    assert_eq!(index["pending_vectors"], 0);
    // A question sharing no word with the answer is found by meaning.
    let semantic = api
        .get("/api/v1/semantic-search?q=which%20insects%20eat%20my%20plants&mode=semantic&n=1")
        .await;
    assert_eq!(paths(&semantic.json), ["Garden/Tomatoes"], "{semantic:?}");
    let hit = &semantic.json["results"][0];
    // The section path is the page's own heading path, as reading a section takes it.
    assert_eq!(hit["section_path"], "Tomatoes");
    let section = api
        .get("/api/v1/pages/Garden/Tomatoes?section=Tomatoes")
        .await;
    assert!(
        section.json["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("# Tomatoes")),
        "{section:?}"
    );
    assert!(hit["distance"].as_f64().is_some_and(|d| d < 0.8), "{hit}");
    let hybrid = api
        .get("/api/v1/semantic-search?q=baking%20bread%20temperature")
        .await;
    assert_eq!(hybrid.json["mode"], "hybrid");
    assert_eq!(paths(&hybrid.json)[0], "Kitchen/Oven");
    assert_eq!(
        hybrid.json["results"][0]["matched"],
        json!(["keyword", "semantic"])
    );
    // Filters restrict every mode.
    let tagged = api
        .get("/api/v1/semantic-search?q=baking%20bread%20temperature&tag=plants")
        .await;
    assert!(
        paths(&tagged.json).iter().all(|p| p == "Garden/Tomatoes"),
        "{tagged:?}"
    );
    let under = api.get("/api/v1/search?q=water&prefix=kitchen/").await;
    assert_eq!(under.json["total"], 0, "{under:?}");
    let page_level = api
        .get("/api/v1/search?q=which%20insects&mode=hybrid")
        .await;
    assert_eq!(
        paths(&page_level.json)[0],
        "Garden/Tomatoes",
        "{page_level:?}"
    );

    // Renames move hits and deletes remove them, for keyword results at once.
    let renamed = api
        .call(
            Method::POST,
            "/api/v1/pages/Kitchen/Oven/rename",
            Some(json!({"new_path": "Kitchen/Stove"})),
        )
        .await;
    assert!(renamed.status.is_success(), "{renamed:?}");
    let moved = api.get("/api/v1/semantic-search?q=oven&mode=keyword").await;
    assert_eq!(paths(&moved.json), ["Kitchen/Stove"]);
    let deleted = api
        .call(Method::DELETE, "/api/v1/pages/Kitchen/Stove", None)
        .await;
    assert!(deleted.status.is_success(), "{deleted:?}");
    for mode in ["keyword", "semantic", "hybrid"] {
        let gone = api
            .get(&format!(
                "/api/v1/semantic-search?q=oven%20bread&mode={mode}"
            ))
            .await;
        assert!(
            !paths(&gone.json).contains(&"Kitchen/Stove".to_string()),
            "{gone:?}"
        );
    }
}

#[tokio::test]
async fn reindex_runs_in_the_background_and_refuses_readers_and_bad_modes() {
    let api = Api::with_model().await;
    api.put_page("Note", "Some text about otters and rivers.")
        .await;
    let started = api.call(Method::POST, "/api/v1/reindex", None).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{started:?}");
    // A small wiki may be rebuilt before the answer is even read.
    assert!(
        ["running", "complete"].contains(&started.json["status"].as_str().unwrap_or("")),
        "{started:?}"
    );
    for _ in 0..200 {
        let status = api.get("/api/v1/reindex/status").await;
        if status.json["status"] == "complete" {
            assert!(status.json["pages"].as_u64().is_some_and(|p| p >= 1));
            break;
        }
        assert_eq!(status.json["status"], "running", "{status:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    embedded(&api).await;
    let reader = api
        .mint(
            &api.notes,
            &api.alice,
            "reader",
            robot_platform::TokenRole::ReadOnly,
        )
        .await;
    let refused = api
        .with(&reader, Method::POST, "/api/v1/reindex", None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = api.get("/api/v1/semantic-search?q=x&mode=fuzzy").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert_eq!(bad.code(), "invalid_mode");
    let empty = api.get("/api/v1/semantic-search?q=%20").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn without_a_model_semantic_modes_say_how_to_enable_them() {
    let api = Api::new().await;
    let refused = api.get("/api/v1/semantic-search?q=otters").await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{refused:?}"
    );
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap_or("")
            .contains("scripts/fetch-model")
    );
    let keyword = api
        .get("/api/v1/semantic-search?q=otters&mode=keyword")
        .await;
    assert_eq!(keyword.status, StatusCode::OK);
    assert_eq!(keyword.json["index"]["vectors_current"], false);
}
