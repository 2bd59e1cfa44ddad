//! Access requests: a signed-in user asks a wiki's admins to let them in.

use super::members::upsert_member;
use super::rows::{UserRow, user_columns};
use super::{Db, is_foreign_key_violation, now};
use crate::PlatformError;
use crate::model::AccessRequest;
use crate::policy::Role;

/// Longest message kept with a request.
const MAX_MESSAGE_CHARS: usize = 500;

#[derive(sqlx::FromRow)]
struct RequestRow {
    #[sqlx(flatten)]
    user: UserRow,
    message: String,
    requested_at: i64,
}

impl Db {
    /// Records that `user_id` asks for access to `wiki_id`, with a message for its admins (cut
    /// to 500 characters, control characters other than newlines dropped). Asking again
    /// replaces the message and keeps one request. [`PlatformError::NotFound`] for an unknown
    /// wiki or user.
    pub async fn request_access(
        &self,
        wiki_id: i64,
        user_id: i64,
        message: &str,
    ) -> Result<(), PlatformError> {
        let message: String = message
            .trim()
            .chars()
            .filter(|c| *c == '\n' || !c.is_control())
            .take(MAX_MESSAGE_CHARS)
            .collect();
        sqlx::query(
            "INSERT INTO access_requests (wiki_id, user_id, message, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (wiki_id, user_id) DO UPDATE SET message = excluded.message",
        )
        .bind(wiki_id)
        .bind(user_id)
        .bind(message)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                PlatformError::NotFound("wiki or user")
            } else {
                e.into()
            }
        })?;
        Ok(())
    }

    /// Whether `user_id` has a pending request for `wiki_id`.
    pub async fn has_access_request(
        &self,
        wiki_id: i64,
        user_id: i64,
    ) -> Result<bool, PlatformError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM access_requests WHERE wiki_id = $1 AND user_id = $2")
                .bind(wiki_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// How many requests wait on each wiki that `user_id` manages (owns, or administers):
    /// `(wiki_id, pending)`, only for wikis with at least one.
    pub async fn pending_access_requests(
        &self,
        user_id: i64,
    ) -> Result<Vec<(i64, u64)>, PlatformError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT access_requests.wiki_id, COUNT(*) FROM access_requests              JOIN wikis ON wikis.id = access_requests.wiki_id              LEFT JOIN wiki_members ON wiki_members.wiki_id = access_requests.wiki_id                AND wiki_members.user_id = $1              WHERE wikis.owner_id = $1 OR wiki_members.role = 'admin'              GROUP BY access_requests.wiki_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(wiki, n)| (wiki, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// The pending requests for `wiki_id`, oldest first.
    pub async fn list_access_requests(
        &self,
        wiki_id: i64,
    ) -> Result<Vec<AccessRequest>, PlatformError> {
        let rows: Vec<RequestRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", access_requests.message AS message, access_requests.created_at AS requested_at \
             FROM access_requests JOIN users ON users.id = access_requests.user_id \
             WHERE access_requests.wiki_id = $1 \
             ORDER BY access_requests.created_at, users.handle"
        ))
        .bind(wiki_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| AccessRequest {
                user: row.user.into(),
                message: row.message,
                created_at: row.requested_at,
            })
            .collect())
    }

    /// Grants `user_id`'s pending request for `wiki_id` with `role`: the request becomes a
    /// membership in one transaction. [`PlatformError::NotFound`] when there is no such request
    /// (already answered, or never made); [`PlatformError::InvalidRole`] for [`Role::Owner`].
    pub async fn approve_access_request(
        &self,
        wiki_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<(), PlatformError> {
        if role == Role::Owner {
            return Err(PlatformError::InvalidRole);
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM access_requests WHERE wiki_id = $1 AND user_id = $2")
            .bind(wiki_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(PlatformError::NotFound("access request"));
        }
        upsert_member(&mut tx, wiki_id, user_id, role).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes `user_id`'s request for `wiki_id` (denied, or withdrawn). Returns whether there
    /// was one.
    pub async fn remove_access_request(
        &self,
        wiki_id: i64,
        user_id: i64,
    ) -> Result<bool, PlatformError> {
        let done = sqlx::query("DELETE FROM access_requests WHERE wiki_id = $1 AND user_id = $2")
            .bind(wiki_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
