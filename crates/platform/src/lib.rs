//! Platform data and policy for robot.wtf.
//!
//! - [`Db`]: the platform database (users, wikis, memberships, login links) behind async
//!   methods; SQLite today, with every SQL statement kept in the `db` module.
//! - [`Slug`]: a wiki's name, valid by construction.
//! - [`policy::permissions`]: the one function that decides what a principal may do on a wiki.

#![warn(missing_docs)]

mod db;
mod error;
mod model;
pub mod policy;
mod slug;

pub use db::{AtprotoLogin, AtprotoSession, Db, RevokedSessions, TOKEN_PREFIX};
/// OAuth 2.1 records of the per-wiki authorization servers.
pub mod oauth {
    pub use crate::db::{
        ACCESS_LIFETIME_CHOICES, AuthorizationCode, CODE_LIFETIME_SECS, ClientAuthMethod,
        CodeRedemption, DEFAULT_ACCESS_LIFETIME_SECS, IssuedTokens, MetadataClient,
        NewAuthorizationCode, NewOAuthClient, OAUTH_ACCESS_PREFIX, OAUTH_REFRESH_PREFIX,
        OAuthAccess, OAuthClient, OAuthGrant, REFRESH_LIFETIME_SECS, RefreshOutcome,
    };
}
pub use error::PlatformError;
pub use model::{
    AccessRequest, ApiToken, Member, NewWiki, PlatformCounts, QuotaOverride, User, UserWiki, Wiki,
    WikiUsage, parse_handle,
};
pub use policy::{
    AccessLevel, AccessSettings, Credential, Permissions, Principal, Role, TokenRole, permissions,
};
pub use slug::{RESERVED_NAMES, Slug, SlugError};
