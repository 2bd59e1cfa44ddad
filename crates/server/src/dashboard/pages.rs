//! The dashboard's HTML pages under `/app/` on the platform host: my wikis and the create form,
//! one wiki's settings (MCP card, tokens, collaborators, danger zone), the account page.
//!
//! Every form carries the CSRF token (checked by `csrf::protect` before a handler runs). A
//! wiki the caller does not own or belong to is a 404; one they belong to without managing it
//! is a 403. Mistakes in a form (a bad slug, an unknown handle, a wrong confirmation) come back
//! as a message on the page and change nothing. Freshly minted token secrets are rendered into
//! the response of the POST that minted them, never stored or put in a cookie.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use robot_platform::policy::AccessSettings;
use robot_platform::{Role, TokenRole, User};

use super::extract::Manager;
use super::principal::PlatformUser;
use super::service::{self, ManagedWiki, NewWikiRequest, SettingsChange};
use super::views::{
    AccountTpl, CreateForm, FreshToken, GrantItem, HomeTpl, MemberItem, Nav, RequestItem,
    TokenItem, WikiItem, WikiTpl, date,
};
use crate::collaborators::{self, Decision};
use crate::context::{flash, theme};
use crate::csrf::CsrfToken;
use crate::error::{AppError, AppResult};
use crate::respond::{clear_flash, page_with_status, redirect, redirect_with_flash};
use crate::session::session_cookie;
use crate::state::AppState;
use crate::templates::{Chrome, Flash};
use crate::views::admin::LEVELS;

/// What every dashboard page needs from the request besides the caller.
pub(super) struct PageCtx {
    pub(super) headers: HeaderMap,
    pub(super) csrf: String,
}

impl PageCtx {
    pub(super) fn of(req: &Request) -> PageCtx {
        PageCtx {
            headers: req.headers().clone(),
            csrf: req
                .extensions()
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
        }
    }

    /// The layout data; the flash cookie's message, if any, unless `message` replaces it.
    pub(super) fn chrome(
        &self,
        state: &AppState,
        user: &User,
        title: &str,
        message: Option<Flash>,
    ) -> Chrome {
        Chrome {
            site_name: "robot.wtf".into(),
            doc_title: title.to_string(),
            login_url: state.config.platform_url("/auth/login"),
            dashboard_url: "/app/".into(),
            user: Some(user.display_name.clone()),
            csrf: self.csrf.clone(),
            theme: theme(&self.headers),
            flash: message.or_else(|| flash(&self.headers)),
            ..Chrome::default()
        }
    }
}

/// Renders `template`, clearing the flash cookie it showed.
pub(super) fn show(status: StatusCode, template: &impl askama::Template) -> AppResult<Response> {
    let response = page_with_status(status, template)?;
    let mut response = clear_flash(response);
    // Pages may hold a token secret shown once: never keep them in a cache.
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The navigation: the caller's wikis, `active` marking the one shown.
pub(super) async fn nav(
    state: &AppState,
    user: &User,
    current: &'static str,
    active: Option<&str>,
) -> AppResult<Nav> {
    let pending = state.db.pending_access_requests(user.id).await?;
    let wikis = state
        .db
        .wikis_of_user(user.id)
        .await?
        .into_iter()
        .map(|entry| WikiItem {
            pending_requests: pending
                .iter()
                .find(|(wiki, _)| *wiki == entry.wiki.id)
                .map_or(0, |(_, n)| *n),
            slug: entry.wiki.slug.to_string(),
            name: entry.wiki.display_name.clone(),
            description: entry.wiki.description.clone(),
            url: state.config.wiki_url(entry.wiki.slug.as_str()),
            role: entry.role.to_string(),
            can_manage: matches!(entry.role, Role::Owner | Role::Admin),
            active: active == Some(entry.wiki.slug.as_str()),
        })
        .collect();
    Ok(Nav {
        wikis,
        is_platform_admin: user.is_platform_admin,
        current,
    })
}

async fn form(req: Request) -> AppResult<HashMap<String, String>> {
    let axum::Form(fields): axum::Form<HashMap<String, String>> =
        axum::Form::from_request(req, &())
            .await
            .map_err(|err| AppError::BadRequest(format!("Could not read the form: {err}")))?;
    Ok(fields)
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// After a form: back to `location` with the outcome as a message. Mistakes the person can fix
/// (4xx other than 401) become an error message; anything else stays an error response.
fn back(location: &str, outcome: AppResult<String>) -> AppResult<Response> {
    match outcome {
        Ok(message) => Ok(redirect_with_flash(location, "ok", &message)),
        Err(
            err @ (AppError::BadRequest(_)
            | AppError::NotFound(_)
            | AppError::Conflict(_)
            | AppError::Forbidden(_)),
        ) => Ok(redirect_with_flash(location, "error", &err.to_string())),
        Err(err) => Err(err),
    }
}

/// Appends every header of `extra` (`HeaderMap::extend` would replace earlier `Set-Cookie`s).
pub(super) fn append_headers(response: &mut Response, extra: HeaderMap) {
    for (name, value) in &extra {
        response.headers_mut().append(name.clone(), value.clone());
    }
}

/// `GET /app`: to `/app/`.
pub(super) async fn to_home() -> Response {
    redirect("/app/")
}

/// `GET /app/`: my wikis and the create form.
pub(super) async fn home(
    State(state): State<AppState>,
    caller: PlatformUser,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    let form = CreateForm {
        slug: service::suggest_slug(&state, &caller.user.handle).await?,
        ..CreateForm::default()
    };
    render_home(&state, &ctx, &caller.user, form, None, StatusCode::OK).await
}

async fn render_home(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    form: CreateForm,
    message: Option<Flash>,
    status: StatusCode,
) -> AppResult<Response> {
    let limit = state.config.max_wikis_per_user;
    let plural = if limit == 1 { "" } else { "s" };
    show(
        status,
        &HomeTpl {
            chrome: ctx.chrome(state, user, "Your wikis", message),
            nav: nav(state, user, "home", None).await?,
            handle: user.handle.clone(),
            domain_suffix: format!(".{}", state.config.domain),
            may_create: service::may_create(state, user).await?,
            limit_message: format!(
                "Each account may own {limit} wiki{plural}. Delete one to create another, or \
                 ask the operator to raise the limit."
            ),
            form,
        },
    )
}

/// `POST /app/create`: creates the wiki and shows its settings with the MCP token, once.
pub(super) async fn create(
    State(state): State<AppState>,
    caller: PlatformUser,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    let fields = form(req).await?;
    let request = NewWikiRequest {
        slug: field(&fields, "slug").to_string(),
        display_name: field(&fields, "display_name").to_string(),
        description: field(&fields, "description").to_string(),
    };
    match service::create_wiki(&state, &caller.user, &request).await {
        Ok(created) => {
            let managed = ManagedWiki {
                wiki: created.wiki,
                role: Role::Owner,
            };
            let fresh = fresh_token(&state, &managed, created.token.name, created.secret);
            let message = Flash {
                kind: "ok".into(),
                message: format!(
                    "Created {}. Copy its MCP token below now: it is shown only once.",
                    managed.wiki.slug
                ),
            };
            render_wiki(
                &state,
                &ctx,
                &caller.user,
                &managed,
                Some(fresh),
                Some(message),
            )
            .await
        }
        Err(err @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let status = match &err {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = Flash {
                kind: "error".into(),
                message: err.to_string(),
            };
            let form = CreateForm {
                slug: request.slug,
                display_name: request.display_name,
                description: request.description,
            };
            render_home(&state, &ctx, &caller.user, form, Some(message), status).await
        }
        Err(err) => Err(err),
    }
}

fn fresh_token(
    state: &AppState,
    managed: &ManagedWiki,
    name: String,
    secret: String,
) -> FreshToken {
    let endpoint = service::mcp_endpoint(state, &managed.wiki.slug);
    FreshToken {
        command: service::claude_command(&managed.wiki.slug, &endpoint, &secret),
        name,
        secret,
    }
}

/// `GET /app/wiki/{slug}`.
pub(super) async fn wiki(
    State(state): State<AppState>,
    Manager { caller, managed }: Manager,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    render_wiki(&state, &ctx, &caller.user, &managed, None, None).await
}

async fn render_wiki(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    managed: &ManagedWiki,
    fresh: Option<FreshToken>,
    message: Option<Flash>,
) -> AppResult<Response> {
    let wiki = &managed.wiki;
    let slug = wiki.slug.to_string();
    let endpoint = service::mcp_endpoint(state, &wiki.slug);
    let tokens = state
        .db
        .list_api_tokens(wiki.id)
        .await?
        .into_iter()
        .map(|t| TokenItem {
            name: t.name,
            role: t.role.to_string(),
            created_by: t.created_by_handle,
            created: date(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".into(), date),
            live: t.revoked_at.is_none(),
        })
        .collect();
    let owner_handle = state
        .db
        .user_by_id(wiki.owner_id)
        .await?
        .map(|u| u.handle)
        .unwrap_or_default();
    let (members, requests) = collaborators::overview(state, wiki).await?;
    let grants = service::list_grants(state, managed)
        .await?
        .into_iter()
        .map(|g| GrantItem {
            id: g.id,
            app: g.client_name,
            user: g.user_handle,
            created: date(g.created_at),
            last_used: g.last_used_at.map_or_else(|| "never".into(), date),
        })
        .collect();
    let access = &wiki.access;
    show(
        StatusCode::OK,
        &WikiTpl {
            chrome: ctx.chrome(state, user, &wiki.display_name, message),
            nav: nav(state, user, "wiki", Some(&slug)).await?,
            display_name: wiki.display_name.clone(),
            description: wiki.description.clone(),
            url: state.config.wiki_url(&slug),
            role: managed.role.to_string(),
            is_owner: managed.role == Role::Owner,
            command_template: service::claude_command(&wiki.slug, &endpoint, "<token>"),
            mcp_endpoint: endpoint,
            fresh,
            access_fields: access_fields(access),
            levels: LEVELS
                .iter()
                .map(|(level, label)| (level.to_string(), (*label).to_string()))
                .collect(),
            git_access: wiki.git_access,
            token_lifetime: wiki.oauth_access_lifetime_secs,
            token_lifetimes: robot_platform::oauth::ACCESS_LIFETIME_CHOICES
                .iter()
                .map(|&secs| (secs, crate::oauth::lifetime_label(secs)))
                .collect(),
            git_clone: service::git_clone_command(state, &wiki.slug, "<token>"),
            tokens,
            grants,
            owner_handle,
            members: members
                .into_iter()
                .map(|m| MemberItem {
                    handle: m.user.handle,
                    name: m.user.display_name,
                    role: m.role.to_string(),
                })
                .collect(),
            requests: requests
                .into_iter()
                .map(|r| RequestItem {
                    handle: r.user.handle,
                    name: r.user.display_name,
                    message: r.message,
                    date: date(r.created_at),
                })
                .collect(),
            members_action: format!("/app/wiki/{slug}/members"),
            requests_action: format!("/app/wiki/{slug}/requests"),
            member_roles: MEMBER_ROLES.to_vec(),
            slug,
        },
    )
}

/// The roles a member can be given, most powerful first.
pub const MEMBER_ROLES: [&str; 3] = ["admin", "editor", "viewer"];

/// The three access-level selects: (field name, label, current value).
pub fn access_fields(access: &AccessSettings) -> Vec<(String, String, String)> {
    vec![
        (
            "read_access".into(),
            "Who can read".into(),
            access.read.to_string(),
        ),
        (
            "write_access".into(),
            "Who can edit".into(),
            access.write.to_string(),
        ),
        (
            "attachment_access".into(),
            "Who can upload attachments".into(),
            access.attachments.to_string(),
        ),
    ]
}

/// Reads the three access-level fields of a settings form.
pub fn access_from_form(get: impl Fn(&str) -> Option<String>) -> AppResult<AccessSettings> {
    let level = |key: &str| {
        get(key)
            .unwrap_or_default()
            .parse()
            .map_err(|_| AppError::BadRequest(format!("Choose an access level for {key}.")))
    };
    Ok(AccessSettings {
        read: level("read_access")?,
        write: level("write_access")?,
        attachments: level("attachment_access")?,
    })
}

/// `POST /app/wiki/{slug}/settings`.
pub(super) async fn save_settings(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let location = format!("/app/wiki/{slug}");
    let outcome = async {
        let access = access_from_form(|k| fields.get(k).cloned())?;
        service::update_settings(
            &state,
            &managed,
            SettingsChange {
                display_name: Some(field(&fields, "display_name").to_string()),
                description: Some(field(&fields, "description").to_string()),
                access: Some(access),
                git_access: Some(field(&fields, "git_access") == "on"),
                oauth_access_lifetime_secs: match field(&fields, "oauth_access_lifetime") {
                    "" => None,
                    secs => Some(secs.parse().map_err(|_| {
                        AppError::BadRequest(format!("{secs:?} is not a token lifetime."))
                    })?),
                },
            },
        )
        .await?;
        Ok("Settings saved.".to_string())
    }
    .await;
    back(&location, outcome)
}

/// `POST /app/wiki/{slug}/mcp/regenerate`: shows the new MCP token once.
pub(super) async fn regenerate(
    State(state): State<AppState>,
    Manager { caller, managed }: Manager,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    let (token, secret) =
        service::regenerate_token(&state, &managed, &caller.user, service::MCP_TOKEN_NAME).await?;
    let fresh = fresh_token(&state, &managed, token.name, secret);
    let message = Flash {
        kind: "ok".into(),
        message: "Token regenerated: the old one no longer works. Copy the new one now.".into(),
    };
    render_wiki(
        &state,
        &ctx,
        &caller.user,
        &managed,
        Some(fresh),
        Some(message),
    )
    .await
}

/// `POST /app/wiki/{slug}/tokens`: mints a token and shows it once.
pub(super) async fn create_token(
    State(state): State<AppState>,
    Manager { caller, managed }: Manager,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let minted = async {
        let role: TokenRole = service::parse_token_role(field(&fields, "role"))?;
        service::mint_token(&state, &managed, &caller.user, field(&fields, "name"), role).await
    }
    .await;
    match minted {
        Ok((token, secret)) => {
            let fresh = fresh_token(&state, &managed, token.name, secret);
            render_wiki(&state, &ctx, &caller.user, &managed, Some(fresh), None).await
        }
        Err(err) => back(&format!("/app/wiki/{slug}"), Err(err)),
    }
}

/// `POST /app/wiki/{slug}/tokens/revoke`.
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let name = field(&fields, "name").to_string();
    let outcome = service::revoke_token(&state, &managed, &name)
        .await
        .map(|()| format!("Revoked the token “{}”.", name.trim()));
    back(&format!("/app/wiki/{slug}"), outcome)
}

/// `POST /app/wiki/{slug}/grants/revoke` (`grant`): disconnects an OAuth app.
pub(super) async fn revoke_grant(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let outcome = match field(&fields, "grant").trim().parse::<i64>() {
        Ok(id) => service::revoke_grant(&state, &managed, id)
            .await
            .map(|()| "Disconnected the app; its tokens no longer work.".to_string()),
        Err(_) => Err(AppError::BadRequest(
            "Which app? The form names none.".into(),
        )),
    };
    back(&format!("/app/wiki/{slug}#apps"), outcome)
}

/// `POST /app/wiki/{slug}/members` (`handle`, `role`): invite or change a role.
pub(super) async fn set_member(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let outcome = async {
        let role = collaborators::parse_member_role(field(&fields, "role"))?;
        let member =
            collaborators::set_member(&state, &managed.wiki, field(&fields, "handle"), role)
                .await?;
        Ok(format!("{} is now {}.", member.user.handle, member.role))
    }
    .await;
    back(&format!("/app/wiki/{slug}#collaborators"), outcome)
}

/// `POST /app/wiki/{slug}/members/remove` (`handle`).
pub(super) async fn remove_member(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let outcome = collaborators::remove_member(&state, &managed.wiki, field(&fields, "handle"))
        .await
        .map(|user| format!("Removed {} from {slug}.", user.handle));
    back(&format!("/app/wiki/{slug}#collaborators"), outcome)
}

/// `POST /app/wiki/{slug}/requests` (`handle`, `decision`).
pub(super) async fn answer_request(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let outcome = async {
        let decision = Decision::parse(field(&fields, "decision"))?;
        let user = collaborators::answer_request(
            &state,
            &managed.wiki,
            field(&fields, "handle"),
            decision,
        )
        .await?;
        Ok(match decision {
            Decision::Approve(role) => format!("{} is now {role}.", user.handle),
            Decision::Deny => format!("Denied {}'s request.", user.handle),
        })
    }
    .await;
    back(&format!("/app/wiki/{slug}#collaborators"), outcome)
}

/// `POST /app/wiki/{slug}/delete` (`confirm_slug`): owner only.
pub(super) async fn delete_wiki(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    managed.require_owner()?;
    let fields = form(req).await?;
    if let Err(err) = service::confirm(field(&fields, "confirm_slug"), slug.as_str(), "slug") {
        return back(&format!("/app/wiki/{slug}#danger"), Err(err));
    }
    service::delete_wiki(&state, &managed).await?;
    Ok(redirect_with_flash(
        "/app/",
        "ok",
        &format!("Deleted the wiki {slug}."),
    ))
}

/// `POST /app/wiki/{slug}/transfer` (`handle`, `confirm_slug`): owner only.
pub(super) async fn transfer_wiki(
    State(state): State<AppState>,
    Manager { managed, .. }: Manager,
    req: Request,
) -> AppResult<Response> {
    let slug = managed.wiki.slug.clone();
    let fields = form(req).await?;
    let outcome = service::transfer_ownership(
        &state,
        &managed,
        field(&fields, "handle"),
        field(&fields, "confirm_slug"),
    )
    .await
    .map(|owner| format!("{} now owns {slug}; you stay on as an admin.", owner.handle));
    back(&format!("/app/wiki/{slug}"), outcome)
}

/// `GET /app/account`.
pub(super) async fn account(
    State(state): State<AppState>,
    caller: PlatformUser,
    req: Request,
) -> AppResult<Response> {
    let ctx = PageCtx::of(&req);
    let user = &caller.user;
    let owned = state
        .db
        .wikis_owned_by(user.id)
        .await?
        .into_iter()
        .map(|w| w.slug.to_string())
        .collect();
    show(
        StatusCode::OK,
        &AccountTpl {
            chrome: ctx.chrome(&state, user, "Account", None),
            nav: nav(&state, user, "account", None).await?,
            handle: user.handle.clone(),
            display_name: user.display_name.clone(),
            did: user.did.clone().unwrap_or_default(),
            member_since: date(user.created_at),
            owned,
        },
    )
}

/// `POST /app/account/logout-everywhere`: signs the caller out of every session (other browsers,
/// copied cookies, bearer tokens, this browser) and revokes their Bluesky sessions.
pub(super) async fn logout_everywhere(
    State(state): State<AppState>,
    caller: PlatformUser,
) -> AppResult<Response> {
    crate::session::log_out_everywhere(&state, caller.user.id).await?;
    let mut response = redirect_with_flash(
        "/",
        "ok",
        "You were signed out everywhere: every session of your account, on every device, has          ended. Sign in again to continue.",
    );
    clear_session_cookies(&state, &mut response);
    Ok(response)
}

/// Clears both session cookies of this browser: the parent-domain one and this host's own.
pub(super) fn clear_session_cookies(state: &AppState, response: &mut Response) {
    append_headers(response, session_cookie(&state.config, None, true));
    append_headers(response, session_cookie(&state.config, None, false));
}

/// `POST /app/account/delete` (`confirm_handle`): deletes everything and signs out.
pub(super) async fn delete_account(
    State(state): State<AppState>,
    caller: PlatformUser,
    req: Request,
) -> AppResult<Response> {
    let fields = form(req).await?;
    if let Err(err) = service::confirm(
        field(&fields, "confirm_handle"),
        &caller.user.handle,
        "handle",
    ) {
        return back("/app/account#danger", Err(err));
    }
    let deleted = service::delete_account(&state, &caller.user).await?;
    let plural = if deleted == 1 { "" } else { "s" };
    let mut response = redirect_with_flash(
        "/",
        "ok",
        &format!("Your account and {deleted} wiki{plural} were deleted."),
    );
    clear_session_cookies(&state, &mut response);
    Ok(response)
}
