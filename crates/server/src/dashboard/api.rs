//! The management JSON API on the platform host (`/api/me`, `/api/wikis…`), equivalent to the
//! Python platform's and translated onto [`super::service`].
//!
//! Authenticated by the session cookie or `Authorization: Bearer <platform session token>`
//! ([`super::principal`]). Cookie-authenticated state changes need the CSRF token
//! (`X-CSRF-Token`; `GET /api/me` returns it), checked by `csrf::protect` before any handler
//! runs; bearer requests carry no ambient credentials and are exempt. Every answer is JSON,
//! errors included (`{error, message}` with a stable code), whatever the `Accept` header says.

use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::handler::Handler as _;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Extension, Json, Router};
use robot_platform::policy::{AccessLevel, AccessSettings};
use robot_platform::{AccessRequest, ApiToken, Member, Role, User, Wiki};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::extract::{Manager, MemberOf};
use super::principal::{Credential, PlatformUser};
use super::service::{self, ManagedWiki, NewWikiRequest, SettingsChange};
use crate::collaborators::{self, Decision};
use crate::csrf::CsrfToken;
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::limits::{RateLimitLayer, Scope};
use crate::state::AppState;

/// Largest JSON body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Routes under `/api` on the platform host.
pub fn router(state: &AppState) -> Router<AppState> {
    let create = RateLimitLayer::new(state, Scope::CreateWiki);
    let token = RateLimitLayer::new(state, Scope::Token);
    Router::new()
        .route("/me", get(me).delete(delete_me))
        .route("/me/logout-everywhere", post(logout_everywhere))
        .route(
            "/wikis",
            get(list_wikis).post(create_wiki.layer(create)),
        )
        .route(
            "/wikis/{slug}",
            get(get_wiki).patch(patch_wiki).delete(delete_wiki),
        )
        .route(
            "/wikis/{slug}/token",
            post(regenerate_mcp_token.layer(token.clone())),
        )
        .route(
            "/wikis/{slug}/tokens",
            get(list_tokens).post(create_token.layer(token)),
        )
        .route("/wikis/{slug}/tokens/{name}", delete(revoke_token))
        .route("/wikis/{slug}/grants", get(list_grants))
        .route("/wikis/{slug}/grants/{id}", delete(revoke_grant))
        .route("/wikis/{slug}/members", get(list_members).post(add_member))
        .route(
            "/wikis/{slug}/members/{handle}",
            patch(change_member).delete(remove_member),
        )
        .route("/wikis/{slug}/requests/{handle}", post(answer_request))
        .route("/wikis/{slug}/transfer", post(transfer_wiki))
        .route(
            super::check_slug::PATH.trim_start_matches("/api"),
            get(super::check_slug::check_slug),
        )
        .fallback(|| async {
            AppError::NotFound("No such management API route; see the README for the list.".into())
        })
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                Json(json!({"error": "method_not_allowed", "message": "This route does not accept that method."})),
            )
        })
        .layer(middleware::from_fn(json_errors))
}

/// Middleware: every error of this API is JSON, even for clients that accept HTML (they are
/// not sent to a login page: an API answers 401).
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let mut json = (
        info.status,
        Json(json!({ "error": info.code, "message": info.message })),
    )
        .into_response();
    for (name, value) in response.headers() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().append(name.clone(), value.clone());
        }
    }
    json
}

/// A JSON request body of type `T`; anything else is a 400 that says what was wrong.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "Send a JSON body with `Content-Type: application/json`.".into(),
            ));
        }
        let bytes: Bytes = to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                AppError::TooLarge(format!(
                    "The JSON body is larger than {} KiB.",
                    MAX_BODY_BYTES / 1024
                ))
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|err| AppError::BadRequest(format!("Invalid JSON body: {err}.")))
    }
}

fn user_json(user: &User) -> Value {
    json!({
        "handle": user.handle,
        "display_name": user.display_name,
        "did": user.did,
    })
}

async fn wiki_json(state: &AppState, wiki: &Wiki, role: Role) -> AppResult<Value> {
    let owner = state
        .db
        .user_by_id(wiki.owner_id)
        .await?
        .map(|u| u.handle)
        .unwrap_or_default();
    Ok(json!({
        "slug": wiki.slug,
        "display_name": wiki.display_name,
        "description": wiki.description,
        "url": state.config.wiki_url(wiki.slug.as_str()),
        "mcp_endpoint": service::mcp_endpoint(state, &wiki.slug),
        "owner": owner,
        "role": role,
        "access": wiki.access,
        "git_access_enabled": wiki.git_access,
        "git_url": wiki.git_access.then(|| service::git_url(state, &wiki.slug)),
        "oauth_access_lifetime_secs": wiki.oauth_access_lifetime_secs,
        "created_at": wiki.created_at,
    }))
}

fn token_json(token: &ApiToken) -> Value {
    json!({
        "name": token.name,
        "role": token.role.as_str(),
        "created_by": token.created_by_handle,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    })
}

fn member_json(member: &Member) -> Value {
    json!({
        "handle": member.user.handle,
        "display_name": member.user.display_name,
        "role": member.role,
    })
}

fn request_json(request: &AccessRequest) -> Value {
    json!({
        "handle": request.user.handle,
        "display_name": request.user.display_name,
        "message": request.message,
        "created_at": request.created_at,
    })
}

/// `GET /api/me`.
async fn me(
    State(state): State<AppState>,
    caller: PlatformUser,
    csrf: Option<Extension<CsrfToken>>,
) -> AppResult<Json<Value>> {
    let user = &caller.user;
    let owned = state.db.count_wikis_owned_by(user.id).await?;
    let mut body = json!({
        "id": user.id,
        "handle": user.handle,
        "display_name": user.display_name,
        "did": user.did,
        "is_platform_admin": user.is_platform_admin,
        "created_at": user.created_at,
        "wikis_owned": owned,
        "max_wikis_per_user": state.config.max_wikis_per_user,
    });
    // Cookie clients need the CSRF token for their state changes; a cross-site page cannot
    // read this response, so handing it out here is as safe as embedding it in a form.
    if let (Credential::Cookie, Some(Extension(token))) = (caller.credential, csrf) {
        body["csrf_token"] = json!(token.0);
    }
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmHandle {
    confirm_handle: String,
}

/// `DELETE /api/me` with `{confirm_handle}`: deletes the account and everything it owns.
async fn delete_me(
    State(state): State<AppState>,
    caller: PlatformUser,
    JsonBody(body): JsonBody<ConfirmHandle>,
) -> AppResult<Response> {
    service::confirm(&body.confirm_handle, &caller.user.handle, "handle")?;
    let wikis = service::delete_account(&state, &caller.user).await?;
    let mut response = Json(json!({ "deleted": true, "wikis_deleted": wikis })).into_response();
    super::pages::clear_session_cookies(&state, &mut response);
    Ok(response)
}

/// `POST /api/me/logout-everywhere`: every session token of the caller issued until now stops
/// working (the one used for this request included), and their Bluesky sessions are revoked.
/// A cookie caller's cookies are cleared too.
async fn logout_everywhere(
    State(state): State<AppState>,
    caller: PlatformUser,
) -> AppResult<Response> {
    let user = crate::session::log_out_everywhere(&state, caller.user.id).await?;
    let mut response = Json(json!({
        "logged_out_everywhere": true,
        "sessions_valid_after": user.sessions_valid_after,
    }))
    .into_response();
    super::pages::clear_session_cookies(&state, &mut response);
    Ok(response)
}

/// `GET /api/wikis`: the caller's wikis, owned and shared.
async fn list_wikis(State(state): State<AppState>, caller: PlatformUser) -> AppResult<Json<Value>> {
    let mut wikis = Vec::new();
    for entry in state.db.wikis_of_user(caller.user.id).await? {
        wikis.push(wiki_json(&state, &entry.wiki, entry.role).await?);
    }
    Ok(Json(json!({ "wikis": wikis })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    slug: String,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    /// The Python platform's name for the description.
    #[serde(default)]
    purpose: Option<String>,
}

/// `POST /api/wikis`: 201 with the wiki and its MCP token (shown once).
async fn create_wiki(
    State(state): State<AppState>,
    caller: PlatformUser,
    JsonBody(body): JsonBody<CreateBody>,
) -> AppResult<Response> {
    let request = NewWikiRequest {
        slug: body.slug,
        display_name: body.display_name,
        description: body.description.or(body.purpose).unwrap_or_default(),
    };
    let created = service::create_wiki(&state, &caller.user, &request).await?;
    let endpoint = service::mcp_endpoint(&state, &created.wiki.slug);
    let body = json!({
        "wiki": wiki_json(&state, &created.wiki, Role::Owner).await?,
        "mcp_token": created.secret,
        "mcp_endpoint": endpoint,
        "claude_command": service::claude_command(&created.wiki.slug, &endpoint, &created.secret),
        "token": token_json(&created.token),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/wikis/{slug}`.
async fn get_wiki(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
) -> AppResult<Json<Value>> {
    Ok(Json(
        json!({ "wiki": wiki_json(&state, &managed.wiki, managed.role).await? }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AccessPatch {
    read: Option<AccessLevel>,
    write: Option<AccessLevel>,
    attachments: Option<AccessLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    display_name: Option<String>,
    description: Option<String>,
    access: Option<AccessPatch>,
    git_access_enabled: Option<bool>,
    oauth_access_lifetime_secs: Option<i64>,
}

/// `PATCH /api/wikis/{slug}`: display name, description, access levels, git access, apps'
/// access-token lifetime.
async fn patch_wiki(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
    JsonBody(body): JsonBody<PatchBody>,
) -> AppResult<Json<Value>> {
    let current = managed.wiki.access;
    let access = body.access.map(|a| AccessSettings {
        read: a.read.unwrap_or(current.read),
        write: a.write.unwrap_or(current.write),
        attachments: a.attachments.unwrap_or(current.attachments),
    });
    let wiki = service::update_settings(
        &state,
        &managed,
        SettingsChange {
            display_name: body.display_name,
            description: body.description,
            access,
            git_access: body.git_access_enabled,
            oauth_access_lifetime_secs: body.oauth_access_lifetime_secs,
        },
    )
    .await?;
    Ok(Json(
        json!({ "wiki": wiki_json(&state, &wiki, managed.role).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    handle: String,
    confirm_slug: String,
}

/// `POST /api/wikis/{slug}/transfer` with `{handle, confirm_slug}`: owner only; hands the wiki
/// to a collaborator, who becomes its owner (the caller stays on as an admin).
async fn transfer_wiki(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
    JsonBody(body): JsonBody<TransferBody>,
) -> AppResult<Json<Value>> {
    let owner =
        service::transfer_ownership(&state, &managed, &body.handle, &body.confirm_slug).await?;
    Ok(Json(json!({ "owner": user_json(&owner) })))
}

/// `DELETE /api/wikis/{slug}`: owner only.
async fn delete_wiki(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
) -> AppResult<Json<Value>> {
    service::delete_wiki(&state, &managed).await?;
    Ok(Json(json!({ "deleted": true })))
}

async fn token_reply(
    state: &AppState,
    managed: &ManagedWiki,
    token: &ApiToken,
    secret: &str,
) -> Value {
    let endpoint = service::mcp_endpoint(state, &managed.wiki.slug);
    json!({
        "token": token_json(token),
        "mcp_token": secret,
        "mcp_endpoint": endpoint,
        "claude_command": service::claude_command(&managed.wiki.slug, &endpoint, secret),
    })
}

/// `POST /api/wikis/{slug}/token`: regenerates the MCP token (the old one stops working).
async fn regenerate_mcp_token(
    State(state): State<AppState>,
    MemberOf { caller, managed }: MemberOf,
) -> AppResult<Json<Value>> {
    let (token, secret) =
        service::regenerate_token(&state, &managed, &caller.user, service::MCP_TOKEN_NAME).await?;
    Ok(Json(token_reply(&state, &managed, &token, &secret).await))
}

/// `GET /api/wikis/{slug}/tokens`.
async fn list_tokens(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
) -> AppResult<Json<Value>> {
    let tokens: Vec<Value> = state
        .db
        .list_api_tokens(managed.wiki.id)
        .await?
        .iter()
        .map(token_json)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    name: String,
    #[serde(default)]
    role: Option<String>,
}

/// `POST /api/wikis/{slug}/tokens` with `{name, role}`: 201 with the secret (shown once).
async fn create_token(
    State(state): State<AppState>,
    MemberOf { caller, managed }: MemberOf,
    JsonBody(body): JsonBody<TokenBody>,
) -> AppResult<Response> {
    let role = service::parse_token_role(body.role.as_deref().unwrap_or("editor"))?;
    let (token, secret) =
        service::mint_token(&state, &managed, &caller.user, &body.name, role).await?;
    let reply = token_reply(&state, &managed, &token, &secret).await;
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}

/// `DELETE /api/wikis/{slug}/tokens/{name}`.
async fn revoke_token(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
    Path((_, name)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    service::revoke_token(&state, &managed, &name).await?;
    Ok(Json(json!({ "revoked": true })))
}

/// `GET /api/wikis/{slug}/grants`: apps connected over OAuth.
async fn list_grants(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
) -> AppResult<Json<Value>> {
    let grants = service::list_grants(&state, &managed).await?;
    Ok(Json(json!({ "grants": grants })))
}

/// `DELETE /api/wikis/{slug}/grants/{id}`: disconnects an app (204).
async fn revoke_grant(
    State(state): State<AppState>,
    MemberOf { managed, .. }: MemberOf,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    service::revoke_grant(&state, &managed, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/wikis/{slug}/members`: owner, members and pending access requests.
async fn list_members(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
) -> AppResult<Json<Value>> {
    let owner = state.db.user_by_id(managed.wiki.owner_id).await?;
    let (members, requests) = collaborators::overview(&state, &managed.wiki).await?;
    Ok(Json(json!({
        "owner": owner.as_ref().map(user_json),
        "members": members.iter().map(member_json).collect::<Vec<_>>(),
        "requests": requests.iter().map(request_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberBody {
    handle: String,
    role: String,
}

/// `POST /api/wikis/{slug}/members` with `{handle, role}`: invites (or changes the role of) an
/// existing user.
async fn add_member(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    JsonBody(body): JsonBody<MemberBody>,
) -> AppResult<Json<Value>> {
    let role = collaborators::parse_member_role(&body.role)?;
    let member = collaborators::set_member(&state, &managed.wiki, &body.handle, role).await?;
    Ok(Json(json!({ "member": member_json(&member) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

/// `PATCH /api/wikis/{slug}/members/{handle}` with `{role}`.
async fn change_member(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    Path((_, handle)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> AppResult<Json<Value>> {
    let role = collaborators::parse_member_role(&body.role)?;
    let member = collaborators::change_role(&state, &managed.wiki, &handle, role).await?;
    Ok(Json(json!({ "member": member_json(&member) })))
}

/// `DELETE /api/wikis/{slug}/members/{handle}`.
async fn remove_member(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    Path((_, handle)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    collaborators::remove_member(&state, &managed.wiki, &handle).await?;
    Ok(Json(json!({ "removed": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    decision: String,
}

/// `POST /api/wikis/{slug}/requests/{handle}` with `{decision: viewer|editor|deny}`.
async fn answer_request(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    Path((_, handle)): Path<(String, String)>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> AppResult<Json<Value>> {
    let decision = Decision::parse(&body.decision)?;
    collaborators::answer_request(&state, &managed.wiki, &handle, decision).await?;
    Ok(Json(json!({ "answered": true })))
}
