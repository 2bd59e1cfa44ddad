//! The permission policy: the one function that decides what a principal may do on a wiki.
//!
//! Pure and synchronous on purpose: the server resolves the principal, the role and the wiki's
//! access settings once per request and asks [`permissions`]; nothing else decides.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who an access level admits, from the most open to the most closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Everyone, signed in or not.
    Anonymous,
    /// Anyone signed in to the platform.
    Registered,
    /// Members of the wiki (any role) and its owner.
    Approved,
    /// Only the wiki's owner and its members with the admin role.
    Admin,
}

impl AccessLevel {
    /// Every level, most open first.
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::Anonymous,
        AccessLevel::Registered,
        AccessLevel::Approved,
        AccessLevel::Admin,
    ];

    /// The level's stored and displayed name: `anonymous`, `registered`, `approved` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Anonymous => "anonymous",
            AccessLevel::Registered => "registered",
            AccessLevel::Approved => "approved",
            AccessLevel::Admin => "admin",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessLevel {
    type Err = PolicyParseError;

    /// Parses the exact lowercase name; anything else is an error, never a default, so a typo
    /// cannot open a wiki.
    fn from_str(s: &str) -> Result<AccessLevel, PolicyParseError> {
        AccessLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| PolicyParseError::UnknownAccessLevel(s.to_owned()))
    }
}

/// A wiki's access levels for reading, writing and uploading attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessSettings {
    /// Who may read pages, history and attachments.
    pub read: AccessLevel,
    /// Who may edit, rename and delete pages.
    pub write: AccessLevel,
    /// Who may upload and change attachments.
    pub attachments: AccessLevel,
}

impl AccessSettings {
    /// Every combination of read, write and attachment levels (64), most open first: what a
    /// policy or permission test has to hold for.
    pub fn every() -> impl Iterator<Item = AccessSettings> {
        AccessLevel::ALL.into_iter().flat_map(|read| {
            AccessLevel::ALL.into_iter().flat_map(move |write| {
                AccessLevel::ALL
                    .into_iter()
                    .map(move |attachments| AccessSettings {
                        read,
                        write,
                        attachments,
                    })
            })
        })
    }
}

impl Default for AccessSettings {
    /// Private: everything at [`AccessLevel::Approved`], so only the owner and members get in.
    fn default() -> AccessSettings {
        AccessSettings {
            read: AccessLevel::Approved,
            write: AccessLevel::Approved,
            attachments: AccessLevel::Approved,
        }
    }
}

/// A user's relation to one wiki.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Created the wiki (`wikis.owner_id`); never stored as a membership.
    Owner,
    /// May do everything, including the wiki's admin pages.
    Admin,
    /// May read, write and upload, as far as the access levels allow.
    Editor,
    /// May read at most.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// The role's stored and displayed name: `owner`, `admin`, `editor` or `viewer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = PolicyParseError;

    /// Parses the exact lowercase name; anything else is an error.
    fn from_str(s: &str) -> Result<Role, PolicyParseError> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| PolicyParseError::UnknownRole(s.to_owned()))
    }
}

/// A name that is not an [`AccessLevel`] or a [`Role`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyParseError {
    /// Not one of `anonymous`, `registered`, `approved`, `admin`.
    #[error("unknown access level {0:?}: use anonymous, registered, approved or admin")]
    UnknownAccessLevel(String),
    /// Not one of `owner`, `admin`, `editor`, `viewer`.
    #[error("unknown role {0:?}: use owner, admin, editor or viewer")]
    UnknownRole(String),
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// Not signed in.
    Anonymous,
    /// A signed-in platform user, in a browser (session cookie) or with a platform session token.
    User {
        /// The user's id.
        user_id: i64,
        /// Manages the platform; grants nothing on any wiki.
        is_platform_admin: bool,
    },
    /// Software acting for a person with a credential bound to one wiki: an API token minted by
    /// one of its admins, or an OAuth app's token approved by a user. It acts with that
    /// person's rights as they are now (their current role, the current access levels), capped
    /// by what the credential allows ([`Credential::ceiling`]).
    Agent {
        /// The person it acts for: the token's creator or the grant's approver.
        user_id: i64,
        /// What the person handed over.
        credential: Credential,
    },
}

/// A credential that lets software act for a person on one wiki.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A per-wiki API token (`rwt_…`), with the role it was minted with.
    ApiToken {
        /// The token's id.
        token_id: i64,
        /// What its creator allowed it.
        role: TokenRole,
    },
    /// An OAuth app's access token (`rwo_…`) under one grant.
    OAuthApp {
        /// The grant's id.
        grant_id: i64,
    },
}

impl Credential {
    /// The most a credential of this kind may do, whoever stands behind it. Agents work on
    /// pages and attachments; the wiki's members, settings, tokens and deletion are for people
    /// in a browser, so `admin` is never in a ceiling (the consent page promises an app no
    /// more than "read, search and edit pages and attachments").
    pub fn ceiling(self) -> Permissions {
        match self {
            Credential::ApiToken {
                role: TokenRole::ReadOnly,
                ..
            } => Permissions {
                read: true,
                ..Permissions::NONE
            },
            Credential::ApiToken {
                role: TokenRole::Editor,
                ..
            }
            | Credential::OAuthApp { .. } => Permissions {
                read: true,
                write: true,
                upload: true,
                admin: false,
            },
        }
    }
}

/// What an API token may do on its wiki.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TokenRole {
    /// Read pages, history, search and attachments.
    ReadOnly,
    /// Also create, edit, rename and delete pages and attachments.
    Editor,
}

impl TokenRole {
    /// The stored and displayed name: `read-only` or `editor`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::ReadOnly => "read-only",
            TokenRole::Editor => "editor",
        }
    }
}

impl fmt::Display for TokenRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenRole {
    type Err = PolicyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read-only" => Ok(TokenRole::ReadOnly),
            "editor" => Ok(TokenRole::Editor),
            other => Err(PolicyParseError::UnknownRole(other.to_string())),
        }
    }
}

impl Principal {
    /// The person behind the request (the user, or the one an agent acts for); `None` for an
    /// anonymous principal.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Principal::Anonymous => None,
            Principal::User { user_id, .. } | Principal::Agent { user_id, .. } => Some(*user_id),
        }
    }
}

/// What a principal may do on one wiki. Always consistent: `write` implies `read`, `upload`
/// implies `write`, and `admin` implies all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Permissions {
    /// View pages, history, search and attachments.
    pub read: bool,
    /// Create, edit, rename, delete and revert pages.
    pub write: bool,
    /// Upload, replace, rename and delete attachments.
    pub upload: bool,
    /// The wiki's admin pages: settings and members.
    pub admin: bool,
}

impl Permissions {
    /// Nothing at all.
    pub const NONE: Permissions = Permissions {
        read: false,
        write: false,
        upload: false,
        admin: false,
    };

    /// Everything.
    pub const ALL: Permissions = Permissions {
        read: true,
        write: true,
        upload: true,
        admin: true,
    };

    /// What both `self` and `other` allow. Both are consistent, so the result is too.
    pub fn and(self, other: Permissions) -> Permissions {
        Permissions {
            read: self.read && other.read,
            write: self.write && other.write,
            upload: self.upload && other.upload,
            admin: self.admin && other.admin,
        }
    }
}

/// What `principal`, holding `role` on a wiki (`None` for a non-member), may do there given the
/// wiki's `access` settings. For an agent, `role` is the role of the person it acts for.
///
/// - The owner and admin members may do everything, whatever the settings.
/// - Otherwise each of read, write and upload is granted when its level admits the principal:
///   `anonymous` admits everyone, `registered` any signed-in user, `approved` members of any
///   role, `admin` nobody further.
/// - Viewers are then capped at read; editors at read, write and upload.
/// - Write needs read and upload needs write: a level that admits more than the one above it
///   grants nothing extra.
/// - An agent (API token, OAuth app) gets what its person may do now, capped by its
///   credential's [`Credential::ceiling`]: never more than its person, never the admin pages,
///   so removing or demoting the person takes effect on the agent's next request.
/// - Being a platform admin grants nothing here; an anonymous principal holds no role, whatever
///   `role` says (fail closed).
pub fn permissions(
    principal: &Principal,
    role: Option<Role>,
    access: &AccessSettings,
) -> Permissions {
    match principal {
        Principal::Anonymous => person_permissions(false, None, access),
        Principal::User { .. } => person_permissions(true, role, access),
        Principal::Agent { credential, .. } => {
            person_permissions(true, role, access).and(credential.ceiling())
        }
    }
}

/// What a person may do: `signed_in` with `role` (a role without a sign-in counts for nothing).
fn person_permissions(signed_in: bool, role: Option<Role>, access: &AccessSettings) -> Permissions {
    let role = role.filter(|_| signed_in);
    if matches!(role, Some(Role::Owner | Role::Admin)) {
        return Permissions::ALL;
    }
    let admits = |level: AccessLevel| match level {
        AccessLevel::Anonymous => true,
        AccessLevel::Registered => signed_in,
        AccessLevel::Approved => role.is_some(),
        AccessLevel::Admin => false,
    };
    let may_change = role != Some(Role::Viewer);
    let read = admits(access.read);
    let write = read && may_change && admits(access.write);
    let upload = write && admits(access.attachments);
    Permissions {
        read,
        write,
        upload,
        admin: false,
    }
}

#[cfg(test)]
mod tests;
