//! The wiki host's side of collaboration: the members and access-request forms of `/-/admin`
//! (for the wiki's owner and admins), and `/-/request-access`, where a signed-in user who cannot
//! get in asks the admins for access. The rules live in [`crate::collaborators`], shared with the
//! dashboard.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;

use super::{field, form};
use crate::collaborators::{self, Decision};
use crate::context::WikiCtx;
use crate::dashboard::views::{MemberItem, RequestItem, date};
use crate::error::{AppError, AppResult};
use crate::negotiate::login_url;
use crate::respond::{page, redirect_with_flash};
use crate::state::AppState;
use crate::templates::RequestAccessTpl;

/// Members and pending requests of the wiki in `ctx`, for the settings page.
pub async fn listing(
    state: &AppState,
    ctx: &WikiCtx,
) -> AppResult<(String, Vec<MemberItem>, Vec<RequestItem>)> {
    let owner = state
        .db
        .user_by_id(ctx.wiki.owner_id)
        .await?
        .map(|u| u.handle)
        .unwrap_or_default();
    let (members, requests) = collaborators::overview(state, &ctx.wiki).await?;
    Ok((
        owner,
        members
            .into_iter()
            .map(|m| MemberItem {
                handle: m.user.handle,
                name: m.user.display_name,
                role: m.role.to_string(),
            })
            .collect(),
        requests
            .into_iter()
            .map(|r| RequestItem {
                handle: r.user.handle,
                name: r.user.display_name,
                message: r.message,
                date: date(r.created_at),
            })
            .collect(),
    ))
}

/// After a form: back to the settings page with the outcome; fixable mistakes become a message.
fn back(outcome: AppResult<String>) -> AppResult<Response> {
    let location = "/-/admin#collaborators";
    match outcome {
        Ok(message) => Ok(redirect_with_flash(location, "ok", &message)),
        Err(err @ (AppError::BadRequest(_) | AppError::NotFound(_) | AppError::Conflict(_))) => {
            Ok(redirect_with_flash(location, "error", &err.to_string()))
        }
        Err(err) => Err(err),
    }
}

/// `POST /-/admin/members` (`handle`, `role`): invite or change a role.
pub async fn set_member(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let fields = form(req).await?;
    let outcome = async {
        let role = collaborators::parse_member_role(field(&fields, "role").unwrap_or_default())?;
        let handle = field(&fields, "handle").unwrap_or_default();
        let member = collaborators::set_member(&state, &ctx.wiki, handle, role).await?;
        Ok(format!("{} is now {}.", member.user.handle, member.role))
    }
    .await;
    back(outcome)
}

/// `POST /-/admin/members/remove` (`handle`).
pub async fn remove_member(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let fields = form(req).await?;
    let handle = field(&fields, "handle").unwrap_or_default();
    let outcome = collaborators::remove_member(&state, &ctx.wiki, handle)
        .await
        .map(|user| format!("Removed {}.", user.handle));
    back(outcome)
}

/// `POST /-/admin/requests` (`handle`, `decision`).
pub async fn answer_request(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let fields = form(req).await?;
    let outcome = async {
        let decision = Decision::parse(field(&fields, "decision").unwrap_or_default())?;
        let handle = field(&fields, "handle").unwrap_or_default();
        let user = collaborators::answer_request(&state, &ctx.wiki, handle, decision).await?;
        Ok(match decision {
            Decision::Approve(role) => format!("{} is now {role}.", user.handle),
            Decision::Deny => format!("Denied {}'s request.", user.handle),
        })
    }
    .await;
    back(outcome)
}

/// Who may ask: a signed-in person (not an API token or an app acting for one).
fn asker(ctx: &WikiCtx) -> AppResult<&robot_platform::User> {
    if ctx.token.is_some() || ctx.oauth.is_some() {
        return Err(AppError::Forbidden(
            "API tokens and apps cannot request access; the person who holds them can.".into(),
        ));
    }
    ctx.user
        .as_ref()
        .ok_or_else(|| AppError::LoginRequired("Log in to request access to this wiki.".into()))
}

/// `GET /-/request-access`: the form, or where the request stands. Shows nothing of the wiki
/// beyond its name (no page tree: the visitor may not be allowed to read).
pub async fn request_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
) -> AppResult<Response> {
    let user = asker(&ctx)?;
    let pending = state.db.has_access_request(ctx.wiki.id, user.id).await?;
    let mut chrome = ctx.chrome(
        "Request access",
        login_url(&state, &format!("{}/-/request-access", ctx.url)),
    );
    chrome.description.clear();
    page(&RequestAccessTpl {
        chrome,
        role: ctx.role.map(|r| r.to_string()),
        pending,
    })
}

/// `POST /-/request-access` (`message`): records the request for the wiki's admins.
pub async fn request_access(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let user = asker(&ctx)?;
    if let Some(role) = ctx.role {
        return Ok(redirect_with_flash(
            "/-/request-access",
            "info",
            &format!("You are already a {role} of this wiki."),
        ));
    }
    let fields = form(req).await?;
    let message = field(&fields, "message").unwrap_or_default();
    state
        .db
        .request_access(ctx.wiki.id, user.id, message)
        .await?;
    tracing::info!(wiki = %ctx.wiki.slug, user = %user.handle, "access requested");
    Ok(redirect_with_flash(
        "/-/request-access",
        "ok",
        "Request sent. The wiki's admins will see it in its settings.",
    ))
}
