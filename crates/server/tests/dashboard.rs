//! The dashboard (`/app/…`), the management JSON API (`/api/…`), collaborators and access
//! requests, and Caddy's check-slug, through the real router. Security cases: missing CSRF,
//! forged and expired JWTs, other people's wikis, removed collaborators, deleted wikis' tokens.

use axum::http::{Method, StatusCode};
use robot_auth::{SessionClaims, SessionKeys};
use robot_platform::{Role, Slug};
use serde_json::json;

mod dashboard_support;

// Rate limits have their own tests (`limits.rs`); these make many requests in a burst.
use dashboard_support::{
    Auth, CSRF, NOTES, PLATFORM, element_text, flash, form, json, jwt, location, make_wiki, page,
    unlimited_world as world,
};

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("slug")
}

#[tokio::test]
async fn bearer_jwt_manages_a_wiki_from_creation_to_deletion() {
    let w = world().await;
    let alice = Auth::Bearer(jwt(&w, &w.alice));
    let me = json(&w, PLATFORM, Method::GET, "/api/me", alice.clone(), None).await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.json["handle"], "alice");
    assert_eq!(me.json["max_wikis_per_user"], 1);
    assert!(
        me.json.get("csrf_token").is_none(),
        "bearer clients need no CSRF token"
    );

    let created = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        alice.clone(),
        Some(json!({"slug": "research", "display_name": "Research", "purpose": "Papers"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let token = created.str("mcp_token");
    assert!(token.starts_with("rwt_"), "{created:?}");
    assert_eq!(
        created.json["mcp_endpoint"],
        "http://research.localhost:8080/mcp"
    );
    assert_eq!(
        created.json["claude_command"],
        format!(
            "claude mcp add --transport http research http://research.localhost:8080/mcp \
             --header \"Authorization: Bearer {token}\""
        )
    );
    assert_eq!(created.json["wiki"]["description"], "Papers");
    assert_eq!(
        created.json["wiki"]["access"]["read"], "approved",
        "private"
    );

    // The minted token works on the new wiki's REST API and MCP endpoint.
    let pages = json(
        &w,
        "research.localhost:8080",
        Method::GET,
        "/api/v1/pages/Home",
        Auth::Bearer(token.clone()),
        None,
    )
    .await;
    assert_eq!(pages.status, StatusCode::OK, "{pages:?}");
    assert!(
        pages.str("content").contains("Research"),
        "seeded from the templates"
    );

    let listed = json(&w, PLATFORM, Method::GET, "/api/wikis", alice.clone(), None).await;
    assert_eq!(listed.json["wikis"][0]["slug"], "research");
    assert_eq!(listed.json["wikis"][0]["role"], "owner");

    let patched = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/research",
        alice.clone(),
        Some(json!({"display_name": "Lab notes", "access": {"read": "registered"}, "git_access_enabled": true})),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.json["wiki"]["display_name"], "Lab notes");
    assert_eq!(patched.json["wiki"]["access"]["read"], "registered");
    assert_eq!(
        patched.json["wiki"]["access"]["write"], "approved",
        "unchanged"
    );
    assert_eq!(patched.json["wiki"]["git_access_enabled"], true);
    assert_eq!(
        patched.json["wiki"]["git_url"],
        "http://research.localhost:8080/.git"
    );
    let bad = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/research",
        alice.clone(),
        Some(json!({"access": {"read": "everyone"}})),
    )
    .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{bad:?}"
    );
    let unknown_field = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/research",
        alice.clone(),
        Some(json!({"is_public": true})),
    )
    .await;
    assert_eq!(
        unknown_field.status,
        StatusCode::BAD_REQUEST,
        "{unknown_field:?}"
    );

    // Regenerating revokes the old token at once.
    let regenerated = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/research/token",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(regenerated.status, StatusCode::OK, "{regenerated:?}");
    let new_token = regenerated.str("mcp_token");
    assert_ne!(new_token, token);
    let old = json(
        &w,
        "research.localhost:8080",
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(token.clone()),
        None,
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "{old:?}");

    // Named tokens: mint, list, revoke.
    let minted = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/research/tokens",
        alice.clone(),
        Some(json!({"name": "ci", "role": "read-only"})),
    )
    .await;
    assert_eq!(minted.status, StatusCode::CREATED, "{minted:?}");
    let dup = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/research/tokens",
        alice.clone(),
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{dup:?}");
    let tokens = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/wikis/research/tokens",
        alice.clone(),
        None,
    )
    .await;
    let names: Vec<_> = tokens.json["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_string(),
                t["revoked_at"].is_null(),
            )
        })
        .collect();
    assert!(
        names.contains(&("ci".into(), true)) && names.contains(&("mcp".into(), true)),
        "{names:?}"
    );
    let revoked = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/research/tokens/ci",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    let again = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/research/tokens/ci",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{again:?}");

    // One wiki per user by default.
    let second = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        alice.clone(),
        Some(json!({"slug": "second", "display_name": "Second"})),
    )
    .await;
    assert_eq!(
        (second.status, second.code()),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{second:?}"
    );
    assert!(second.str("message").contains("limit"), "{second:?}");

    // Deleting removes the row, the repository and the tokens; a wiki recreated under the same
    // name does not accept the old secrets.
    let deleted = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/research",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert!(!w.state.store.exists("research"));
    let gone = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/wikis/research",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let recreated = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        alice.clone(),
        Some(json!({"slug": "research", "display_name": "Again"})),
    )
    .await;
    assert_eq!(recreated.status, StatusCode::CREATED, "{recreated:?}");
    let stale = json(
        &w,
        "research.localhost:8080",
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(new_token),
        None,
    )
    .await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "{stale:?}");
}

#[tokio::test]
async fn creation_refuses_bad_input_and_platform_admins_skip_the_limit() {
    let w = world().await;
    let alice = Auth::Bearer(jwt(&w, &w.alice));
    for (body, code, needle) in [
        (
            json!({"slug": "admin", "display_name": "X"}),
            StatusCode::BAD_REQUEST,
            "reserved",
        ),
        (
            json!({"slug": "ab", "display_name": "X"}),
            StatusCode::BAD_REQUEST,
            "at least 3",
        ),
        (
            json!({"slug": "-abc", "display_name": "X"}),
            StatusCode::BAD_REQUEST,
            "hyphen",
        ),
        (
            json!({"slug": "good", "display_name": "  "}),
            StatusCode::BAD_REQUEST,
            "display name",
        ),
        (
            json!({"slug": "good", "display_name": "X", "description": "d".repeat(201)}),
            StatusCode::BAD_REQUEST,
            "200",
        ),
        (
            json!({"display_name": "X"}),
            StatusCode::BAD_REQUEST,
            "slug",
        ),
    ] {
        let reply = json(
            &w,
            PLATFORM,
            Method::POST,
            "/api/wikis",
            alice.clone(),
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.status, code, "{body}: {reply:?}");
        assert!(reply.str("message").contains(needle), "{body}: {reply:?}");
    }
    assert!(
        w.state.db.list_wikis().await.expect("list").is_empty(),
        "nothing was created"
    );
    let not_json = dashboard_support::send(
        &w.state,
        axum::http::Request::post("/api/wikis")
            .header("host", PLATFORM)
            .header("authorization", format!("Bearer {}", jwt(&w, &w.alice)))
            .header("content-type", "text/plain")
            .body(axum::body::Body::from("slug=x"))
            .expect("request"),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{not_json:?}");

    make_wiki(&w.state, "taken", &w.bob).await;
    let taken = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        alice.clone(),
        Some(json!({"slug": "taken", "display_name": "Mine"})),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{taken:?}");

    // bob already owns one wiki; as a platform admin he may create more.
    let bob = Auth::Bearer(jwt(&w, &w.bob));
    let refused = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        bob.clone(),
        Some(json!({"slug": "bob-two", "display_name": "Two"})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    w.state
        .db
        .set_platform_admin(w.bob.id, true)
        .await
        .expect("admin");
    let allowed = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        bob,
        Some(json!({"slug": "bob-two", "display_name": "Two"})),
    )
    .await;
    assert_eq!(allowed.status, StatusCode::CREATED, "{allowed:?}");
}

#[tokio::test]
async fn cookie_state_changes_need_the_csrf_token() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let body = json!({"slug": "csrf-test", "display_name": "X"});
    let refused = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        Auth::Cookie(&w.bob, false),
        Some(body.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(
        w.state
            .db
            .wiki_by_slug(&slug("csrf-test"))
            .await
            .expect("q")
            .is_none()
    );
    let deletion = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/notes",
        Auth::Cookie(&w.alice, false),
        None,
    )
    .await;
    assert_eq!(deletion.status, StatusCode::FORBIDDEN, "{deletion:?}");
    assert!(w.state.store.exists("notes"), "nothing deleted");
    let invite = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/members",
        Auth::Cookie(&w.alice, false),
        Some(json!({"handle": "bob", "role": "admin"})),
    )
    .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN);
    let notes = w
        .state
        .db
        .wiki_by_slug(&slug("notes"))
        .await
        .expect("q")
        .expect("wiki");
    assert_eq!(
        w.state.db.membership(notes.id, w.bob.id).await.expect("q"),
        None
    );

    // Forms too: no token, nothing happens.
    let create = form(
        &w,
        PLATFORM,
        "/app/create",
        &w.bob,
        &[("slug", "bobs"), ("display_name", "B")],
        false,
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(
        w.state
            .db
            .wiki_by_slug(&slug("bobs"))
            .await
            .expect("q")
            .is_none()
    );
    let delete = form(
        &w,
        PLATFORM,
        "/app/wiki/notes/delete",
        &w.alice,
        &[("confirm_slug", "notes")],
        false,
    )
    .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    let delete_account = form(
        &w,
        PLATFORM,
        "/app/account/delete",
        &w.alice,
        &[("confirm_handle", "alice")],
        false,
    )
    .await;
    assert_eq!(delete_account.status, StatusCode::FORBIDDEN);
    assert!(
        w.state
            .db
            .user_by_id(w.alice.id)
            .await
            .expect("q")
            .is_some()
    );
    assert!(w.state.store.exists("notes"));

    // With the token from /api/me, the cookie client may change things.
    let me = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Cookie(&w.bob, false),
        None,
    )
    .await;
    assert_eq!(me.str("csrf_token"), CSRF, "{me:?}");
    let created = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis",
        Auth::Cookie(&w.bob, true),
        Some(body),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
}

#[tokio::test]
async fn forged_expired_and_foreign_credentials_get_401() {
    let w = world().await;
    let domain = &w.state.config.domain;
    let expired = w
        .state
        .keys
        .issue(&SessionClaims::new(
            w.alice.id, "alice", "Alice", domain, -3600,
        ))
        .expect("expired");
    let forger = SessionKeys::generate()
        .expect("keys")
        .with_issuer(domain.clone());
    let forged = forger
        .issue(&SessionClaims::new(
            w.alice.id, "alice", "Alice", domain, 3600,
        ))
        .expect("forged");
    let other_issuer = w
        .state
        .keys
        .issue(&SessionClaims::new(
            w.alice.id,
            "alice",
            "Alice",
            "evil.example",
            3600,
        ))
        .expect("other issuer");
    let notes = make_wiki(&w.state, "notes", &w.alice).await;
    let (_, wiki_token) = w
        .state
        .db
        .create_api_token(
            notes.id,
            w.alice.id,
            "agent",
            robot_platform::TokenRole::Editor,
        )
        .await
        .expect("token");
    for (label, token, needle) in [
        ("expired", expired, "expired"),
        ("forged", forged, "invalid"),
        ("other issuer", other_issuer, "invalid"),
        ("garbage", "not.a.jwt".to_string(), "invalid"),
        ("wiki token", wiki_token, "wiki API token"),
    ] {
        for (method, path) in [
            (Method::GET, "/api/me"),
            (Method::GET, "/api/wikis"),
            (Method::DELETE, "/api/wikis/notes"),
        ] {
            let reply = json(
                &w,
                PLATFORM,
                method.clone(),
                path,
                Auth::Bearer(token.clone()),
                None,
            )
            .await;
            assert_eq!(
                (reply.status, reply.code()),
                (StatusCode::UNAUTHORIZED, "invalid_token"),
                "{label} {method} {path}: {reply:?}"
            );
            assert!(reply.str("message").contains(needle), "{label}: {reply:?}");
        }
    }
    assert!(w.state.store.exists("notes"), "nothing was deleted");
    // A JWT of a deleted user stops working.
    let carol = w
        .state
        .db
        .create_user("carol", "Carol")
        .await
        .expect("carol");
    let carols = jwt(&w, &carol);
    w.state.db.delete_user(carol.id).await.expect("delete");
    let reply = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/me",
        Auth::Bearer(carols),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Without credentials: 401 JSON, even for a client that prefers HTML.
    let anonymous = json(&w, PLATFORM, Method::GET, "/api/wikis", Auth::None, None).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (StatusCode::UNAUTHORIZED, "login_required")
    );
    let browser = page(&w, PLATFORM, "/api/me", None).await;
    assert_eq!(browser.status, StatusCode::UNAUTHORIZED, "{browser:?}");
    assert_eq!(browser.json["error"], "login_required");
    // The dashboard itself sends browsers to log in.
    let dashboard = page(&w, PLATFORM, "/app/", None).await;
    assert_eq!(dashboard.status, StatusCode::SEE_OTHER);
    assert!(
        location(&dashboard).contains("/auth/login?return_to="),
        "{dashboard:?}"
    );
    // Unknown routes and methods answer JSON.
    let alice = Auth::Bearer(jwt(&w, &w.alice));
    let missing = json(&w, PLATFORM, Method::GET, "/api/nope", alice.clone(), None).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let method = json(&w, PLATFORM, Method::PUT, "/api/wikis", alice, None).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED, "{method:?}");
}

#[tokio::test]
async fn other_peoples_wikis_are_hidden_and_roles_limit_management() {
    let w = world().await;
    let notes = make_wiki(&w.state, "notes", &w.alice).await;
    let bob = Auth::Bearer(jwt(&w, &w.bob));
    for (method, path, body) in [
        (Method::GET, "/api/wikis/notes", None),
        (
            Method::PATCH,
            "/api/wikis/notes",
            Some(json!({"display_name": "Mine"})),
        ),
        (Method::DELETE, "/api/wikis/notes", None),
        (Method::POST, "/api/wikis/notes/token", None),
        (Method::GET, "/api/wikis/notes/members", None),
        (
            Method::POST,
            "/api/wikis/notes/members",
            Some(json!({"handle": "bob", "role": "admin"})),
        ),
    ] {
        let reply = json(&w, PLATFORM, method.clone(), path, bob.clone(), body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {reply:?}"
        );
    }
    assert_eq!(
        page(&w, PLATFORM, "/app/wiki/notes", Some(&w.bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.state.db.membership(notes.id, w.bob.id).await.expect("q"),
        None
    );

    w.state
        .db
        .set_member(notes.id, w.bob.id, Role::Editor)
        .await
        .expect("member");
    let seen = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/wikis/notes",
        bob.clone(),
        None,
    )
    .await;
    assert_eq!(seen.json["wiki"]["role"], "editor", "{seen:?}");
    let patch = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/notes",
        bob.clone(),
        Some(json!({"display_name": "Mine"})),
    )
    .await;
    assert_eq!(patch.status, StatusCode::FORBIDDEN, "{patch:?}");
    assert_eq!(
        page(&w, PLATFORM, "/app/wiki/notes", Some(&w.bob))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    w.state
        .db
        .set_member(notes.id, w.bob.id, Role::Admin)
        .await
        .expect("member");
    let patch = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/notes",
        bob.clone(),
        Some(json!({"display_name": "Shared"})),
    )
    .await;
    assert_eq!(patch.status, StatusCode::OK, "{patch:?}");
    let delete = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/notes",
        bob.clone(),
        None,
    )
    .await;
    assert_eq!(
        delete.status,
        StatusCode::FORBIDDEN,
        "admins cannot delete: {delete:?}"
    );
    assert!(w.state.store.exists("notes"));
    let remove_owner = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/notes/members/alice",
        bob,
        None,
    )
    .await;
    assert_eq!(
        remove_owner.status,
        StatusCode::BAD_REQUEST,
        "{remove_owner:?}"
    );
}

#[tokio::test]
async fn removed_collaborators_lose_access_on_their_next_request() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let alice = Auth::Bearer(jwt(&w, &w.alice));
    let unknown = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/members",
        alice.clone(),
        Some(json!({"handle": "nobody", "role": "viewer"})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown
            .str("message")
            .contains("no robot.wtf user with the handle “nobody”"),
        "{unknown:?}"
    );
    let owner_role = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/members",
        alice.clone(),
        Some(json!({"handle": "bob", "role": "owner"})),
    )
    .await;
    assert_eq!(owner_role.status, StatusCode::BAD_REQUEST, "{owner_role:?}");

    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.bob)).await.status,
        StatusCode::FORBIDDEN
    );
    let invited = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/members",
        alice.clone(),
        Some(json!({"handle": "@bob", "role": "viewer"})),
    )
    .await;
    assert_eq!(invited.status, StatusCode::OK, "{invited:?}");
    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.bob)).await.status,
        StatusCode::OK
    );
    let answered = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert!(!answered.text.contains("data-pending"), "{answered:?}");
    let save = form(
        &w,
        NOTES,
        "/Home/save",
        &w.bob,
        &[("content", "# Bob was here")],
        true,
    )
    .await;
    assert_eq!(save.status, StatusCode::FORBIDDEN, "viewers cannot write");

    let promoted = json(
        &w,
        PLATFORM,
        Method::PATCH,
        "/api/wikis/notes/members/bob",
        alice.clone(),
        Some(json!({"role": "editor"})),
    )
    .await;
    assert_eq!(promoted.json["member"]["role"], "editor", "{promoted:?}");
    let save = form(
        &w,
        NOTES,
        "/Home/save",
        &w.bob,
        &[("content", "# Bob was here")],
        true,
    )
    .await;
    assert_eq!(save.status, StatusCode::SEE_OTHER, "{save:?}");
    let members = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/wikis/notes/members",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(members.json["owner"]["handle"], "alice");
    assert_eq!(members.json["members"][0]["handle"], "bob");

    let removed = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/notes/members/bob",
        alice.clone(),
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    // The same session cookie, the very next request: no access.
    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.bob)).await.status,
        StatusCode::FORBIDDEN
    );
    let save = form(
        &w,
        NOTES,
        "/Home/save",
        &w.bob,
        &[("content", "# again")],
        true,
    )
    .await;
    assert_eq!(save.status, StatusCode::FORBIDDEN);
    let twice = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/wikis/notes/members/bob",
        alice,
        None,
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{twice:?}");
}

#[tokio::test]
async fn signed_in_outsiders_request_access_and_admins_answer() {
    let w = world().await;
    let notes = make_wiki(&w.state, "notes", &w.alice).await;
    let refused = page(&w, NOTES, "/Home", Some(&w.bob)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text.contains("href=\"/-/request-access\""),
        "{refused:?}"
    );
    let anonymous = page(&w, NOTES, "/-/request-access", None).await;
    assert_eq!(
        anonymous.status,
        StatusCode::SEE_OTHER,
        "anonymous visitors log in first"
    );
    let form_page = page(&w, NOTES, "/-/request-access", Some(&w.bob)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(
        form_page.text.contains("id=\"send-request\""),
        "{form_page:?}"
    );
    assert!(
        !form_page.text.contains("Getting Started"),
        "no page tree for outsiders"
    );

    let no_csrf = form(
        &w,
        NOTES,
        "/-/request-access",
        &w.bob,
        &[("message", "hi")],
        false,
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(
        !w.state
            .db
            .has_access_request(notes.id, w.bob.id)
            .await
            .expect("q")
    );
    let sent = form(
        &w,
        NOTES,
        "/-/request-access",
        &w.bob,
        &[("message", "I am on the team")],
        true,
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{sent:?}");
    assert!(flash(&sent).contains("Request sent"), "{sent:?}");
    let pending = page(&w, NOTES, "/-/request-access", Some(&w.bob)).await;
    assert!(pending.text.contains("waiting for an admin"), "{pending:?}");

    // The owner sees it on the wiki's settings page and on the dashboard, and approves it.
    let admin = page(&w, NOTES, "/-/admin", Some(&w.alice)).await;
    assert!(
        admin.text.contains("I am on the team") && admin.text.contains("data-request=\"bob\""),
        "{admin:?}"
    );
    let dash = page(&w, PLATFORM, "/app/wiki/notes", Some(&w.alice)).await;
    assert!(dash.text.contains("data-request=\"bob\""), "{dash:?}");
    let home = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert!(
        home.text.contains("data-pending=\"notes\"") && home.text.contains("1 access request<"),
        "the owner's dashboard says a request waits: {home:?}"
    );
    let bobs_home = page(&w, PLATFORM, "/app/", Some(&w.bob)).await;
    assert!(!bobs_home.text.contains("data-pending"), "{bobs_home:?}");
    let by_bob = form(
        &w,
        NOTES,
        "/-/admin/requests",
        &w.bob,
        &[("handle", "bob"), ("decision", "editor")],
        true,
    )
    .await;
    assert_eq!(
        by_bob.status,
        StatusCode::FORBIDDEN,
        "outsiders cannot approve themselves"
    );
    let approved = form(
        &w,
        NOTES,
        "/-/admin/requests",
        &w.alice,
        &[("handle", "bob"), ("decision", "editor")],
        true,
    )
    .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert!(
        flash(&approved).contains("bob is now editor"),
        "{approved:?}"
    );
    assert_eq!(
        w.state.db.membership(notes.id, w.bob.id).await.expect("q"),
        Some(Role::Editor)
    );
    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.bob)).await.status,
        StatusCode::OK
    );

    // Members are managed on /-/admin too; a denied request leaves no access.
    let carol = w
        .state
        .db
        .create_user("carol", "Carol")
        .await
        .expect("carol");
    w.state
        .db
        .request_access(notes.id, carol.id, "")
        .await
        .expect("request");
    let denied = form(
        &w,
        NOTES,
        "/-/admin/requests",
        &w.alice,
        &[("handle", "carol"), ("decision", "deny")],
        true,
    )
    .await;
    assert!(flash(&denied).contains("Denied"), "{denied:?}");
    assert_eq!(
        w.state.db.membership(notes.id, carol.id).await.expect("q"),
        None
    );
    let unknown = form(
        &w,
        NOTES,
        "/-/admin/members",
        &w.alice,
        &[("handle", "zed"), ("role", "viewer")],
        true,
    )
    .await;
    assert!(flash(&unknown).contains("no robot.wtf user"), "{unknown:?}");
    let invited = form(
        &w,
        NOTES,
        "/-/admin/members",
        &w.alice,
        &[("handle", "carol"), ("role", "viewer")],
        true,
    )
    .await;
    assert!(
        flash(&invited).contains("carol is now viewer"),
        "{invited:?}"
    );
    let removed = form(
        &w,
        NOTES,
        "/-/admin/members/remove",
        &w.alice,
        &[("handle", "bob")],
        true,
    )
    .await;
    assert!(flash(&removed).contains("Removed bob"), "{removed:?}");
    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.bob)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn check_slug_answers_only_for_hosts_we_serve() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    for (host, domain, expected) in [
        (PLATFORM, "notes.localhost", StatusCode::OK),
        (PLATFORM, "localhost", StatusCode::OK),
        (PLATFORM, "NOTES.localhost", StatusCode::OK),
        (PLATFORM, "missing.localhost", StatusCode::NOT_FOUND),
        (PLATFORM, "www.localhost", StatusCode::NOT_FOUND),
        (PLATFORM, "a.notes.localhost", StatusCode::NOT_FOUND),
        (PLATFORM, "notes.localhost.evil.com", StatusCode::NOT_FOUND),
        (PLATFORM, "evil.com", StatusCode::NOT_FOUND),
        (PLATFORM, "notes.localhost/x", StatusCode::NOT_FOUND),
        (PLATFORM, "", StatusCode::NOT_FOUND),
        // Caddy may ask on the loopback address.
        ("127.0.0.1:8080", "notes.localhost", StatusCode::OK),
        ("127.0.0.1:8080", "nope.localhost", StatusCode::NOT_FOUND),
    ] {
        let path = format!("/api/internal/check-slug?domain={}", urlencode(domain));
        let reply = json(&w, host, Method::GET, &path, Auth::None, None).await;
        assert_eq!(reply.status, expected, "{host} {domain}: {reply:?}");
    }
    let no_param = json(
        &w,
        PLATFORM,
        Method::GET,
        "/api/internal/check-slug",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(no_param.status, StatusCode::NOT_FOUND);
    // On a wiki host the path is the wiki's own.
    let on_wiki = page(
        &w,
        NOTES,
        "/api/internal/check-slug?domain=notes.localhost",
        Some(&w.alice),
    )
    .await;
    assert_eq!(on_wiki.status, StatusCode::NOT_FOUND);
    assert!(
        on_wiki.text.contains("<html"),
        "a wiki page answer, not the check: {on_wiki:?}"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn dashboard_creates_a_wiki_shows_its_token_once_and_deletes_it() {
    let w = world().await;
    let home = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert_eq!(home.status, StatusCode::OK, "{home:?}");
    assert!(
        home.text.contains("value=\"alice\""),
        "slug suggested from the handle: {home:?}"
    );

    let bad = form(
        &w,
        PLATFORM,
        "/app/create",
        &w.alice,
        &[("slug", "Alice!"), ("display_name", "A")],
        true,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("Invalid slug"), "{bad:?}");
    assert!(
        bad.text.contains("value=\"Alice!\""),
        "the typed values are kept"
    );

    let created = form(
        &w,
        PLATFORM,
        "/app/create",
        &w.alice,
        &[
            ("slug", "alice"),
            ("display_name", "Alice's notes"),
            ("description", "Everything"),
        ],
        true,
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    assert_eq!(created.headers["cache-control"], "no-store");
    let secret = element_text(&created.text, "token-secret").expect("token shown");
    let command = element_text(&created.text, "claude-command").expect("command shown");
    assert_eq!(
        command,
        format!(
            "claude mcp add --transport http alice http://alice.localhost:8080/mcp --header \
             \"Authorization: Bearer {secret}\""
        )
    );
    let api = json(
        &w,
        "alice.localhost:8080",
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(secret.clone()),
        None,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{api:?}");

    // Afterwards the page never shows the secret again.
    let settings = page(&w, PLATFORM, "/app/wiki/alice", Some(&w.alice)).await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(!settings.text.contains(&secret));
    assert!(settings.text.contains("data-token=\"mcp\""), "{settings:?}");

    // Settings, git toggle and a named token.
    let saved = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/settings",
        &w.alice,
        &[
            ("display_name", "Renamed"),
            ("description", "New purpose"),
            ("read_access", "anonymous"),
            ("write_access", "approved"),
            ("attachment_access", "admin"),
            ("git_access", "on"),
        ],
        true,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    let wiki = w
        .state
        .db
        .wiki_by_slug(&slug("alice"))
        .await
        .expect("q")
        .expect("wiki");
    assert_eq!(
        (wiki.display_name.as_str(), wiki.git_access),
        ("Renamed", true)
    );
    assert_eq!(wiki.access.read, robot_platform::AccessLevel::Anonymous);
    // With git access on, the page shows how to clone.
    let shown = page(&w, PLATFORM, "/app/wiki/alice", Some(&w.alice)).await;
    let clone = element_text(&shown.text, "git-clone").expect("clone command");
    assert!(
        clone.starts_with("git clone http://token:")
            && clone.ends_with("@alice.localhost:8080/.git alice"),
        "{clone}"
    );
    let minted = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/tokens",
        &w.alice,
        &[("name", "laptop"), ("role", "read-only")],
        true,
    )
    .await;
    assert_eq!(minted.status, StatusCode::OK);
    let laptop = element_text(&minted.text, "token-secret").expect("secret");
    let write = json(
        &w,
        "alice.localhost:8080",
        Method::PUT,
        "/api/v1/pages/Note",
        Auth::Bearer(laptop.clone()),
        Some(json!({"content": "x"})),
    )
    .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "read-only: {write:?}");
    let revoked = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/tokens/revoke",
        &w.alice,
        &[("name", "laptop")],
        true,
    )
    .await;
    assert!(flash(&revoked).contains("Revoked"), "{revoked:?}");
    let regenerated = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/mcp/regenerate",
        &w.alice,
        &[],
        true,
    )
    .await;
    let fresh = element_text(&regenerated.text, "token-secret").expect("secret");
    assert_ne!(fresh, secret);
    let old = json(
        &w,
        "alice.localhost:8080",
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(secret),
        None,
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);

    // Invite through the dashboard.
    let invited = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/members",
        &w.alice,
        &[("handle", "bob"), ("role", "editor")],
        true,
    )
    .await;
    assert!(flash(&invited).contains("bob is now editor"), "{invited:?}");
    let bob_home = page(&w, PLATFORM, "/app/", Some(&w.bob)).await;
    assert!(
        bob_home.text.contains("data-slug=\"alice\""),
        "shared wikis are listed: {bob_home:?}"
    );

    // The limit is shown instead of the form.
    let full = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert!(!full.text.contains("id=\"create\""), "{full:?}");
    assert!(full.text.contains("Each account may own 1 wiki"));

    // Deleting needs the slug typed exactly.
    let wrong = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/delete",
        &w.alice,
        &[("confirm_slug", "Alice")],
        true,
    )
    .await;
    assert!(flash(&wrong).contains("did not match"), "{wrong:?}");
    assert!(w.state.store.exists("alice"));
    let by_member = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/delete",
        &w.bob,
        &[("confirm_slug", "alice")],
        true,
    )
    .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    let deleted = form(
        &w,
        PLATFORM,
        "/app/wiki/alice/delete",
        &w.alice,
        &[("confirm_slug", "alice")],
        true,
    )
    .await;
    assert_eq!(location(&deleted), "/app/");
    assert!(!w.state.store.exists("alice"));
    assert!(
        w.state
            .db
            .wiki_by_slug(&slug("alice"))
            .await
            .expect("q")
            .is_none()
    );
    let after = json(
        &w,
        "alice.localhost:8080",
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(fresh),
        None,
    )
    .await;
    assert_eq!(after.status, StatusCode::NOT_FOUND, "{after:?}");
}

#[tokio::test]
async fn deleting_an_account_removes_everything_it_owns_and_signs_out() {
    let w = world().await;
    let notes = make_wiki(&w.state, "notes", &w.alice).await;
    let shared = make_wiki(&w.state, "shared", &w.bob).await;
    w.state
        .db
        .set_member(shared.id, w.alice.id, Role::Editor)
        .await
        .expect("member");
    let (_, token) = w
        .state
        .db
        .create_api_token(
            notes.id,
            w.alice.id,
            "agent",
            robot_platform::TokenRole::Editor,
        )
        .await
        .expect("token");
    let account = page(&w, PLATFORM, "/app/account", Some(&w.alice)).await;
    assert!(
        account.text.contains("<strong>notes</strong>"),
        "{account:?}"
    );

    let wrong = form(
        &w,
        PLATFORM,
        "/app/account/delete",
        &w.alice,
        &[("confirm_handle", "bob")],
        true,
    )
    .await;
    assert!(flash(&wrong).contains("did not match"), "{wrong:?}");
    assert!(
        w.state
            .db
            .user_by_id(w.alice.id)
            .await
            .expect("q")
            .is_some()
    );

    let deleted = form(
        &w,
        PLATFORM,
        "/app/account/delete",
        &w.alice,
        &[("confirm_handle", "alice")],
        true,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{deleted:?}");
    assert_eq!(location(&deleted), "/");
    let cleared = deleted
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("robot_session=;") && c.contains("Max-Age=0"));
    assert!(cleared, "{:?}", deleted.headers);
    assert!(
        w.state
            .db
            .user_by_id(w.alice.id)
            .await
            .expect("q")
            .is_none()
    );
    assert!(!w.state.store.exists("notes"));
    assert!(
        w.state
            .db
            .wiki_by_slug(&slug("notes"))
            .await
            .expect("q")
            .is_none()
    );
    assert!(
        w.state
            .db
            .list_members(shared.id)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(w.state.store.exists("shared"), "other people's wikis stay");
    assert!(
        w.state
            .db
            .authenticate_api_token(&token)
            .await
            .expect("q")
            .is_none()
    );
    // The old cookie no longer signs anyone in.
    let after = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);

    // Over JSON, with the same typed confirmation.
    let bob = Auth::Bearer(jwt(&w, &w.bob));
    let wrong = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/me",
        bob.clone(),
        Some(json!({"confirm_handle": "alice"})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let gone = json(
        &w,
        PLATFORM,
        Method::DELETE,
        "/api/me",
        bob,
        Some(json!({"confirm_handle": "bob"})),
    )
    .await;
    assert_eq!(gone.json["wikis_deleted"], 1, "{gone:?}");
    assert!(!w.state.store.exists("shared"));
}

#[tokio::test]
async fn the_status_page_is_for_platform_admins() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let refused = page(&w, PLATFORM, "/app/admin", Some(&w.alice)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    w.state
        .db
        .set_platform_admin(w.bob.id, true)
        .await
        .expect("admin");
    let status = page(&w, PLATFORM, "/app/admin", Some(&w.bob)).await;
    assert_eq!(status.status, StatusCode::OK, "{status:?}");
    for needle in [
        "Health",
        "Disk usage",
        "data-slug=\"notes\"",
        "<td>alice</td>",
        "Users: <strong>2</strong>",
        "Free disk space",
        "id=\"disk-free\"",
        "on the filesystem of",
    ] {
        assert!(status.text.contains(needle), "{needle}: {status:?}");
    }
    // The test volume is not nearly full (if it were, the warning would be right to show).
    let free_line = element_text(&status.text, "disk-free").unwrap_or_default();
    assert!(free_line.contains("Free on its filesystem"), "{free_line}");
    let home = page(&w, PLATFORM, "/app/", Some(&w.bob)).await;
    assert!(
        home.text.contains("href=\"/app/admin\""),
        "admins get the link"
    );
    let home = page(&w, PLATFORM, "/app/", Some(&w.alice)).await;
    assert!(!home.text.contains("href=\"/app/admin\""), "others do not");
}

#[tokio::test]
async fn logout_clears_the_parent_domain_cookie_too() {
    let w = dashboard_support::common::world_on("robot.test", "https://robot.test").await;
    let reply = form(&w, "robot.test", "/auth/logout", &w.alice, &[], true).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
    let cleared: Vec<_> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|c| c.starts_with("robot_session=;"))
        .collect();
    assert!(
        cleared.iter().any(|c| c.contains("Domain=robot.test")),
        "the shared cookie: {cleared:?}"
    );
    assert!(
        cleared.iter().any(|c| !c.contains("Domain=")),
        "the host-only cookie: {cleared:?}"
    );
}

#[tokio::test]
async fn owners_hand_a_wiki_to_a_collaborator_and_stay_on_as_admins() {
    let w = world().await;
    let notes = make_wiki(&w.state, "notes", &w.alice).await;
    let carol = w
        .state
        .db
        .create_user("carol", "Carol")
        .await
        .expect("carol");
    w.state
        .db
        .set_member(notes.id, w.bob.id, Role::Admin)
        .await
        .expect("bob");
    let shown = page(&w, PLATFORM, "/app/wiki/notes", Some(&w.alice)).await;
    assert!(
        shown.text.contains("id=\"transfer-wiki\""),
        "the owner is offered the transfer: {shown:?}"
    );
    let owner = || async {
        w.state
            .db
            .wiki_by_slug(&slug("notes"))
            .await
            .expect("q")
            .expect("wiki")
            .owner_id
    };

    // Refusals change nothing: no CSRF, a wrong confirmation, a non-member, an admin who is
    // not the owner.
    let transfer = |by, handle: &'static str, confirm: &'static str, csrf| {
        let w = &w;
        async move {
            form(
                w,
                PLATFORM,
                "/app/wiki/notes/transfer",
                by,
                &[("handle", handle), ("confirm_slug", confirm)],
                csrf,
            )
            .await
        }
    };
    assert_eq!(
        transfer(&w.alice, "bob", "notes", false).await.status,
        StatusCode::FORBIDDEN
    );
    let typo = transfer(&w.alice, "bob", "note", true).await;
    assert!(flash(&typo).contains("did not match"), "{typo:?}");
    let stranger = transfer(&w.alice, "carol", "notes", true).await;
    assert!(
        flash(&stranger).contains("not a collaborator"),
        "{stranger:?}"
    );
    let by_admin = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/transfer",
        Auth::Bearer(jwt(&w, &w.bob)),
        Some(json!({"handle": "bob", "confirm_slug": "notes"})),
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::FORBIDDEN, "{by_admin:?}");
    assert_eq!(owner().await, w.alice.id);

    // The owner hands it to bob: bob owns it, alice is an admin, nobody lost access.
    let done = transfer(&w.alice, "bob", "notes", true).await;
    assert!(flash(&done).contains("bob now owns notes"), "{done:?}");
    assert_eq!(owner().await, w.bob.id);
    assert_eq!(
        w.state
            .db
            .membership(notes.id, w.alice.id)
            .await
            .expect("q"),
        Some(Role::Admin)
    );
    assert_eq!(
        w.state.db.membership(notes.id, w.bob.id).await.expect("q"),
        Some(Role::Owner)
    );
    assert_eq!(
        page(&w, NOTES, "/Home", Some(&w.alice)).await.status,
        StatusCode::OK
    );

    // And back over the JSON API; a recipient at their wiki limit is refused.
    let back = json(
        &w,
        PLATFORM,
        Method::POST,
        "/api/wikis/notes/transfer",
        Auth::Bearer(jwt(&w, &w.bob)),
        Some(json!({"handle": "alice", "confirm_slug": "notes"})),
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.json["owner"]["handle"], "alice");
    make_wiki(&w.state, "carols", &carol).await;
    w.state
        .db
        .set_member(notes.id, carol.id, Role::Editor)
        .await
        .expect("carol");
    let full = transfer(&w.alice, "carol", "notes", true).await;
    assert!(
        flash(&full).contains("already owns as many wikis"),
        "{full:?}"
    );
    assert_eq!(owner().await, w.alice.id);
}
