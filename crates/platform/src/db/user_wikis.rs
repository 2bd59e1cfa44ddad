//! One user's wikis: the ones they own and the ones they are a member of, and the settings
//! their owners change from the dashboard.

use super::Db;
use super::rows::{WikiRow, WikiWithRoleRow, parse_role, wiki_columns};
use crate::PlatformError;
use crate::model::{UserWiki, Wiki};
use crate::policy::Role;
use crate::slug::Slug;

impl Db {
    /// The wikis `user_id` owns or is a member of, with their role, by slug. Wikis that are
    /// merely readable (public ones) are not listed: this is "my wikis", not "what I can see".
    pub async fn wikis_of_user(&self, user_id: i64) -> Result<Vec<UserWiki>, PlatformError> {
        let rows: Vec<WikiWithRoleRow> = sqlx::query_as(concat!(
            "SELECT ",
            wiki_columns!(),
            ", wiki_members.role AS member_role FROM wikis \
             LEFT JOIN wiki_members \
               ON wiki_members.wiki_id = wikis.id AND wiki_members.user_id = $1 \
             WHERE wikis.owner_id = $1 OR wiki_members.user_id IS NOT NULL \
             ORDER BY wikis.slug"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        let mut wikis = Vec::with_capacity(rows.len());
        for row in rows {
            let wiki = Wiki::try_from(row.wiki)?;
            let role = if wiki.owner_id == user_id {
                Role::Owner
            } else {
                match row.member_role.as_deref().map(parse_role).transpose()? {
                    Some(role) => role,
                    None => continue,
                }
            };
            wikis.push(UserWiki { wiki, role });
        }
        Ok(wikis)
    }

    /// The wikis `user_id` owns, by slug.
    pub async fn wikis_owned_by(&self, user_id: i64) -> Result<Vec<Wiki>, PlatformError> {
        let rows: Vec<WikiRow> = sqlx::query_as(concat!(
            "SELECT ",
            wiki_columns!(),
            " FROM wikis WHERE owner_id = $1 ORDER BY slug"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(Wiki::try_from)
            .collect::<Result<_, _>>()?)
    }

    /// How many wikis `user_id` owns (the number the wikis-per-user limit counts).
    pub async fn count_wikis_owned_by(&self, user_id: i64) -> Result<i64, PlatformError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM wikis WHERE owner_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// Switches git smart HTTP access to the wiki on or off and returns the updated wiki.
    /// [`PlatformError::NotFound`] if there is no such wiki.
    pub async fn set_git_access(&self, slug: &Slug, enabled: bool) -> Result<Wiki, PlatformError> {
        let row: Option<WikiRow> = sqlx::query_as(concat!(
            "UPDATE wikis SET git_access = $1 WHERE slug = $2 RETURNING ",
            wiki_columns!()
        ))
        .bind(enabled)
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or(PlatformError::NotFound("wiki"))?;
        Ok(Wiki::try_from(row)?)
    }

    /// Sets how long apps' access tokens issued at the wiki live (one of
    /// [`crate::oauth::ACCESS_LIFETIME_CHOICES`]) and returns the updated wiki. Tokens already
    /// issued keep their expiry. [`PlatformError::NotFound`] if there is no such wiki.
    pub async fn set_oauth_access_lifetime(
        &self,
        slug: &Slug,
        secs: i64,
    ) -> Result<Wiki, PlatformError> {
        if !crate::oauth::ACCESS_LIFETIME_CHOICES.contains(&secs) {
            return Err(PlatformError::InvalidAccessLifetime(secs));
        }
        let row: Option<WikiRow> = sqlx::query_as(concat!(
            "UPDATE wikis SET oauth_access_lifetime_secs = $1 WHERE slug = $2 RETURNING ",
            wiki_columns!()
        ))
        .bind(secs)
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or(PlatformError::NotFound("wiki"))?;
        Ok(Wiki::try_from(row)?)
    }
}
