//! Wiki memberships.

use super::rows::{MemberRow, parse_role, user_columns};
use super::{Db, is_foreign_key_violation, now};
use crate::PlatformError;
use crate::model::Member;
use crate::policy::Role;

/// Gives `user_id` the `role` on `wiki_id`, replacing any role they had: the one statement that
/// writes a membership, for plain invitations, approved requests and ownership transfers alike
/// (on the pool or inside their transaction).
pub(super) async fn upsert_member(
    conn: &mut sqlx::SqliteConnection,
    wiki_id: i64,
    user_id: i64,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO wiki_members (wiki_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (wiki_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(wiki_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

impl Db {
    /// Gives `user_id` the `role` on `wiki_id`, replacing any role they had. Ownership is not a
    /// membership: [`Role::Owner`] is [`PlatformError::InvalidRole`]. An unknown wiki or user is
    /// [`PlatformError::NotFound`].
    pub async fn set_member(
        &self,
        wiki_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<(), PlatformError> {
        if role == Role::Owner {
            return Err(PlatformError::InvalidRole);
        }
        let mut conn = self.pool.acquire().await?;
        upsert_member(&mut conn, wiki_id, user_id, role)
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

    /// Removes `user_id`'s membership of `wiki_id`. Returns whether there was one.
    pub async fn remove_member(&self, wiki_id: i64, user_id: i64) -> Result<bool, PlatformError> {
        let done = sqlx::query("DELETE FROM wiki_members WHERE wiki_id = $1 AND user_id = $2")
            .bind(wiki_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Makes member `new_owner` the owner of `wiki_id`, in one transaction: their membership
    /// row goes (the owner needs none) and the previous owner stays on as an admin, so nobody
    /// loses access by handing a wiki over. [`PlatformError::NotFound`] when `new_owner` is not
    /// a member of the wiki.
    pub async fn transfer_ownership(
        &self,
        wiki_id: i64,
        new_owner: i64,
    ) -> Result<(), PlatformError> {
        let mut tx = self.pool.begin().await?;
        let was_member =
            sqlx::query("DELETE FROM wiki_members WHERE wiki_id = $1 AND user_id = $2")
                .bind(wiki_id)
                .bind(new_owner)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
        if !was_member {
            return Err(PlatformError::NotFound("member"));
        }
        let previous: Option<(i64,)> = sqlx::query_as("SELECT owner_id FROM wikis WHERE id = $1")
            .bind(wiki_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((previous,)) = previous else {
            return Err(PlatformError::NotFound("wiki"));
        };
        sqlx::query("UPDATE wikis SET owner_id = $1 WHERE id = $2")
            .bind(new_owner)
            .bind(wiki_id)
            .execute(&mut *tx)
            .await?;
        upsert_member(&mut tx, wiki_id, previous, Role::Admin).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `user_id`'s role on `wiki_id`: [`Role::Owner`] for the owner, their membership role
    /// otherwise, `None` for a non-member or an unknown wiki.
    pub async fn membership(
        &self,
        wiki_id: i64,
        user_id: i64,
    ) -> Result<Option<Role>, PlatformError> {
        let cached = self.cached_version();
        if let Some((cache, at)) = cached
            && let Some(role) = cache.role(at, wiki_id, user_id)
        {
            return Ok(role);
        }
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT wikis.owner_id, wiki_members.role FROM wikis \
             LEFT JOIN wiki_members \
               ON wiki_members.wiki_id = wikis.id AND wiki_members.user_id = $1 \
             WHERE wikis.id = $2",
        )
        .bind(user_id)
        .bind(wiki_id)
        .fetch_optional(&self.pool)
        .await?;
        let role = match row {
            None => None,
            Some((owner_id, _)) if owner_id == user_id => Some(Role::Owner),
            Some((_, role)) => role.as_deref().map(parse_role).transpose()?,
        };
        if let Some((cache, at)) = cached {
            cache.put_role(at, wiki_id, user_id, role);
        }
        Ok(role)
    }

    /// The members of `wiki_id` (not its owner), by handle.
    pub async fn list_members(&self, wiki_id: i64) -> Result<Vec<Member>, PlatformError> {
        let rows: Vec<MemberRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", wiki_members.role AS role FROM wiki_members \
             JOIN users ON users.id = wiki_members.user_id \
             WHERE wiki_members.wiki_id = $1 ORDER BY users.handle"
        ))
        .bind(wiki_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(Member::try_from)
            .collect::<Result<_, _>>()?)
    }
}
