//! Search through the real router cannot measure another tenant's wiki (issue 17, finding 8):
//! `notes` sees the same order and the same scores however many private pages `other` gains
//! with the words searched for, and every score shown is a coarse share of the best hit.

mod api_support;

use api_support::Api;
use axum::http::StatusCode;
use robot_store::{Author, Change, CommitRequest, RepoPath};
use serde_json::Value;

/// Every (path, score) of a search of `notes`, in order, for pages and keyword passages.
async fn shown(api: &Api) -> Vec<(String, Vec<(String, f64)>)> {
    let mut out = Vec::new();
    for url in [
        "/api/v1/search?q=alpha%20beta",
        "/api/v1/search?q=alpha",
        "/api/v1/search?q=alph*",
        "/api/v1/semantic-search?q=alpha%20beta&mode=keyword&n=50",
        "/api/v1/semantic-search?q=alpha&mode=keyword&n=50",
    ] {
        let reply = api.get(url).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}: {reply:?}");
        let hits = reply.json["results"]
            .as_array()
            .map(|hits| hits.iter().map(hit).collect())
            .unwrap_or_default();
        out.push((url.to_string(), hits));
    }
    out
}

fn hit(hit: &Value) -> (String, f64) {
    (
        hit["path"].as_str().unwrap_or_default().to_string(),
        hit["score"].as_f64().unwrap_or(f64::NAN),
    )
}

#[tokio::test]
async fn finding_8_another_wikis_private_pages_cannot_change_rest_scores_or_order() {
    let api = Api::new().await;
    api.put_page("Alpha", "alpha alpha alpha beta notes").await;
    api.put_page("Beta", "beta beta beta alpha notes").await;
    api.put_page(
        "Both",
        "alpha beta and a much longer body of words that dilutes them both",
    )
    .await;
    for n in 0..6 {
        api.put_page(
            &format!("Filler{n}"),
            &format!("filler page {n} of plain words"),
        )
        .await;
    }
    let before = shown(&api).await;
    assert_eq!(before[0].1.len(), 3, "{before:?}");
    for (url, hits) in &before {
        for (path, score) in hits {
            assert!(
                *score > 0.0 && *score <= 1.0 && *score == (score * 100.0).round() / 100.0,
                "{url} {path}: {score} is a coarse share of the best"
            );
        }
    }

    let other = api.state.store.wiki("other").expect("other wiki");
    other
        .commit(CommitRequest {
            author: Author::new("Bob", "bob@example.org"),
            message: "private pages".into(),
            base: None,
            changes: (0..60)
                .map(|n| Change::Write {
                    path: RepoPath::parse(&format!("Private{n}.md")).expect("path"),
                    content: format!("alpha private {}", "secret words ".repeat(40)).into_bytes(),
                })
                .collect(),
        })
        .expect("commit");
    api.state
        .search
        .sync("other", &other)
        .await
        .expect("sync other");

    assert_eq!(
        before,
        shown(&api).await,
        "the other wiki changed what notes sees"
    );
}

#[tokio::test]
async fn deleting_a_wiki_drops_its_search_tables() {
    let api = Api::new().await;
    api.put_page("Alpha", "alpha words").await;
    let search = api.get("/api/v1/search?q=alpha").await;
    assert_eq!(search.json["total"], 1, "{search:?}");
    let indexed = api.state.search.indexed_wikis().await.expect("wikis");
    assert!(indexed.iter().any(|w| w == "notes"), "{indexed:?}");
    let slug = robot_platform::Slug::parse("notes").expect("slug");
    let deleted = robot_server::wikis::delete(&api.state, &slug).await;
    assert!(deleted.expect("delete"));
    let indexed = api.state.search.indexed_wikis().await.expect("wikis");
    assert!(
        indexed.iter().all(|w| w != "notes"),
        "no rows or tables of the deleted wiki are left: {indexed:?}"
    );
}
