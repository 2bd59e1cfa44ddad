//! Rows as the database returns them, and their conversion into the crate's types. A stored
//! value the rules do not allow becomes a decode error: never a default, so a damaged row cannot
//! open a wiki.

use crate::model::{Member, User, Wiki};
use crate::policy::{AccessSettings, Role};
use crate::slug::Slug;

/// The columns of `users`, named as [`UserRow`]'s fields (explicit aliases: SQLite leaves the
/// name of an unaliased `table.column` unspecified).
macro_rules! user_columns {
    () => {
        "users.id AS id, users.handle AS handle, users.display_name AS display_name, \
         users.did AS did, users.is_platform_admin AS is_platform_admin, \
         users.created_at AS created_at, users.sessions_valid_after AS sessions_valid_after"
    };
}

/// The columns of `wikis`, named as [`WikiRow`]'s fields.
macro_rules! wiki_columns {
    () => {
        "wikis.id AS id, wikis.slug AS slug, wikis.display_name AS display_name, \
         wikis.description AS description, wikis.owner_id AS owner_id, \
         wikis.read_access AS read_access, wikis.write_access AS write_access, \
         wikis.attachment_access AS attachment_access, wikis.git_access AS git_access, \
         wikis.oauth_access_lifetime_secs AS oauth_access_lifetime_secs, \
         wikis.created_at AS created_at"
    };
}

pub(super) use {user_columns, wiki_columns};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    handle: String,
    display_name: String,
    did: Option<String>,
    is_platform_admin: bool,
    created_at: i64,
    sessions_valid_after: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            handle: row.handle,
            display_name: row.display_name,
            did: row.did,
            is_platform_admin: row.is_platform_admin,
            created_at: row.created_at,
            sessions_valid_after: row.sessions_valid_after,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct WikiRow {
    id: i64,
    slug: String,
    display_name: String,
    description: String,
    owner_id: i64,
    read_access: String,
    write_access: String,
    attachment_access: String,
    git_access: bool,
    oauth_access_lifetime_secs: i64,
    created_at: i64,
}

impl TryFrom<WikiRow> for Wiki {
    type Error = sqlx::Error;

    fn try_from(row: WikiRow) -> Result<Wiki, sqlx::Error> {
        Ok(Wiki {
            id: row.id,
            slug: Slug::parse_stored(&row.slug).map_err(decode_error)?,
            display_name: row.display_name,
            description: row.description,
            owner_id: row.owner_id,
            access: AccessSettings {
                read: row.read_access.parse().map_err(decode_error)?,
                write: row.write_access.parse().map_err(decode_error)?,
                attachments: row.attachment_access.parse().map_err(decode_error)?,
            },
            git_access: row.git_access,
            oauth_access_lifetime_secs: row.oauth_access_lifetime_secs,
            created_at: row.created_at,
        })
    }
}

/// A wiki with the asking user's stored membership role, if any.
#[derive(sqlx::FromRow)]
pub(super) struct WikiWithRoleRow {
    #[sqlx(flatten)]
    pub(super) wiki: WikiRow,
    pub(super) member_role: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct MemberRow {
    #[sqlx(flatten)]
    user: UserRow,
    role: String,
}

impl TryFrom<MemberRow> for Member {
    type Error = sqlx::Error;

    fn try_from(row: MemberRow) -> Result<Member, sqlx::Error> {
        Ok(Member {
            user: row.user.into(),
            role: parse_role(&row.role)?,
        })
    }
}

pub(super) fn parse_role(stored: &str) -> Result<Role, sqlx::Error> {
    stored.parse().map_err(decode_error)
}

fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}
