//! What the dashboard and the management API do, written once: find a wiki the caller manages,
//! create one (slug rules, the wikis-per-user limit), change its settings, mint and revoke its
//! tokens, delete it, delete an account. HTML pages and JSON handlers only translate.

use std::path::Path;

use robot_platform::policy::AccessSettings;
use robot_platform::{ApiToken, PlatformError, Role, Slug, TokenRole, User, Wiki};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::wikis::{self, CreateWiki};

/// Name of the token the dashboard mints for MCP clients and regenerates on request.
pub const MCP_TOKEN_NAME: &str = "mcp";
/// Longest display name.
const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Longest description (the purpose shown on the wiki and the landing page).
const MAX_DESCRIPTION_CHARS: usize = 200;

/// Serializes "check the caller's wiki count, then create" so two concurrent requests cannot
/// both pass the limit.
static CREATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A wiki and the caller's role on it.
#[derive(Debug, Clone)]
pub struct ManagedWiki {
    /// The wiki.
    pub wiki: Wiki,
    /// The caller's role (owner or a membership role).
    pub role: Role,
}

impl ManagedWiki {
    /// Whether the caller may change settings, tokens and collaborators (owner or admin).
    pub fn can_manage(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Fails unless the caller is the owner or an admin.
    pub fn require_manage(&self) -> AppResult<()> {
        if self.can_manage() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Only the owner and admins of {} can change its settings, tokens and \
                 collaborators; you are a {}.",
                self.wiki.slug, self.role
            )))
        }
    }

    /// Fails unless the caller owns the wiki.
    pub fn require_owner(&self) -> AppResult<()> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Only the owner of {} can delete it.",
                self.wiki.slug
            )))
        }
    }
}

/// The wiki `slug` with `user`'s role there. Wikis the user neither owns nor belongs to are
/// [`AppError::NotFound`], so their names do not leak.
pub async fn load(state: &AppState, user: &User, slug: &str) -> AppResult<ManagedWiki> {
    let missing = || AppError::NotFound(format!("You have no wiki called “{slug}”."));
    let slug = Slug::parse(slug).map_err(|_| missing())?;
    let wiki = state.db.wiki_by_slug(&slug).await?.ok_or_else(missing)?;
    let role = state
        .db
        .membership(wiki.id, user.id)
        .await?
        .ok_or_else(missing)?;
    Ok(ManagedWiki { wiki, role })
}

/// What a person asks for when creating a wiki.
#[derive(Debug, Clone, Default)]
pub struct NewWikiRequest {
    /// The slug as typed.
    pub slug: String,
    /// The display name as typed.
    pub display_name: String,
    /// The purpose as typed (may be empty).
    pub description: String,
}

/// A wiki just created, and the secret of its first MCP token (shown once).
pub struct CreatedWiki {
    /// The wiki.
    pub wiki: Wiki,
    /// The token record.
    pub token: ApiToken,
    /// Its secret.
    pub secret: String,
}

/// Creates a wiki owned by `user`, seeded with the template pages, and mints its MCP token.
///
/// Refuses, with a message that says what to do: an invalid or reserved slug, a missing or too
/// long display name, a description over 200 characters (400), a taken slug (409), and a user
/// who already owns `max_wikis_per_user` wikis unless they are a platform admin (403).
pub async fn create_wiki(
    state: &AppState,
    user: &User,
    request: &NewWikiRequest,
) -> AppResult<CreatedWiki> {
    let slug = Slug::parse(&request.slug.to_ascii_lowercase())
        .map_err(|err| AppError::BadRequest(format!("Invalid slug: {err}.")))?;
    let display_name = checked_display_name(&request.display_name)?;
    let description = checked_description(&request.description)?;
    let _guard = CREATE_LOCK.lock().await;
    check_limit(state, user).await?;
    if state.db.wiki_by_slug(&slug).await?.is_some() || state.store.exists(slug.as_str()) {
        return Err(AppError::Conflict(format!(
            "A wiki called “{slug}” already exists; choose another name."
        )));
    }
    let wiki = wikis::create(
        state,
        CreateWiki {
            slug: slug.clone(),
            owner: user.clone(),
            display_name: Some(display_name),
            description,
            from_git: None,
        },
    )
    .await
    .map_err(|err| match err.downcast_ref::<PlatformError>() {
        Some(PlatformError::WikiExists(_)) => AppError::Conflict(format!(
            "A wiki called “{slug}” already exists; choose another name."
        )),
        _ => AppError::Internal(err),
    })?;
    let (token, secret) = state
        .db
        .replace_api_token(wiki.id, user.id, MCP_TOKEN_NAME, TokenRole::Editor)
        .await?;
    tracing::info!(slug = %wiki.slug, owner = %user.handle, "wiki created in the dashboard");
    Ok(CreatedWiki {
        wiki,
        token,
        secret,
    })
}

/// Whether `user` may create another wiki: platform admins always, others below the limit.
pub async fn may_create(state: &AppState, user: &User) -> AppResult<bool> {
    Ok(check_limit(state, user).await.is_ok())
}

async fn check_limit(state: &AppState, user: &User) -> AppResult<()> {
    if user.is_platform_admin {
        return Ok(());
    }
    let limit = i64::from(state.config.max_wikis_per_user);
    let owned = state.db.count_wikis_owned_by(user.id).await?;
    if owned >= limit {
        let plural = if limit == 1 { "" } else { "s" };
        return Err(AppError::Forbidden(format!(
            "Wiki limit reached: each account may own {limit} wiki{plural}, and you own {owned}. \
             Delete one first, or ask the operator to raise --max-wikis-per-user."
        )));
    }
    Ok(())
}

fn checked_display_name(input: &str) -> AppResult<String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("The display name is required.".into()));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "The display name must be at most {MAX_DISPLAY_NAME_CHARS} characters, on one line."
        )));
    }
    Ok(name.to_string())
}

fn checked_description(input: &str) -> AppResult<String> {
    let description = input.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS
        || description.chars().any(char::is_control)
    {
        return Err(AppError::BadRequest(format!(
            "The description must be at most {MAX_DESCRIPTION_CHARS} characters, on one line."
        )));
    }
    Ok(description.to_string())
}

/// A change of settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// New display name.
    pub display_name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New access levels.
    pub access: Option<AccessSettings>,
    /// Git smart HTTP on or off.
    pub git_access: Option<bool>,
    /// How long apps' access tokens live, in seconds (one of `ACCESS_LIFETIME_CHOICES`).
    pub oauth_access_lifetime_secs: Option<i64>,
}

/// Applies `change` to a wiki the caller manages and returns the updated wiki.
pub async fn update_settings(
    state: &AppState,
    managed: &ManagedWiki,
    change: SettingsChange,
) -> AppResult<Wiki> {
    managed.require_manage()?;
    let wiki = &managed.wiki;
    let display_name = match &change.display_name {
        Some(name) => checked_display_name(name)?,
        None => wiki.display_name.clone(),
    };
    let description = match &change.description {
        Some(text) => checked_description(text)?,
        None => wiki.description.clone(),
    };
    let access = change.access.unwrap_or(wiki.access);
    // Checked before anything is saved, so a bad value changes nothing.
    if let Some(secs) = change.oauth_access_lifetime_secs
        && !robot_platform::oauth::ACCESS_LIFETIME_CHOICES.contains(&secs)
    {
        return Err(robot_platform::PlatformError::InvalidAccessLifetime(secs).into());
    }
    let mut updated = state
        .db
        .update_wiki(&wiki.slug, &display_name, &description, &access)
        .await?;
    if let Some(enabled) = change.git_access {
        updated = state.db.set_git_access(&wiki.slug, enabled).await?;
    }
    if let Some(secs) = change.oauth_access_lifetime_secs
        && secs != updated.oauth_access_lifetime_secs
    {
        updated = state.db.set_oauth_access_lifetime(&wiki.slug, secs).await?;
    }
    Ok(updated)
}

/// Mints a token named `name` with `role` on a wiki the caller manages.
pub async fn mint_token(
    state: &AppState,
    managed: &ManagedWiki,
    user: &User,
    name: &str,
    role: TokenRole,
) -> AppResult<(ApiToken, String)> {
    managed.require_manage()?;
    Ok(state
        .db
        .create_api_token(managed.wiki.id, user.id, name, role)
        .await?)
}

/// Regenerates the token `name`: the live one is revoked and a new one with the same role (or
/// editor, for a first mint) replaces it in one transaction.
pub async fn regenerate_token(
    state: &AppState,
    managed: &ManagedWiki,
    user: &User,
    name: &str,
) -> AppResult<(ApiToken, String)> {
    managed.require_manage()?;
    let role = state
        .db
        .list_api_tokens(managed.wiki.id)
        .await?
        .into_iter()
        .find(|t| t.revoked_at.is_none() && t.name == name.trim())
        .map_or(TokenRole::Editor, |t| t.role);
    Ok(state
        .db
        .replace_api_token(managed.wiki.id, user.id, name, role)
        .await?)
}

/// Revokes the live token `name`; it stops working on the next request.
pub async fn revoke_token(state: &AppState, managed: &ManagedWiki, name: &str) -> AppResult<()> {
    managed.require_manage()?;
    if state.db.revoke_api_token(managed.wiki.id, name).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(format!(
            "There is no live token named “{}” on this wiki.",
            name.trim()
        )))
    }
}

/// The apps connected to the wiki over OAuth (one grant per approval), newest first.
pub async fn list_grants(
    state: &AppState,
    managed: &ManagedWiki,
) -> AppResult<Vec<robot_platform::oauth::OAuthGrant>> {
    managed.require_manage()?;
    Ok(state.db.list_oauth_grants(managed.wiki.id).await?)
}

/// Revokes the OAuth grant `grant_id` with its tokens; the app loses access on its next request.
pub async fn revoke_grant(state: &AppState, managed: &ManagedWiki, grant_id: i64) -> AppResult<()> {
    managed.require_manage()?;
    if state
        .db
        .revoke_oauth_grant(managed.wiki.id, grant_id)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(
            "There is no such connected app on this wiki.".into(),
        ))
    }
}

/// Parses a token role typed in a form or JSON: `editor` or `read-only`.
pub fn parse_token_role(input: &str) -> AppResult<TokenRole> {
    input.trim().parse().map_err(|_| {
        AppError::BadRequest(format!(
            "Unknown token role “{}”; choose editor or read-only.",
            input.trim()
        ))
    })
}

/// Deletes a wiki the caller owns: repository, platform row, memberships, tokens, access
/// requests, search rows and caches (the same function `robot wiki delete` uses).
pub async fn delete_wiki(state: &AppState, managed: &ManagedWiki) -> AppResult<()> {
    managed.require_owner()?;
    wikis::delete(state, &managed.wiki.slug).await?;
    tracing::info!(slug = %managed.wiki.slug, "wiki deleted in the dashboard");
    Ok(())
}

/// Hands the wiki to `handle`, one of its collaborators (owner only, `confirm_slug` typed to
/// confirm). The previous owner stays on as an admin. The recipient's wiki limit applies as if
/// they had created it. Returns the new owner.
pub async fn transfer_ownership(
    state: &AppState,
    managed: &ManagedWiki,
    handle: &str,
    confirm_slug: &str,
) -> AppResult<User> {
    managed.require_owner()?;
    confirm(confirm_slug, managed.wiki.slug.as_str(), "slug")?;
    let handle = handle.trim().to_ascii_lowercase();
    let not_member = || {
        AppError::BadRequest(format!(
            "“{handle}” is not a collaborator of {}: invite them first, then hand the wiki over.",
            managed.wiki.slug
        ))
    };
    let recipient = state
        .db
        .user_by_handle(&handle)
        .await?
        .ok_or_else(not_member)?;
    match state.db.membership(managed.wiki.id, recipient.id).await? {
        Some(Role::Owner) => {
            return Err(AppError::BadRequest(format!(
                "{handle} already owns {}.",
                managed.wiki.slug
            )));
        }
        Some(_) => {}
        None => return Err(not_member()),
    }
    if check_limit(state, &recipient).await.is_err() {
        return Err(AppError::Forbidden(format!(
            "{handle} already owns as many wikis as an account may ({}); they must delete one              first, or the operator can raise --max-wikis-per-user.",
            state.config.max_wikis_per_user
        )));
    }
    state
        .db
        .transfer_ownership(managed.wiki.id, recipient.id)
        .await?;
    tracing::info!(slug = %managed.wiki.slug, to = %handle, "wiki ownership transferred");
    Ok(recipient)
}

/// Deletes `user`'s account: every wiki they own (as [`delete_wiki`] does), then the user with
/// their memberships, the tokens they minted, their login links and access requests. Returns
/// how many wikis were deleted.
pub async fn delete_account(state: &AppState, user: &User) -> AppResult<usize> {
    let owned = state.db.wikis_owned_by(user.id).await?;
    for wiki in &owned {
        wikis::delete(state, &wiki.slug).await?;
    }
    state.db.delete_user(user.id).await?;
    tracing::info!(user = %user.handle, wikis = owned.len(), "account deleted");
    Ok(owned.len())
}

/// Checks a typed confirmation: it must equal `expected` exactly (surrounding spaces ignored).
pub fn confirm(typed: &str, expected: &str, what: &str) -> AppResult<()> {
    if typed.trim() == expected {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "The confirmation did not match: type the {what} “{expected}” exactly. Nothing was \
             changed."
        )))
    }
}

/// The slug suggested for `handle`'s first wiki: the handle's first label, lowercased, with
/// only `a-z`, `0-9` and `-` kept, padded when short, cut to 30, and moved off reserved names.
pub fn default_slug(handle: &str) -> String {
    let first = handle.split('.').next().unwrap_or_default().to_lowercase();
    let mut slug: String = first
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        slug = "my-wiki".into();
    } else if slug.len() < 3 {
        slug.push_str("-wiki");
    }
    slug.truncate(30);
    let mut slug = slug.trim_end_matches('-').to_string();
    if Slug::parse(&slug).is_err() {
        slug.truncate(25);
        slug = format!("{}-wiki", slug.trim_end_matches('-'));
    }
    slug
}

/// [`default_slug`], or a numbered variant when that wiki exists; empty when nothing fits.
pub async fn suggest_slug(state: &AppState, handle: &str) -> AppResult<String> {
    let base = default_slug(handle);
    for n in 1..10 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            let mut stem = base.clone();
            stem.truncate(27);
            format!("{}-{n}", stem.trim_end_matches('-'))
        };
        let Ok(slug) = Slug::parse(&candidate) else {
            continue;
        };
        if state.db.wiki_by_slug(&slug).await?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(String::new())
}

/// The MCP endpoint of a wiki.
pub fn mcp_endpoint(state: &AppState, slug: &Slug) -> String {
    format!("{}/mcp", state.config.wiki_url(slug.as_str()))
}

/// The git clone URL of a wiki (served only while its git access is on).
pub fn git_url(state: &AppState, slug: &Slug) -> String {
    format!(
        "{}{}",
        state.config.wiki_url(slug.as_str()),
        crate::git_http::PREFIX
    )
}

/// The `git clone` command for a wiki, with `token` as the password in the URL.
pub fn git_clone_command(state: &AppState, slug: &Slug, token: &str) -> String {
    let url = git_url(state, slug);
    let with_token = match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://token:{token}@{rest}"),
        None => url,
    };
    format!("git clone {with_token} {slug}")
}

/// The Claude Code command that connects to a wiki's MCP endpoint with `token`.
pub fn claude_command(slug: &Slug, endpoint: &str, token: &str) -> String {
    format!(
        "claude mcp add --transport http {slug} {endpoint} --header \"Authorization: Bearer {token}\""
    )
}

/// Bytes used by the files under `path` (symbolic links are not followed); 0 when missing.
pub fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| dir_size(&entry.path()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_slugs_follow_the_rules() {
        for (handle, expected) in [
            ("alice.bsky.social", "alice"),
            ("Bob-Smith.example.com", "bob-smith"),
            ("al", "al-wiki"),
            ("-x-.example", "x-wiki"),
            ("émile_zola", "milezola"),
            ("admin", "admin-wiki"),
            ("www.example", "www-wiki"),
            ("", "my-wiki"),
            (&"a".repeat(40), &"a".repeat(30)),
        ] {
            let slug = default_slug(handle);
            assert!(
                Slug::parse(&slug).is_ok(),
                "{handle:?} gave invalid {slug:?}"
            );
            assert_eq!(slug, expected, "{handle:?}");
        }
    }

    #[test]
    fn claude_command_is_exact() {
        let slug = Slug::parse("notes").expect("slug");
        assert_eq!(
            claude_command(&slug, "https://notes.robot.wtf/mcp", "rwt_x"),
            "claude mcp add --transport http notes https://notes.robot.wtf/mcp --header \
             \"Authorization: Bearer rwt_x\""
        );
    }

    #[test]
    fn confirmations_must_match() {
        assert!(confirm(" notes ", "notes", "slug").is_ok());
        assert!(confirm("Notes", "notes", "slug").is_err());
        assert!(confirm("", "notes", "slug").is_err());
    }
}
