//! Per-wiki settings: name, description, and the three access levels.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;
use robot_platform::Role;
use robot_platform::policy::AccessLevel;

use super::field;
use super::helpers::wiki_chrome;
use crate::context::WikiCtx;
use crate::dashboard::pages::access_from_form;
use crate::dashboard::service::{ManagedWiki, SettingsChange, update_settings};
use crate::error::AppResult;
use crate::respond::{page, redirect_with_flash};
use crate::state::AppState;
use crate::templates::AdminTpl;

/// The access levels with the words the settings pages use for them.
pub const LEVELS: [(AccessLevel, &str); 4] = [
    (AccessLevel::Anonymous, "Anyone, even without logging in"),
    (AccessLevel::Registered, "Anyone logged in"),
    (AccessLevel::Approved, "Members of this wiki"),
    (AccessLevel::Admin, "Wiki admins only"),
];

/// `GET /-/admin`.
pub async fn settings_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let chrome = wiki_chrome(&state, &ctx, "Wiki settings", None).await?;
    let access = &ctx.wiki.access;
    let (owner_handle, members, requests) = super::collaborators::listing(&state, &ctx).await?;
    page(&AdminTpl {
        owner_handle,
        members,
        requests,
        members_action: "/-/admin/members".into(),
        requests_action: "/-/admin/requests".into(),
        member_roles: crate::dashboard::pages::MEMBER_ROLES.to_vec(),
        dashboard_wiki_url: format!("{}wiki/{}", ctx.dashboard_url(), ctx.wiki.slug),
        chrome,
        site_name: ctx.wiki.display_name.clone(),
        description: ctx.wiki.description.clone(),
        access_fields: vec![
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
        ],
        levels: LEVELS
            .iter()
            .map(|(l, label)| (l.to_string(), (*label).to_string()))
            .collect(),
        usage: crate::limits::quota::report(&state, &ctx.wiki).await?,
    })
}

/// `POST /-/admin`: the same change, with the same rules, as the dashboard's settings form
/// (`dashboard::service::update_settings`); this page only reads its own field names.
pub async fn save_settings(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let form = super::form(req).await?;
    let access = access_from_form(|key| field(&form, key).map(str::to_string))?;
    // `require_admin` passed: the caller is the owner, an admin member or a platform admin.
    let managed = ManagedWiki {
        wiki: ctx.wiki.clone(),
        role: ctx.role.unwrap_or(Role::Admin),
    };
    let change = SettingsChange {
        display_name: Some(field(&form, "site_name").unwrap_or_default().to_string()),
        description: Some(field(&form, "description").unwrap_or_default().to_string()),
        access: Some(access),
        ..SettingsChange::default()
    };
    update_settings(&state, &managed, change).await?;
    Ok(redirect_with_flash("/-/admin", "ok", "Settings saved."))
}
