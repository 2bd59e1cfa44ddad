//! Template data of the dashboard pages (`templates/dashboard/*.html`).

use askama::Template;

use crate::templates::Chrome;

/// A wiki in the dashboard's navigation and list.
#[derive(Debug, Clone)]
pub struct WikiItem {
    /// Its slug.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its public URL.
    pub url: String,
    /// The caller's role there.
    pub role: String,
    /// Whether the caller may open its settings (owner or admin).
    pub can_manage: bool,
    /// Access requests waiting for the caller's answer (managers only).
    pub pending_requests: u64,
    /// The wiki shown on this page.
    pub active: bool,
}

/// Navigation shared by the dashboard pages.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The caller's wikis.
    pub wikis: Vec<WikiItem>,
    /// Show the operators' status link.
    pub is_platform_admin: bool,
    /// `home`, `wiki`, `account` or `admin`.
    pub current: &'static str,
}

/// The values of the create-a-wiki form.
#[derive(Debug, Clone, Default)]
pub struct CreateForm {
    /// Slug (suggested from the handle, or as typed).
    pub slug: String,
    /// Display name.
    pub display_name: String,
    /// Purpose.
    pub description: String,
}

/// `GET /app/`: my wikis and the create form.
#[derive(Template)]
#[template(path = "dashboard/home.html")]
pub struct HomeTpl {
    pub chrome: Chrome,
    pub nav: Nav,
    pub handle: String,
    pub domain_suffix: String,
    pub may_create: bool,
    pub limit_message: String,
    pub form: CreateForm,
}

/// An app connected over OAuth, as listed on the wiki page.
#[derive(Debug, Clone)]
pub struct GrantItem {
    /// The grant's id (the revoke form's `grant`).
    pub id: i64,
    /// The app's registered name.
    pub app: String,
    /// Handle of the user who approved it (the app acts as them).
    pub user: String,
    /// When it was approved.
    pub created: String,
    /// When it last made a request, or "never".
    pub last_used: String,
}

/// A token as listed on the settings page.
#[derive(Debug, Clone)]
pub struct TokenItem {
    /// Its name.
    pub name: String,
    /// `editor` or `read-only`.
    pub role: String,
    /// The handle of the admin who minted it (it acts for them, within their current rights).
    pub created_by: String,
    /// When it was minted.
    pub created: String,
    /// When it last authenticated a request, or "never".
    pub last_used: String,
    /// Whether it still works.
    pub live: bool,
}

/// A token secret that was just minted and is shown this once.
#[derive(Debug, Clone)]
pub struct FreshToken {
    /// The token's name.
    pub name: String,
    /// The secret.
    pub secret: String,
    /// The `claude mcp add` command with the secret in it.
    pub command: String,
}

/// A member as listed on a settings page.
#[derive(Debug, Clone)]
pub struct MemberItem {
    /// Handle.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// `admin`, `editor` or `viewer`.
    pub role: String,
}

/// A pending access request as listed on a settings page.
#[derive(Debug, Clone)]
pub struct RequestItem {
    /// Handle.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// What they wrote.
    pub message: String,
    /// When they asked.
    pub date: String,
}

/// `GET /app/wiki/{slug}`: settings, MCP card, tokens, collaborators, danger zone.
#[derive(Template)]
#[template(path = "dashboard/wiki.html")]
pub struct WikiTpl {
    pub chrome: Chrome,
    pub nav: Nav,
    pub slug: String,
    pub display_name: String,
    pub description: String,
    pub url: String,
    pub role: String,
    pub is_owner: bool,
    pub mcp_endpoint: String,
    pub command_template: String,
    pub fresh: Option<FreshToken>,
    /// (field name, label, current value).
    pub access_fields: Vec<(String, String, String)>,
    /// (value, label).
    pub levels: Vec<(String, String)>,
    pub git_access: bool,
    /// Seconds an app's access token lives here.
    pub token_lifetime: i64,
    /// (seconds, label) of the lifetimes an owner may choose.
    pub token_lifetimes: Vec<(i64, String)>,
    /// `git clone …` with a `<token>` placeholder.
    pub git_clone: String,
    pub tokens: Vec<TokenItem>,
    /// Apps connected over OAuth.
    pub grants: Vec<GrantItem>,
    pub owner_handle: String,
    pub members: Vec<MemberItem>,
    pub requests: Vec<RequestItem>,
    /// Where the collaborator forms post.
    pub members_action: String,
    /// Where the access-request answers post.
    pub requests_action: String,
    /// Roles a member can hold.
    pub member_roles: Vec<&'static str>,
}

/// `GET /app/account`.
#[derive(Template)]
#[template(path = "dashboard/account.html")]
pub struct AccountTpl {
    pub chrome: Chrome,
    pub nav: Nav,
    pub handle: String,
    pub display_name: String,
    pub did: String,
    pub member_since: String,
    pub owned: Vec<String>,
}

/// A wiki on the operators' status page.
#[derive(Debug, Clone)]
pub struct StatusWiki {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Public URL.
    pub url: String,
    /// Owner's handle.
    pub owner: String,
    /// Repository size, human readable.
    pub size: String,
    /// Created, formatted.
    pub created: String,
    /// Read access level.
    pub read_access: String,
}

/// `GET /app/admin`: the operators' status page.
#[derive(Template)]
#[template(path = "dashboard/status.html")]
pub struct StatusTpl {
    pub chrome: Chrome,
    pub nav: Nav,
    /// (check, ok, detail).
    pub checks: Vec<(String, bool, String)>,
    /// (label, value).
    pub counts: Vec<(String, String)>,
    /// (part of the data directory, size).
    pub disk: Vec<(String, String)>,
    /// Free space on the data directory's filesystem, human readable; empty when unknown.
    pub disk_free: String,
    /// Size of that filesystem.
    pub disk_total: String,
    /// The low-space warning, or empty.
    pub disk_warning: String,
    pub wikis: Vec<StatusWiki>,
}

/// A date for people, from seconds since the Unix epoch.
pub fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A size for people: bytes, KiB, MiB or GiB.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
