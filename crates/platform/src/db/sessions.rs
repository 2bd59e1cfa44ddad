//! Revoking platform sessions. Session tokens are not stored (they are signed JWTs), so "log out
//! everywhere" moves the user's `sessions_valid_after` instead, and drops the ATProto sessions
//! kept for those platform sessions, returning them so the server can revoke their tokens.

use super::atproto::{AtprotoSession, session_columns};
use super::rows::{UserRow, user_columns};
use super::{Db, now};
use crate::PlatformError;
use crate::model::User;

/// What [`Db::revoke_sessions`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSessions {
    /// The user as now stored: [`User::sessions_valid_after`] is the new cut-off.
    pub user: User,
    /// The ATProto sessions that belonged to the revoked platform sessions, already deleted;
    /// their tokens are still to be revoked at their authorization servers.
    pub atproto: Vec<AtprotoSession>,
}

impl Db {
    /// "Log out everywhere" for `user_id`: every session token issued so far stops working
    /// ([`User::accepts_session_issued_at`]), the stored ATProto sessions are deleted and
    /// returned, and every app the user connected over OAuth is disconnected (an OAuth grant
    /// acts as the user, so it is a session too). [`PlatformError::NotFound`] if there is no
    /// such user.
    ///
    /// The cut-off becomes now, or one second past the previous cut-off when that is later: a
    /// session issued after an earlier revocation in the same second carries `iat` = that cut-off
    /// + 1 ([`User::next_session_iat`]), and must be revoked too.
    pub async fn revoke_sessions(&self, user_id: i64) -> Result<RevokedSessions, PlatformError> {
        let mut tx = self.pool.begin().await?;
        // CASE instead of MAX/GREATEST: the same statement on SQLite and PostgreSQL.
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "UPDATE users SET sessions_valid_after = CASE \
             WHEN sessions_valid_after + 1 > $1 THEN sessions_valid_after + 1 ELSE $1 END \
             WHERE id = $2 RETURNING ",
            user_columns!()
        ))
        .bind(now())
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let user: User = row.ok_or(PlatformError::NotFound("user"))?.into();
        let rows: Vec<AtprotoSession> = sqlx::query_as(concat!(
            "DELETE FROM atproto_sessions WHERE user_id = $1 RETURNING ",
            session_columns!()
        ))
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oauth_grants WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RevokedSessions {
            user,
            atproto: rows,
        })
    }

    /// Deletes the ATProto sessions stored before `created_before` (seconds since the epoch):
    /// their platform sessions have expired, so logout can no longer name them. Returns how many
    /// were deleted.
    pub async fn purge_atproto_sessions(&self, created_before: i64) -> Result<u64, PlatformError> {
        let done = sqlx::query("DELETE FROM atproto_sessions WHERE created_at < $1")
            .bind(created_before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
