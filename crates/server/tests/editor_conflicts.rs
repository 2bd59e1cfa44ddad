//! The browser writes like every other surface (issue 10). The editor shows the revision of exactly
//! the text it shows, and its save carries that revision. An edit someone made meanwhile on other
//! lines is merged; one on the same lines refuses the save and shows both edits merged with
//! conflict markers, based on the current revision — nothing acknowledged is ever overwritten.

use axum::http::{Method, StatusCode};
use serde_json::json;

mod dashboard_support;

use dashboard_support::{
    Auth, NOTES, Reply, World, element_text, flash, form, json, location, make_wiki, page,
    unlimited_world,
};

const BODY: &str = "# Plan\n\nfirst line\n\nmiddle\n\nlast line\n";

/// The value of the hidden input `name` in the editor form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len());
    start
        .and_then(|s| html[s..].find('"').map(|e| html[s..s + e].to_string()))
        .unwrap_or_default()
}

/// The editor's textarea content (HTML-decoded).
fn editor_text(html: &str) -> String {
    let start = html.find("id=\"editor\"").expect("editor textarea");
    let open_end = start + html[start..].find('>').expect("tag end") + 1;
    let close = open_end + html[open_end..].find("</textarea>").expect("textarea end");
    html_escape::decode_html_entities(&html[open_end..close]).into_owned()
}

/// The page's current text, as the REST API reads it.
async fn current(world: &World, token: &str) -> (String, String) {
    let reply = json(
        world,
        NOTES,
        Method::GET,
        "/api/v1/pages/Plan",
        Auth::Bearer(token.to_string()),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    (reply.str("content"), reply.str("revision"))
}

/// Bob (through the REST API) changes `from` to `to`, based on the current revision.
async fn someone_else_edits(world: &World, token: &str, from: &str, to: &str) {
    let (text, revision) = current(world, token).await;
    let reply = json(
        world,
        NOTES,
        Method::PUT,
        "/api/v1/pages/Plan",
        Auth::Bearer(token.to_string()),
        Some(json!({"content": text.replace(from, to), "revision": revision})),
    )
    .await;
    assert!(reply.status.is_success(), "{reply:?}");
}

struct Setup {
    world: World,
    token: String,
}

/// A wiki with the page `Plan` and an editor token for bob's REST edits.
async fn setup() -> Setup {
    let world = unlimited_world().await;
    let wiki = make_wiki(&world.state, "notes", &world.alice).await;
    world
        .state
        .db
        .set_member(wiki.id, world.bob.id, robot_platform::Role::Editor)
        .await
        .expect("member");
    let (_, token) = world
        .state
        .db
        .create_api_token(
            wiki.id,
            world.bob.id,
            "bob",
            robot_platform::policy::TokenRole::Editor,
        )
        .await
        .expect("token");
    let created = json(
        &world,
        NOTES,
        Method::PUT,
        "/api/v1/pages/Plan",
        Auth::Bearer(token.clone()),
        Some(json!({"content": BODY})),
    )
    .await;
    assert!(created.status.is_success(), "{created:?}");
    Setup { world, token }
}

/// Alice opens the editor: (the text it shows, the revision it carries).
async fn open_editor(world: &World) -> (String, String) {
    let editor = page(world, NOTES, "/Plan/edit", Some(&world.alice)).await;
    assert_eq!(editor.status, StatusCode::OK, "{editor:?}");
    (
        editor_text(&editor.text),
        hidden(&editor.text, "base_revision"),
    )
}

async fn save(world: &World, content: &str, base: &str) -> Reply {
    form(
        world,
        NOTES,
        "/Plan/save",
        &world.alice,
        &[
            ("content", content),
            ("base_revision", base),
            ("message", ""),
        ],
        true,
    )
    .await
}

#[tokio::test]
async fn the_editor_carries_the_revision_of_the_text_it_shows() {
    let s = setup().await;
    let (text, base) = open_editor(&s.world).await;
    let (now, revision) = current(&s.world, &s.token).await;
    assert_eq!(text, now);
    assert_eq!(base, revision, "the page's own revision, not just any head");
}

#[tokio::test]
async fn a_stale_save_on_other_lines_merges() {
    let s = setup().await;
    let (text, base) = open_editor(&s.world).await;
    someone_else_edits(&s.world, &s.token, "last line", "last line (bob)").await;
    let reply = save(
        &s.world,
        &text.replace("first line", "first line (alice)"),
        &base,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
    assert!(flash(&reply).contains("merged"), "{}", flash(&reply));
    let (now, _) = current(&s.world, &s.token).await;
    assert!(
        now.contains("first line (alice)") && now.contains("last line (bob)"),
        "{now}"
    );
}

#[tokio::test]
async fn a_stale_save_on_the_same_lines_shows_both_and_loses_nothing() {
    let s = setup().await;
    let (text, base) = open_editor(&s.world).await;
    someone_else_edits(&s.world, &s.token, "middle", "middle (bob)").await;
    let (bobs, bobs_revision) = current(&s.world, &s.token).await;

    let mine = text.replace("middle", "middle (alice)");
    let refused = save(&s.world, &mine, &base).await;
    assert_eq!(
        refused.status,
        StatusCode::OK,
        "the editor again: {refused:?}"
    );
    assert_eq!(
        current(&s.world, &s.token).await.0,
        bobs,
        "bob's edit stands"
    );
    let merged = editor_text(&refused.text);
    assert!(
        merged.contains(
            "<<<<<<< your edit\nmiddle (alice)\n=======\nmiddle (bob)\n>>>>>>> current page\n"
        ),
        "{merged}"
    );
    assert_eq!(hidden(&refused.text, "base_revision"), bobs_revision);
    assert!(
        element_text(&refused.text, "conflict-revision")
            .is_some_and(|r| bobs_revision.starts_with(&r))
    );
    assert!(
        refused.text.contains("id=\"conflict-yours\"") && refused.text.contains("middle (alice)")
    );

    // Saving the markers as they are is refused; the text stays in the editor.
    let with_markers = save(&s.world, &merged, &bobs_revision).await;
    assert_eq!(with_markers.status, StatusCode::OK, "{with_markers:?}");
    assert!(
        with_markers.text.contains("conflict markers"),
        "{with_markers:?}"
    );
    assert_eq!(current(&s.world, &s.token).await.0, bobs);

    // Resolved and saved on the current revision: both people's words, no markers.
    let resolved = merged
        .replace("<<<<<<< your edit\n", "")
        .replace("=======\n", "")
        .replace(">>>>>>> current page\n", "");
    let saved = save(&s.world, &resolved, &bobs_revision).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    assert!(location(&saved).ends_with("/Plan"), "{}", location(&saved));
    let (now, _) = current(&s.world, &s.token).await;
    assert!(
        now.contains("middle (alice)") && now.contains("middle (bob)"),
        "{now}"
    );
}

#[tokio::test]
async fn a_save_without_a_revision_never_overwrites_a_page() {
    let s = setup().await;
    let (before, _) = current(&s.world, &s.token).await;
    let reply = save(&s.world, "# Plan\n\nall replaced\n", "").await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the editor with both versions: {reply:?}"
    );
    assert_eq!(
        current(&s.world, &s.token).await.0,
        before,
        "nothing overwritten"
    );
    assert!(
        editor_text(&reply.text).contains("all replaced"),
        "the person's text is kept"
    );
}

#[tokio::test]
async fn a_new_page_created_meanwhile_is_not_overwritten() {
    let s = setup().await;
    let editor = page(&s.world, NOTES, "/Fresh/edit", Some(&s.world.alice)).await;
    assert_eq!(hidden(&editor.text, "is_new"), "1");
    let theirs = json(
        &s.world,
        NOTES,
        Method::PUT,
        "/api/v1/pages/Fresh",
        Auth::Bearer(s.token.clone()),
        Some(json!({"content": "# Fresh\n\nbob was first\n"})),
    )
    .await;
    assert!(theirs.status.is_success(), "{theirs:?}");
    let mine = form(
        &s.world,
        NOTES,
        "/Fresh/save",
        &s.world.alice,
        &[
            ("content", "# Fresh\n\nalice too\n"),
            ("base_revision", ""),
            ("is_new", "1"),
        ],
        true,
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK, "{mine:?}");
    let merged = editor_text(&mine.text);
    assert!(
        merged.contains("bob was first") && merged.contains("alice too"),
        "{merged}"
    );
}

/// Alice confirms the deletion of `Plan` (with its attachments) shown at revision `base`.
async fn delete(world: &World, base: &str) -> Reply {
    form(
        world,
        NOTES,
        "/Plan/delete",
        &world.alice,
        &[("base_revision", base), ("recursive", "1")],
        true,
    )
    .await
}

#[tokio::test]
async fn a_delete_confirmed_before_someone_elses_edit_deletes_nothing() {
    let s = setup().await;
    let confirm = page(&s.world, NOTES, "/Plan/delete", Some(&s.world.alice)).await;
    assert_eq!(confirm.status, StatusCode::OK, "{confirm:?}");
    let base = hidden(&confirm.text, "base_revision");
    assert_eq!(base, current(&s.world, &s.token).await.1);
    someone_else_edits(
        &s.world,
        &s.token,
        "middle",
        "middle (bob, after the confirmation)",
    )
    .await;
    let refused = delete(&s.world, &base).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{refused:?}");
    assert!(
        location(&refused).ends_with("/Plan"),
        "{}",
        location(&refused)
    );
    assert!(
        flash(&refused).contains("not deleted"),
        "{}",
        flash(&refused)
    );
    assert!(
        current(&s.world, &s.token)
            .await
            .0
            .contains("after the confirmation")
    );

    // Confirmed again on the current revision, it goes.
    let confirm = page(&s.world, NOTES, "/Plan/delete", Some(&s.world.alice)).await;
    let base = hidden(&confirm.text, "base_revision");
    let deleted = delete(&s.world, &base).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{deleted:?}");
    assert!(
        location(&deleted).ends_with("/-/changelog"),
        "{}",
        location(&deleted)
    );
    let gone = json(
        &s.world,
        NOTES,
        Method::GET,
        "/api/v1/pages/Plan",
        Auth::Bearer(s.token.clone()),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}
