//! A wiki's collaborators: invite by handle, change a role, remove, and answer access requests.
//!
//! Shared by the dashboard (`/app/wiki/{slug}`), the management API (`/api/wikis/{slug}/members`)
//! and the wiki host's settings page (`/-/admin`). Callers check that the acting user may manage
//! the wiki (owner or admin) before calling; these functions check what is asked.
//!
//! Roles are read from the database on every request (`context::resolve_wiki`), so a change here
//! takes effect on the member's next request: nothing caches a role.

use robot_platform::{AccessRequest, Member, Role, User, Wiki};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Parses a membership role typed in a form or a JSON body: `admin`, `editor` or `viewer`.
/// Ownership is not a membership and cannot be granted.
pub fn parse_member_role(input: &str) -> AppResult<Role> {
    match input.trim().parse::<Role>() {
        Ok(Role::Owner) => Err(AppError::BadRequest(
            "Ownership cannot be granted; choose admin, editor or viewer.".into(),
        )),
        Ok(role) => Ok(role),
        Err(_) => Err(AppError::BadRequest(format!(
            "Unknown role “{}”; choose admin, editor or viewer.",
            input.trim()
        ))),
    }
}

/// The user with `handle` (a leading `@` is ignored), or a clear error.
pub async fn find_user(state: &AppState, handle: &str) -> AppResult<User> {
    let handle = handle.trim().trim_start_matches('@');
    if handle.is_empty() {
        return Err(AppError::BadRequest(
            "Type the handle of the person to invite.".into(),
        ));
    }
    state.db.user_by_handle(handle).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "There is no robot.wtf user with the handle “{handle}”. They need to sign in once \
             before they can be invited."
        ))
    })
}

/// Gives the user `handle` the `role` on `wiki` (inviting them, or changing their role), and
/// answers any access request they had pending. Returns the membership.
pub async fn set_member(
    state: &AppState,
    wiki: &Wiki,
    handle: &str,
    role: Role,
) -> AppResult<Member> {
    if role == Role::Owner {
        return Err(AppError::BadRequest(
            "Ownership cannot be granted; choose admin, editor or viewer.".into(),
        ));
    }
    let user = find_user(state, handle).await?;
    if user.id == wiki.owner_id {
        return Err(AppError::BadRequest(format!(
            "{} owns this wiki; the owner's role cannot change.",
            user.handle
        )));
    }
    state.db.set_member(wiki.id, user.id, role).await?;
    state.db.remove_access_request(wiki.id, user.id).await?;
    Ok(Member { user, role })
}

/// Changes the role of an existing member; [`AppError::NotFound`] for someone who is not one.
pub async fn change_role(
    state: &AppState,
    wiki: &Wiki,
    handle: &str,
    role: Role,
) -> AppResult<Member> {
    let user = find_user(state, handle).await?;
    if user.id != wiki.owner_id && state.db.membership(wiki.id, user.id).await?.is_none() {
        return Err(not_a_member(&user));
    }
    set_member(state, wiki, &user.handle, role).await
}

/// Removes the member `handle` from `wiki`. Their next request is judged without the role.
pub async fn remove_member(state: &AppState, wiki: &Wiki, handle: &str) -> AppResult<User> {
    let user = find_user(state, handle).await?;
    if user.id == wiki.owner_id {
        return Err(AppError::BadRequest(format!(
            "{} owns this wiki and cannot be removed; delete the wiki instead.",
            user.handle
        )));
    }
    if !state.db.remove_member(wiki.id, user.id).await? {
        return Err(not_a_member(&user));
    }
    Ok(user)
}

/// An admin's answer to an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Let them in with this role (viewer or editor).
    Approve(Role),
    /// Refuse; the request is deleted.
    Deny,
}

impl Decision {
    /// Parses `viewer`, `editor` (approve with that role) or `deny`.
    pub fn parse(input: &str) -> AppResult<Decision> {
        match input.trim() {
            "viewer" => Ok(Decision::Approve(Role::Viewer)),
            "editor" => Ok(Decision::Approve(Role::Editor)),
            "deny" => Ok(Decision::Deny),
            other => Err(AppError::BadRequest(format!(
                "Unknown decision “{other}”; answer viewer, editor or deny."
            ))),
        }
    }
}

/// Answers `handle`'s pending request for `wiki`. [`AppError::NotFound`] when there is none.
pub async fn answer_request(
    state: &AppState,
    wiki: &Wiki,
    handle: &str,
    decision: Decision,
) -> AppResult<User> {
    let user = find_user(state, handle).await?;
    let missing = || AppError::NotFound(format!("{} has no pending access request.", user.handle));
    match decision {
        Decision::Approve(role) => match state
            .db
            .approve_access_request(wiki.id, user.id, role)
            .await
        {
            Ok(()) => Ok(user),
            Err(robot_platform::PlatformError::NotFound(_)) => Err(missing()),
            Err(err) => Err(err.into()),
        },
        Decision::Deny => {
            if state.db.remove_access_request(wiki.id, user.id).await? {
                Ok(user)
            } else {
                Err(missing())
            }
        }
    }
}

/// The members and pending requests of `wiki`, for settings pages.
pub async fn overview(
    state: &AppState,
    wiki: &Wiki,
) -> AppResult<(Vec<Member>, Vec<AccessRequest>)> {
    let members = state.db.list_members(wiki.id).await?;
    let requests = state.db.list_access_requests(wiki.id).await?;
    Ok((members, requests))
}

fn not_a_member(user: &User) -> AppError {
    AppError::NotFound(format!("{} is not a member of this wiki.", user.handle))
}
