//! Extractors for the dashboard's per-wiki routes (pages and JSON alike): the signed-in caller
//! and the wiki named by the route's `{slug}`, loaded and checked once, before the handler runs.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use super::principal::PlatformUser;
use super::service::{self, ManagedWiki};
use crate::error::AppError;
use crate::state::AppState;

/// The caller and the wiki `{slug}` on which they hold a role (any role; 404 when none, so
/// other people's wikis do not show they exist).
pub struct MemberOf {
    /// Who is calling.
    pub caller: PlatformUser,
    /// The wiki and the caller's role on it.
    pub managed: ManagedWiki,
}

/// The caller and the wiki `{slug}` they manage (owner or admin; 403 for other roles).
pub struct Manager {
    /// Who is calling.
    pub caller: PlatformUser,
    /// The wiki and the caller's role on it.
    pub managed: ManagedWiki,
}

impl FromRequestParts<AppState> for MemberOf {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = PlatformUser::from_request_parts(parts, state).await?;
        let slug = route_slug(parts, state).await?;
        let managed = service::load(state, &caller.user, &slug).await?;
        Ok(MemberOf { caller, managed })
    }
}

impl FromRequestParts<AppState> for Manager {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let MemberOf { caller, managed } = MemberOf::from_request_parts(parts, state).await?;
        managed.require_manage()?;
        Ok(Manager { caller, managed })
    }
}

/// The `{slug}` of the matched route.
async fn route_slug(parts: &mut Parts, state: &AppState) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    params
        .iter()
        .find(|(name, _)| *name == "slug")
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| AppError::NotFound("This address names no wiki.".into()))
}
