//! Users.

use super::rows::{UserRow, user_columns};
use super::{Db, is_unique_violation, now};
use crate::PlatformError;
use crate::model::{User, parse_handle};

impl Db {
    /// Creates a user. The handle is normalized by [`parse_handle`]; a taken handle is
    /// [`PlatformError::UserExists`].
    pub async fn create_user(
        &self,
        handle: &str,
        display_name: &str,
    ) -> Result<User, PlatformError> {
        let handle = parse_handle(handle)?;
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (handle, display_name, created_at) VALUES ($1, $2, $3) RETURNING ",
            user_columns!()
        ))
        .bind(&handle)
        .bind(display_name)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                PlatformError::UserExists(handle.clone())
            } else {
                e.into()
            }
        })?;
        Ok(row.into())
    }

    /// The user with this handle (compared after [`parse_handle`] normalization), if any.
    pub async fn user_by_handle(&self, handle: &str) -> Result<Option<User>, PlatformError> {
        let Ok(handle) = parse_handle(handle) else {
            return Ok(None);
        };
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE handle = $1"
        ))
        .bind(handle)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(User::from))
    }

    /// The user with this id, if any.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, PlatformError> {
        let cached = self.cached_version();
        if let Some((cache, at)) = cached
            && let Some(user) = cache.user(at, id)
        {
            return Ok(user);
        }
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let user = row.map(User::from);
        if let Some((cache, at)) = cached {
            cache.put_user(at, id, &user);
        }
        Ok(user)
    }

    /// Every user, by handle.
    pub async fn list_users(&self) -> Result<Vec<User>, PlatformError> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY handle"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Makes a user a platform admin, or not. [`PlatformError::NotFound`] if there is no such
    /// user.
    pub async fn set_platform_admin(
        &self,
        user_id: i64,
        is_platform_admin: bool,
    ) -> Result<(), PlatformError> {
        let done = sqlx::query("UPDATE users SET is_platform_admin = $1 WHERE id = $2")
            .bind(is_platform_admin)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(PlatformError::NotFound("user"));
        }
        Ok(())
    }

    /// Deletes a user. By cascade this removes their memberships, the API tokens they minted,
    /// their login links and access requests, and the platform rows of the wikis they own; the
    /// caller removes those wikis' repositories and indexes first. Returns whether the user
    /// existed.
    pub async fn delete_user(&self, user_id: i64) -> Result<bool, PlatformError> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
