//! The REST API end to end through the real router: the whole agent scenario (create, read,
//! stale-but-mergeable and conflicting writes, edits, rename with backlinks, history, changelog,
//! links, attachments, search, listing) plus the OpenAPI document.

mod api_support;

use api_support::{Api, b64};
use axum::http::{Method, StatusCode};
use serde_json::json;

const PLAN: &str = "# Plan\n\nline one\n\nline two\n\nline three\n";

#[tokio::test]
async fn pages_write_read_merge_conflict_and_edit() {
    let api = Api::new().await;
    let health = api
        .raw(
            api_support::NOTES,
            Method::GET,
            "/api/v1/health",
            None,
            &[],
            vec![],
        )
        .await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    let created = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": PLAN })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.json["created"], true);
    assert_eq!(created.str("path"), "Projects/Plan");
    let r1 = created.str("revision");
    assert_eq!(r1.len(), 40);

    let read = api.get("/api/v1/pages/Projects/Plan").await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    assert_eq!(read.str("content"), PLAN);
    assert_eq!(read.str("revision"), r1);
    assert_eq!(read.str("name"), "Plan");
    assert_eq!(
        read.json["last_commit"]["message"],
        "[api] Create: Projects/Plan"
    );
    assert_eq!(read.json["last_commit"]["author"], "Alice (agent)");
    assert!(read.json["frontmatter"].is_null());

    let no_rev = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": "x" })),
        )
        .await;
    assert_eq!(
        (no_rev.status, no_rev.code()),
        (StatusCode::CONFLICT, "revision_required")
    );
    assert!(no_rev.str("message").contains("Read the page first"));

    // Someone edits line one; a client still holding r1 edits line three: merged.
    let first = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": PLAN.replace("line one", "LINE ONE"), "revision": r1, "commit_message": "caps" })),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.json["merged"], false);
    let stale = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": PLAN.replace("line three", "LINE THREE"), "revision": &r1[..7] })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK, "{stale:?}");
    assert_eq!(stale.json["merged"], true);
    let r3 = stale.str("revision");
    let merged = api.get("/api/v1/pages/Projects/Plan").await;
    assert!(
        merged.str("content").contains("LINE ONE") && merged.str("content").contains("LINE THREE")
    );
    assert_eq!(merged.str("revision"), r3);

    // A third client holding r1 rewrites line one too: conflict, nothing written.
    let before = api.commits().await;
    let conflict = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": PLAN.replace("line one", "Line 1"), "revision": r1 })),
        )
        .await;
    assert_eq!(
        (conflict.status, conflict.code()),
        (StatusCode::CONFLICT, "conflict"),
        "{conflict:?}"
    );
    assert_eq!(conflict.str("current_revision"), r3);
    let diff = conflict.str("diff");
    assert!(
        diff.contains("-line one") && diff.contains("+LINE ONE"),
        "{diff}"
    );
    assert!(conflict.str("message").contains("Read the page again"));
    assert_eq!(api.commits().await, before);

    // Unchanged content: no commit, the page's revision comes back.
    let same = api
        .call(
            Method::PUT,
            "/api/v1/pages/Projects/Plan",
            Some(json!({ "content": merged.str("content"), "revision": r3 })),
        )
        .await;
    assert_eq!(
        (same.status, same.json["changed"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(same.str("revision"), r3);

    // PATCH: exactly one match.
    let edit = |body| api.call(Method::PATCH, "/api/v1/pages/Projects/Plan", Some(body));
    let ok =
        edit(json!({ "revision": r3, "old_string": "line two", "new_string": "line 2" })).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.json["merged"], false);
    let r4 = ok.str("revision");
    let ambiguous = edit(json!({ "revision": r4, "old_string": "LINE", "new_string": "x" })).await;
    assert_eq!(
        (ambiguous.status, ambiguous.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "ambiguous_match")
    );
    assert!(ambiguous.str("message").contains("found 2 occurrences"));
    let missing = edit(json!({ "revision": r4, "old_string": "nowhere", "new_string": "x" })).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "no_match")
    );
    // A stale revision whose text no longer matches is refused the same way.
    let stale_edit =
        edit(json!({ "revision": r1, "old_string": "line 2", "new_string": "x" })).await;
    assert_eq!(stale_edit.code(), "no_match");

    // Section-aware ops, no revision: applied to the current text atomically.
    let appended = edit(json!({ "op": "append", "text": "## Log\n\n- started" })).await;
    assert_eq!(appended.status, StatusCode::OK, "{appended:?}");
    let section =
        edit(json!({ "op": "replace_section", "section": "Plan > Log", "text": "- done" })).await;
    assert_eq!(section.status, StatusCode::OK, "{section:?}");
    let read = api.get("/api/v1/pages/Projects/Plan?section=log").await;
    assert_eq!(read.str("content"), "## Log\n\n- done\n");
    assert_eq!(read.str("section"), "Plan > Log");
    let sections = api.get("/api/v1/pages/Projects/Plan/sections").await;
    assert_eq!(sections.json["sections"][1]["path"], "Plan > Log");
    let last = api.get("/api/v1/pages/Projects/Plan").await;
    assert_eq!(
        last.json["last_commit"]["message"],
        "[api] Replace section: Projects/Plan"
    );

    // Diff between two revisions of the page.
    let diff = api
        .get(&format!(
            "/api/v1/pages/Projects/Plan/diff?from={r1}&to={r4}"
        ))
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{diff:?}");
    assert!(diff.str("unified").contains("+line 2"), "{diff:?}");

    // Reading an old revision.
    let old = api
        .get(&format!(
            "/api/v1/pages/Projects/Plan?revision={}",
            &r1[..8]
        ))
        .await;
    assert_eq!(
        (old.str("content"), old.str("revision")),
        (PLAN.to_string(), r1.clone())
    );

    let deleted = api
        .call(Method::DELETE, "/api/v1/pages/Projects/Plan", None)
        .await;
    assert_eq!(
        (deleted.status, deleted.json["deleted"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let gone = api.get("/api/v1/pages/Projects/Plan").await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::NOT_FOUND, "page_not_found")
    );
}

#[tokio::test]
async fn rename_links_history_and_changelog() {
    let api = Api::new().await;
    api.put_page("Topic", "# Topic\n\nAbout [[Other Topic]].\n")
        .await;
    api.put_page("Linker", "See [[Topic]] and [[Topic#Intro|the intro]].\n")
        .await;
    api.put_page("Topic", "# Topic\n\nAbout [[Other Topic]], revised.\n")
        .await;
    api.put_page("Topic/Child", "# Child\n\nNo links.\n").await;
    api.put_page("Topic/Ref", "Up: [[Topic]]\n").await;

    let links = api.get("/api/v1/links/Topic").await;
    assert_eq!(links.json["linked_from"], json!(["Linker", "Topic/Ref"]));
    assert_eq!(links.json["links_to"], json!(["Other Topic"]));
    let unknown = api.get("/api/v1/links/Nobody_Here").await;
    assert_eq!(
        (unknown.status, unknown.json["linked_from"].clone()),
        (StatusCode::OK, json!([]))
    );
    let graph = api.get("/api/v1/links").await;
    let edges = graph.json["edges"].as_array().cloned().unwrap_or_default();
    assert!(
        edges.contains(&json!({ "source": "Linker", "target": "Topic" })),
        "{graph:?}"
    );
    let read = api.get("/api/v1/pages/Topic").await;
    assert_eq!(read.json["linked_from"], json!(["Linker", "Topic/Ref"]));
    let orphans = api.get("/api/v1/orphans").await;
    let orphan_list = orphans.json["orphans"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(orphan_list.contains(&json!("Linker")) && !orphan_list.contains(&json!("Topic")));
    assert!(orphan_list.contains(&json!("Topic/Child")), "{orphans:?}");

    let renamed = api
        .call(
            Method::POST,
            "/api/v1/pages/Topic/rename",
            Some(json!({ "new_path": "Subject/New Topic" })),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_eq!(renamed.json["old_path"], "Topic");
    assert_eq!(renamed.json["new_path"], "Subject/New Topic");
    assert_eq!(
        renamed.json["updated_pages"],
        json!(["Linker", "Subject/New Topic/Ref"]),
        "sub-pages moved without changes are not listed"
    );
    let rev = renamed.str("revision");
    let linker = api.get("/api/v1/pages/Linker").await;
    assert_eq!(
        linker.str("content"),
        "See [[Subject/New Topic]] and [[Subject/New Topic#Intro|the intro]].\n"
    );
    assert_eq!(
        linker.str("revision"),
        rev,
        "backlinks are rewritten in the rename commit"
    );
    assert_eq!(
        api.get("/api/v1/pages/Topic").await.status,
        StatusCode::NOT_FOUND
    );
    let links = api.get("/api/v1/links/Subject/New_Topic").await;
    assert_eq!(
        links.json["linked_from"],
        json!(["Linker", "Subject/New Topic/Ref"]),
        "the link index follows the rename"
    );

    let history = api.get("/api/v1/pages/Subject/New_Topic/history").await;
    assert_eq!(history.status, StatusCode::OK, "{history:?}");
    let entries = history.json["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        entries.len(),
        3,
        "rename, update and create (renames followed): {history:?}"
    );
    assert_eq!(
        entries[0]["message"],
        "[api] Rename: Topic -> Subject/New Topic"
    );
    assert_eq!(entries[2]["message"], "[api] Create: Topic");
    assert!(history.json["next_offset"].is_null());
    let paged = api
        .get("/api/v1/pages/Subject/New_Topic/history?limit=2")
        .await;
    assert_eq!(paged.json["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(paged.json["next_offset"], 2);
    let rest = api
        .get("/api/v1/pages/Subject/New_Topic/history?limit=2&offset=2")
        .await;
    assert_eq!(rest.json["history"][0], entries[2]);

    let changelog = api.get("/api/v1/changelog?limit=2").await;
    assert_eq!(changelog.json["entries"][0]["revision"], rev.as_str());
    let affected = &changelog.json["entries"][0]["pages_affected"];
    for page in ["Subject/New Topic", "Topic", "Linker"] {
        assert!(
            affected
                .as_array()
                .is_some_and(|a| a.contains(&json!(page))),
            "{affected}"
        );
    }
    let total = changelog.json["total"].as_u64().unwrap_or_default();
    assert!(total >= 5, "seed + 4 changes");
    assert_eq!(changelog.json["next_offset"], 2);
    assert!(
        changelog.json["entries"][0]["date"]
            .as_str()
            .is_some_and(|d| d.contains('T'))
    );
}

#[tokio::test]
async fn attachments_round_trip() {
    let api = Api::new().await;
    api.put_page("Docs", "# Docs\n").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let upload = api
        .call(
            Method::POST,
            "/api/v1/pages/Docs/attachments",
            Some(json!({ "filename": "data file.bin", "content": b64(&bytes) })),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{upload:?}");
    assert_eq!(
        (
            upload.json["size"].as_u64(),
            upload.json["replaced"].as_bool()
        ),
        (Some(3000), Some(false))
    );
    let list = api.get("/api/v1/pages/Docs/attachments").await;
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["attachments"][0]["filename"], "data file.bin");
    assert_eq!(
        list.json["attachments"][0]["mime_type"],
        "application/octet-stream"
    );
    let download = api
        .get("/api/v1/pages/Docs/attachments/data%20file.bin")
        .await;
    assert_eq!(download.status, StatusCode::OK, "{download:?}");
    assert_eq!(download.str("content"), b64(&bytes));
    let log = api.get("/api/v1/changelog?limit=1").await;
    assert_eq!(
        log.json["entries"][0]["message"],
        "[api] Added attachment(s): data file.bin."
    );
    let replaced = api
        .call(
            Method::POST,
            "/api/v1/pages/Docs/attachments",
            Some(json!({ "filename": "data file.bin", "content": b64(b"new"), "commit_message": "v2" })),
        )
        .await;
    assert_eq!(replaced.json["replaced"], true);
    let deleted = api
        .call(
            Method::DELETE,
            "/api/v1/pages/Docs/attachments/data%20file.bin",
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    let list = api.get("/api/v1/pages/Docs/attachments").await;
    assert_eq!(list.json["total"], 0);
    let gone = api
        .get("/api/v1/pages/Docs/attachments/data%20file.bin")
        .await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::NOT_FOUND, "attachment_not_found")
    );
}

#[tokio::test]
async fn search_and_list_filters_with_pagination() {
    let api = Api::new().await;
    api.put_page("Actors/Iran", "---\ncategory: actor\ntags: [military, region]\n---\n# Iran\n\nThe roadmap of the region.\n").await;
    api.put_page(
        "Actors/Oman",
        "---\ncategory: Actor\ntags: trade\n---\n# Oman\n\nPorts.\n",
    )
    .await;
    api.put_page("Roadmap", "# Roadmap\n\nEverything.\n").await;

    let search = api.get("/api/v1/search?q=roadmap").await;
    assert_eq!(search.status, StatusCode::OK, "{search:?}");
    assert_eq!(
        search.json["results"][0]["path"], "Roadmap",
        "name matches rank first"
    );
    assert_eq!(search.json["total"], 2);
    assert!(
        search.json["results"][1]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("roadmap of the region"))
    );

    let paths = |reply: &api_support::Reply| -> Vec<String> {
        reply.json["pages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["path"].as_str().map(str::to_string))
            .collect()
    };
    let actors = api.get("/api/v1/pages?category=actor").await;
    assert_eq!(paths(&actors), ["Actors/Iran", "Actors/Oman"]);
    assert_eq!(
        actors.json["pages"][0]["tags"],
        json!(["military", "region"])
    );
    assert_eq!(
        actors.json["pages"][0]["content_length"], 7,
        "words after the frontmatter"
    );
    assert_eq!(
        paths(&api.get("/api/v1/pages?tag=TRADE").await),
        ["Actors/Oman"]
    );
    assert_eq!(
        paths(&api.get("/api/v1/pages?prefix=actors/").await).len(),
        2
    );
    assert_eq!(
        api.get("/api/v1/pages?updated_since=2999-01-01").await.json["total"],
        0
    );

    let all = api
        .get("/api/v1/pages?updated_since=2000-01-01T00:00:00Z")
        .await;
    let every = paths(&all);
    assert_eq!(every.len(), 7, "4 seed pages + 3: {every:?}");
    let first = api.get("/api/v1/pages?limit=3").await;
    assert_eq!(
        (
            first.json["total"].as_u64(),
            first.json["next_offset"].as_u64()
        ),
        (Some(7), Some(3))
    );
    let second = api.get("/api/v1/pages?limit=3&offset=3").await;
    let cursor = first.str("next_cursor");
    let by_cursor = api
        .get(&format!(
            "/api/v1/pages?limit=3&cursor={}",
            urlencode(&cursor)
        ))
        .await;
    assert_eq!(paths(&second), paths(&by_cursor));
    let third = api
        .get(&format!(
            "/api/v1/pages?limit=3&cursor={}",
            urlencode(&by_cursor.str("next_cursor"))
        ))
        .await;
    assert!(third.json["next_offset"].is_null() && third.json["next_cursor"].is_null());
    let stitched: Vec<String> = [paths(&first), paths(&by_cursor), paths(&third)].concat();
    assert_eq!(stitched, every);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
