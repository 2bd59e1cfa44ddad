//! The OAuth 2.1 authorization server of a wiki, end to end through the real router: metadata,
//! dynamic registration, the consent page (signed-in browser, CSRF), the code exchange with
//! PKCE, MCP calls with the access token, refresh rotation and revocation — and the attacks:
//! wrong verifier, reused code and refresh token, redirect URI games, missing PKCE, tokens and
//! clients of another wiki, expired codes, removed collaborators, forged consent, deleted wikis.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use robot_platform::{Role, Slug};
use serde_json::{Value, json};

mod oauth_support;

use oauth_support::*;

#[tokio::test]
async fn metadata_points_at_the_wiki_as_its_own_authorization_server() {
    let s = setup().await;
    let world = &s.world;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/mcp",
    ] {
        let reply = json(world, NOTES, Method::GET, path, Auth::None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
        assert_eq!(reply.headers["access-control-allow-origin"], "*");
        let doc = &reply.json;
        assert_eq!(doc["issuer"], WIKI_URL);
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{WIKI_URL}/-/oauth/authorize")
        );
        assert_eq!(doc["token_endpoint"], format!("{WIKI_URL}/-/oauth/token"));
        assert_eq!(
            doc["registration_endpoint"],
            format!("{WIKI_URL}/-/oauth/register")
        );
        assert_eq!(
            doc["revocation_endpoint"],
            format!("{WIKI_URL}/-/oauth/revoke")
        );
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["response_types_supported"], json!(["code"]));
    }
    let resource = json(
        world,
        NOTES,
        Method::GET,
        "/.well-known/oauth-protected-resource/mcp",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(resource.json["authorization_servers"], json!([WIKI_URL]));
    let unknown = json(
        world,
        "nowiki.localhost:8080",
        Method::GET,
        "/.well-known/oauth-authorization-server",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn registration_validates_the_client_metadata() {
    let s = setup().await;
    let world = &s.world;
    let post = |body: Value| async move {
        json(
            world,
            NOTES,
            Method::POST,
            "/-/oauth/register",
            Auth::None,
            Some(body),
        )
        .await
    };
    let confidential = post(json!({"client_name": "Server app",
        "redirect_uris": ["https://app.example/cb"],
        "token_endpoint_auth_method": "client_secret_post"}))
    .await;
    assert_eq!(confidential.status, StatusCode::CREATED, "{confidential:?}");
    assert!(confidential.str("client_secret").starts_with("rws_"));
    assert_eq!(confidential.headers[header::CACHE_CONTROL], "no-store");
    for (body, code) in [
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#x"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb"], "client_name": "x".repeat(101)}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb"], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
        ),
    ] {
        let reply = post(body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {reply:?}");
        assert_eq!(reply.code(), code, "{body}");
    }
    let loopback = post(json!({"redirect_uris": ["http://127.0.0.1:33418/cb"],
        "token_endpoint_auth_method": "none"}))
    .await;
    assert_eq!(loopback.status, StatusCode::CREATED, "{loopback:?}");
}

#[tokio::test]
async fn full_flow_consent_token_mcp_refresh_revoke() {
    let s = setup().await;
    let world = &s.world;
    let alice = &world.alice;
    let client_id = register(world, NOTES).await;

    // Not signed in: the usual login redirect, back to this very request.
    let query = authorize_query(&client_id, &[]);
    let anonymous = page(world, NOTES, &query, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{anonymous:?}");
    assert!(location(&anonymous).contains("/auth/login?return_to="));
    assert!(location(&anonymous).contains("oauth%2Fauthorize"));

    // Signed in: the consent page names the app, the redirect host and what it may do.
    let consent_page = page(world, NOTES, &query, Some(alice)).await;
    assert_eq!(consent_page.status, StatusCode::OK, "{consent_page:?}");
    assert!(consent_page.text.contains("Claude"));
    assert!(consent_page.text.contains("client.example"));
    assert!(consent_page.text.contains("edit pages"));
    assert!(consent_page.text.contains(CSRF));

    // Approve → code (with state and iss) → tokens.
    let reply = consent(world, NOTES, alice, &client_id, "approve", true).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
    let params = query_of(&reply);
    assert_eq!(param(&params, "iss").as_deref(), Some(WIKI_URL));
    let code = param(&params, "code").expect("code");
    let tokens = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{tokens:?}");
    assert_eq!(tokens.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(tokens.json["token_type"], "Bearer");
    assert_eq!(
        tokens.json["expires_in"],
        robot_platform::oauth::DEFAULT_ACCESS_LIFETIME_SECS,
        "30 days unless the owner chose otherwise"
    );
    let access = tokens.str("access_token");
    let refresh_token = tokens.str("refresh_token");
    assert!(access.starts_with("rwo_") && refresh_token.starts_with("rwr_"));

    // The token acts as alice on MCP: read and write.
    let me = whoami(world, &access).await;
    assert_eq!(me["user"], "alice");
    assert_eq!(me["permissions"]["write"], true);
    let write = mcp_call(
        world,
        NOTES,
        &access,
        "write_note",
        json!({"path": "From Claude", "content": "# Hi\n", "commit_message": "via oauth"}),
    )
    .await;
    assert_eq!(write.status, StatusCode::OK, "{write:?}");
    assert_ne!(write.json["result"]["isError"], true, "{write:?}");
    let read = mcp_call(
        world,
        NOTES,
        &access,
        "read_note",
        json!({"path": "From Claude"}),
    )
    .await;
    assert!(read.text.contains("Hi"), "{read:?}");
    // The history names the person and the app.
    let history = mcp_call(
        world,
        NOTES,
        &access,
        "get_history",
        json!({"path": "From Claude"}),
    )
    .await;
    assert!(history.text.contains("Alice (Claude)"), "{history:?}");

    // Refresh rotates: the new pair works, the old access and refresh tokens do not.
    let rotated = refresh(world, &client_id, &refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{rotated:?}");
    let access2 = rotated.str("access_token");
    let refresh2 = rotated.str("refresh_token");
    assert_ne!(access2, access);
    whoami(world, &access2).await;
    let old = mcp_call(world, NOTES, &access, "whoami", json!({})).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "{old:?}");

    // The grant is listed on the dashboard's API, with its app and user.
    let grants = json(
        world,
        "localhost:8080",
        Method::GET,
        "/api/wikis/notes/grants",
        Auth::Cookie(alice, false),
        None,
    )
    .await;
    assert_eq!(grants.status, StatusCode::OK, "{grants:?}");
    assert_eq!(grants.json["grants"][0]["client_name"], "Claude");
    assert_eq!(grants.json["grants"][0]["user_handle"], "alice");

    // Revoke (RFC 7009): 200, and the tokens stop working.
    let revoked = send(
        &world.state,
        Request::post("/-/oauth/revoke")
            .header(header::HOST, NOTES)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(&[
                ("token", &refresh2),
                ("client_id", &client_id),
            ])))
            .expect("request"),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    let after = mcp_call(world, NOTES, &access2, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");
    assert!(
        after.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .expect("ascii")
            .contains("invalid_token")
    );
    assert_eq!(
        refresh(world, &client_id, &refresh2).await.code(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let reply = consent(world, NOTES, &world.alice, &client_id, "deny", true).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let params = query_of(&reply);
    assert_eq!(param(&params, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&params, "state").as_deref(), Some("xyz"));
    assert!(param(&params, "code").is_none());
}

#[tokio::test]
async fn wrong_verifier_and_redirect_mismatch_are_invalid_grant() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let wrong = exchange(
        world,
        NOTES,
        &client_id,
        &code,
        "another-verifier-that-is-long-enough-to-be-well-formed",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{wrong:?}");
    assert_eq!(wrong.code(), "invalid_grant");
    // The failed attempt spent the code.
    let retry = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(retry.code(), "invalid_grant");

    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let other_redirect = token_request(
        world,
        NOTES,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://client.example/other"),
            ("client_id", &client_id),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(other_redirect.code(), "invalid_grant");

    let unsupported = token_request(world, NOTES, &[("grant_type", "password")]).await;
    assert_eq!(unsupported.code(), "unsupported_grant_type");
    let unknown_client = exchange(world, NOTES, "nobody", &code, VERIFIER).await;
    assert_eq!(unknown_client.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_client.code(), "invalid_client");
}

#[tokio::test]
async fn a_reused_code_revokes_the_tokens_it_produced() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let first = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(first.status, StatusCode::OK);
    let access = first.str("access_token");
    whoami(world, &access).await;
    let second = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(second.code(), "invalid_grant");
    let after = mcp_call(world, NOTES, &access, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");
    assert_eq!(
        refresh(world, &client_id, &first.str("refresh_token"))
            .await
            .code(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_grant() {
    let s = setup().await;
    let world = &s.world;
    let (client_id, tokens) = connect(world, &world.alice).await;
    let old_refresh = tokens["refresh_token"].as_str().expect("refresh");
    let rotated = refresh(world, &client_id, old_refresh).await;
    assert_eq!(rotated.status, StatusCode::OK);
    // The old refresh token again: refused, and the new pair dies with the grant.
    assert_eq!(
        refresh(world, &client_id, old_refresh).await.code(),
        "invalid_grant"
    );
    let after = mcp_call(
        world,
        NOTES,
        &rotated.str("access_token"),
        "whoami",
        json!({}),
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(world, &client_id, &rotated.str("refresh_token"))
            .await
            .code(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn bad_client_or_redirect_is_shown_here_never_redirected() {
    let s = setup().await;
    let world = &s.world;
    let alice = &world.alice;
    let client_id = register(world, NOTES).await;
    for query in [
        authorize_query("unknown-client", &[]),
        authorize_query(&client_id, &[("redirect_uri", "https://evil.example/cb")]),
        authorize_query(&client_id, &[("client_id", "")]),
    ] {
        let reply = page(world, NOTES, &query, Some(alice)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {reply:?}");
        assert!(reply.headers.get(header::LOCATION).is_none(), "{query}");
    }
    // A client registered at another wiki is unknown here.
    let foreign = register(world, OTHER).await;
    let reply = page(world, NOTES, &authorize_query(&foreign, &[]), Some(alice)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // The POST re-checks: a forged consent to an unregistered redirect goes nowhere.
    let forged = form(
        world,
        NOTES,
        "/-/oauth/authorize",
        alice,
        &[
            ("client_id", &client_id),
            ("redirect_uri", "https://evil.example/cb"),
            ("code_challenge", &challenge(VERIFIER)),
            ("decision", "approve"),
        ],
        true,
    )
    .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{forged:?}");
    assert!(forged.headers.get(header::LOCATION).is_none());
    // The redirect URI may be omitted when exactly one is registered.
    let omitted = page(
        world,
        NOTES,
        &authorize_query(&client_id, &[("redirect_uri", "")]),
        Some(alice),
    )
    .await;
    assert_eq!(omitted.status, StatusCode::OK, "{omitted:?}");
}

#[tokio::test]
async fn request_errors_go_back_to_the_client_with_state() {
    let s = setup().await;
    let world = &s.world;
    // Only an app this person has approved here gets its errors back (finding 12).
    let (client_id, _) = connect(world, &world.alice).await;
    for (extra, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            vec![("resource", "http://other.localhost:8080/mcp")],
            "invalid_target",
        ),
    ] {
        let reply = page(
            world,
            NOTES,
            &authorize_query(&client_id, &extra),
            Some(&world.alice),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{extra:?}: {reply:?}");
        assert!(location(&reply).starts_with(REDIRECT));
        let params = query_of(&reply);
        assert_eq!(param(&params, "error").as_deref(), Some(error), "{extra:?}");
        assert_eq!(param(&params, "state").as_deref(), Some("xyz"));
    }
}

#[tokio::test]
async fn consent_needs_csrf_and_read_access() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let no_csrf = consent(world, NOTES, &world.alice, &client_id, "approve", false).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{no_csrf:?}");
    assert!(no_csrf.headers.get(header::LOCATION).is_none());
    // bob has no role on the private `notes` wiki.
    let refused = page(
        world,
        NOTES,
        &authorize_query(&client_id, &[]),
        Some(&world.bob),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    let refused_post = consent(world, NOTES, &world.bob, &client_id, "approve", true).await;
    assert_eq!(
        refused_post.status,
        StatusCode::FORBIDDEN,
        "{refused_post:?}"
    );
}

#[tokio::test]
async fn tokens_and_codes_are_bound_to_their_wiki() {
    let s = setup().await;
    let world = &s.world;
    let (_, tokens) = connect(world, &world.alice).await;
    let access = tokens["access_token"].as_str().expect("access");
    let foreign = mcp_call(world, OTHER, access, "whoami", json!({})).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{foreign:?}");
    let rest = json(
        world,
        OTHER,
        Method::GET,
        "/api/v1/pages",
        Auth::Bearer(access.to_string()),
        None,
    )
    .await;
    assert_eq!(rest.status, StatusCode::FORBIDDEN, "{rest:?}");

    // A code issued at notes cannot be redeemed at other, even by a client of other.
    let client_id = register(world, NOTES).await;
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let at_other = exchange(world, OTHER, &client_id, &code, VERIFIER).await;
    assert_eq!(at_other.code(), "invalid_client");
    let other_client = register(world, OTHER).await;
    let at_other = exchange(world, OTHER, &other_client, &code, VERIFIER).await;
    assert_eq!(at_other.code(), "invalid_grant");
    let _ = s.other_id;
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    // Age the code past its ten minutes directly in the database (another connection, as
    // another process would).
    let path = world.state.config.db_path();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("db");
    sqlx::query("UPDATE oauth_codes SET expires_at = expires_at - 601")
        .execute(&pool)
        .await
        .expect("update");
    pool.close().await;
    let reply = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(reply.code(), "invalid_grant", "{reply:?}");
    assert!(
        reply.json["error_description"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
}

#[tokio::test]
async fn a_removed_collaborator_loses_access_on_the_next_request() {
    let s = setup().await;
    let world = &s.world;
    let bob = &world.bob;
    world
        .state
        .db
        .set_member(s.notes_id, bob.id, Role::Editor)
        .await
        .expect("member");
    let (_, tokens) = connect(world, bob).await;
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(whoami(world, access).await["permissions"]["write"], true);
    world
        .state
        .db
        .set_member(s.notes_id, bob.id, Role::Viewer)
        .await
        .expect("viewer");
    assert_eq!(whoami(world, access).await["permissions"]["write"], false);
    world
        .state
        .db
        .remove_member(s.notes_id, bob.id)
        .await
        .expect("remove");
    assert_eq!(whoami(world, access).await["permissions"]["read"], false);
    let read = mcp_call(world, NOTES, access, "read_note", json!({"path": "Home"})).await;
    assert_eq!(read.json["result"]["isError"], true, "{read:?}");
}

#[tokio::test]
async fn deleting_the_wiki_or_the_account_removes_grants() {
    let s = setup().await;
    let world = &s.world;
    let (_, tokens) = connect(world, &world.alice).await;
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(
        world
            .state
            .db
            .list_oauth_grants(s.notes_id)
            .await
            .expect("grants")
            .len(),
        1
    );
    robot_server::wikis::delete(&world.state, &Slug::parse("notes").expect("slug"))
        .await
        .expect("delete");
    assert!(
        world
            .state
            .db
            .list_oauth_grants(s.notes_id)
            .await
            .expect("grants")
            .is_empty()
    );
    // A new wiki of the same name does not take the old token.
    make_wiki(&world.state, "notes", &world.alice).await;
    let after = mcp_call(world, NOTES, access, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");

    // Deleting the account takes its grants on other wikis too.
    let other = world
        .state
        .db
        .wiki_by_slug(&Slug::parse("other").expect("slug"))
        .await;
    let other = other.expect("db").expect("other");
    world
        .state
        .db
        .set_member(other.id, world.alice.id, Role::Editor)
        .await
        .expect("member");
    let client_id = register(world, OTHER).await;
    let reply = consent(world, OTHER, &world.alice, &client_id, "approve", true).await;
    let code = param(&query_of(&reply), "code").expect("code");
    let tokens = exchange(world, OTHER, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{tokens:?}");
    assert_eq!(
        world
            .state
            .db
            .list_oauth_grants(other.id)
            .await
            .expect("grants")
            .len(),
        1
    );
    world
        .state
        .db
        .delete_user(world.alice.id)
        .await
        .expect("delete user");
    assert!(
        world
            .state
            .db
            .list_oauth_grants(other.id)
            .await
            .expect("grants")
            .is_empty()
    );
}

#[tokio::test]
async fn logging_out_everywhere_disconnects_apps() {
    let s = setup().await;
    let world = &s.world;
    let (client_id, tokens) = connect(world, &world.alice).await;
    let access = tokens["access_token"].as_str().expect("access");
    whoami(world, access).await;
    world
        .state
        .db
        .revoke_sessions(world.alice.id)
        .await
        .expect("log out everywhere");
    let after = mcp_call(world, NOTES, access, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    assert_eq!(
        refresh(world, &client_id, refresh_token).await.code(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn dashboard_lists_and_revokes_grants() {
    let s = setup().await;
    let world = &s.world;
    let alice = &world.alice;
    let (_, tokens) = connect(world, alice).await;
    let access = tokens["access_token"].as_str().expect("access");
    let dashboard = page(world, "localhost:8080", "/app/wiki/notes", Some(alice)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.text.contains("Connected apps"), "no section");
    assert!(dashboard.text.contains("Claude"));
    let grants = world
        .state
        .db
        .list_oauth_grants(s.notes_id)
        .await
        .expect("grants");
    let id = grants[0].id.to_string();
    // Without the CSRF token nothing happens.
    let forged = form(
        world,
        "localhost:8080",
        "/app/wiki/notes/grants/revoke",
        alice,
        &[("grant", &id)],
        false,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    whoami(world, access).await;
    let revoked = form(
        world,
        "localhost:8080",
        "/app/wiki/notes/grants/revoke",
        alice,
        &[("grant", &id)],
        true,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{revoked:?}");
    let after = mcp_call(world, NOTES, access, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    // The JSON API revokes too.
    let (_, tokens) = connect(world, alice).await;
    let access = tokens["access_token"].as_str().expect("access");
    let id = world
        .state
        .db
        .list_oauth_grants(s.notes_id)
        .await
        .expect("grants")[0]
        .id;
    let deleted = json(
        world,
        "localhost:8080",
        Method::DELETE,
        &format!("/api/wikis/notes/grants/{id}"),
        Auth::Cookie(alice, true),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    let after = mcp_call(world, NOTES, access, "whoami", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let _ = (cookie, HTML);
}

/// Writes through an app count against its own grant's budget: one app's burst never spends
/// another's, and a grant's writes over MCP are limited like a token's.
#[tokio::test]
async fn each_grant_has_its_own_write_budget() {
    use robot_server::limits::{LimitsConfig, Rate, Rates};
    let world = dashboard_support::common::world_limited(LimitsConfig {
        rates: Rates {
            // The two consents spend the browser's (IP) budget; each app then has two writes.
            write: Rate::new(2, 2, std::time::Duration::from_secs(3600)),
            ..Rates::unlimited()
        },
        ..Default::default()
    })
    .await;
    make_wiki(&world.state, "notes", &world.alice).await;
    let (_, first) = connect(&world, &world.alice).await;
    let (_, second) = connect(&world, &world.alice).await;
    let write = |token: Value, page: &'static str| {
        let world = &world;
        async move {
            let token = token.as_str().expect("token").to_string();
            let reply = mcp_call(
                world,
                NOTES,
                &token,
                "write_note",
                json!({"path": page, "content": "# x"}),
            )
            .await;
            reply.json["result"]["isError"].as_bool().unwrap_or(true)
        }
    };
    for page in ["One", "Two"] {
        assert!(
            !write(first["access_token"].clone(), page).await,
            "first app: {page}"
        );
    }
    assert!(
        write(first["access_token"].clone(), "Three").await,
        "first app, over its budget"
    );
    assert!(
        !write(second["access_token"].clone(), "Four").await,
        "the second app has its own budget"
    );
}

/// A form POST to `host` with `Authorization: Bearer` and no cookies: an agent's request.
async fn bearer_form(
    world: &World,
    host: &str,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let req = Request::post(path)
        .header(header::HOST, host)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(encode(fields)))
        .expect("request");
    send(&world.state, req).await
}

/// Audit finding 2: an app approved by the owner could add admins and make a private wiki
/// public through `/-/admin` (bearer requests skip CSRF), though the consent page promised
/// "read, search and edit pages and attachments".
#[tokio::test]
async fn finding_2_an_app_approved_by_the_owner_gets_no_admin_powers() {
    let s = setup().await;
    let world = &s.world;
    // Approved for the whole wiki, so the resource binding alone does not keep it out.
    let (_, tokens) = connect_for(world, &world.alice, None).await;
    let access = tokens["access_token"].as_str().expect("access token");
    let publish = bearer_form(
        world,
        NOTES,
        "/-/admin",
        access,
        &[
            ("site_name", "Notes"),
            ("description", ""),
            ("read_access", "anonymous"),
            ("write_access", "anonymous"),
            ("attachment_access", "anonymous"),
        ],
    )
    .await;
    assert_eq!(publish.status, StatusCode::FORBIDDEN, "{publish:?}");
    let wiki = world
        .state
        .db
        .wiki_by_slug(&Slug::parse("notes").expect("slug"))
        .await
        .expect("q")
        .expect("wiki");
    assert_eq!(
        wiki.access,
        robot_platform::AccessSettings::default(),
        "still private"
    );
    let invite = bearer_form(
        world,
        NOTES,
        "/-/admin/members",
        access,
        &[("handle", "bob"), ("role", "admin")],
    )
    .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN, "{invite:?}");
    assert_eq!(
        world
            .state
            .db
            .membership(s.notes_id, world.bob.id)
            .await
            .expect("q"),
        None
    );
    // What it was approved for still works, and whoami says what it may do.
    let me = whoami(world, access).await;
    assert_eq!(me["permissions"]["write"], json!(true), "{me}");
    assert_eq!(me["permissions"]["admin"], json!(false), "{me}");
}

/// Audit finding 12: with a self-registered client, `/-/oauth/authorize?…&response_type=token`
/// redirected to any https URI the attacker registered.
#[tokio::test]
async fn finding_12_errors_of_an_app_nobody_approved_are_shown_here() {
    let s = setup().await;
    let world = &s.world;
    let client_id = register(world, NOTES).await;
    let attack = authorize_query(&client_id, &[("response_type", "token")]);
    for user in [Some(&world.alice), Some(&world.bob), None] {
        let reply = page(world, NOTES, &attack, user).await;
        assert!(
            reply
                .headers
                .get(header::LOCATION)
                .is_none_or(|l| !l.to_str().unwrap_or_default().starts_with(REDIRECT)),
            "{user:?}: {reply:?}"
        );
        if user.is_some() {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
            assert!(reply.text.contains("response_type"), "{reply:?}");
        }
    }
    // Approved by alice, the same error goes back to the app (RFC 6749 §4.1.2.1), with state.
    let code = approve(world, NOTES, &world.alice, &client_id).await;
    let exchanged = exchange(world, NOTES, &client_id, &code, VERIFIER).await;
    assert_eq!(exchanged.status, StatusCode::OK, "{exchanged:?}");
    let reply = page(world, NOTES, &attack, Some(&world.alice)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
    assert_eq!(
        param(&query_of(&reply), "error").as_deref(),
        Some("unsupported_response_type")
    );
}
