//! The one error type of this crate.

use crate::slug::SlugError;

/// Everything the platform database and its rules can refuse.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The handle is taken.
    #[error("a user with the handle {0:?} already exists; choose another handle")]
    UserExists(String),
    /// An ATProto sign-in claims a handle that a local account on this server holds.
    #[error(
        "the handle {0:?} belongs to a local account on this server; ask the operator to rename or remove it"
    )]
    HandleTaken(String),
    /// The slug is taken.
    #[error("a wiki named {0:?} already exists; choose another name")]
    WikiExists(String),
    /// The user or wiki named by the request does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The handle breaks the rules (1–64 characters of `a-z`, `0-9`, `.`, `-`).
    #[error(
        "invalid handle {0:?}: use 1 to 64 characters of lowercase letters, digits, '.' and '-'"
    )]
    InvalidHandle(String),
    /// The slug breaks the rules.
    #[error(transparent)]
    InvalidSlug(#[from] SlugError),
    /// Ownership was offered as a membership role.
    #[error("the owner role cannot be granted as a membership; choose admin, editor or viewer")]
    InvalidRole,
    /// A live token of that name already exists on the wiki.
    #[error(
        "a token named {0:?} already exists on this wiki; revoke it first or choose another name"
    )]
    TokenExists(String),
    /// Token names are 1–64 printable characters.
    #[error("invalid token name {0:?}: use 1 to 64 printable characters")]
    InvalidTokenName(String),
    /// An access-token lifetime that is not one of the choices.
    #[error(
        "an app token lifetime of {0} seconds is not offered; choose 1 hour, 1 day, 7 days, 30 days or 90 days"
    )]
    InvalidAccessLifetime(i64),
    /// A client metadata document's URL is already the id of a registered client here.
    #[error("a registered client already uses the client_id {0:?}")]
    ClientIdTaken(String),
    /// The database failed, or holds a value the rules do not allow.
    #[error("platform database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("cannot migrate the platform database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}
