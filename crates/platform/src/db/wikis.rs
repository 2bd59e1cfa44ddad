//! Wikis.

use super::rows::{WikiRow, WikiWithRoleRow, parse_role, wiki_columns};
use super::{Db, is_foreign_key_violation, is_unique_violation, now};
use crate::PlatformError;
use crate::model::{NewWiki, User, Wiki};
use crate::policy::{AccessLevel, AccessSettings, Principal, Role, permissions};
use crate::slug::Slug;

impl Db {
    /// Creates a wiki, private by default ([`AccessSettings::default`]). A taken slug is
    /// [`PlatformError::WikiExists`]; an unknown owner is [`PlatformError::NotFound`].
    pub async fn create_wiki(&self, new: NewWiki) -> Result<Wiki, PlatformError> {
        let access = AccessSettings::default();
        let row: WikiRow = sqlx::query_as(concat!(
            "INSERT INTO wikis (slug, display_name, description, owner_id, read_access, \
             write_access, attachment_access, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
            wiki_columns!()
        ))
        .bind(new.slug.as_str())
        .bind(&new.display_name)
        .bind(&new.description)
        .bind(new.owner_id)
        .bind(access.read.as_str())
        .bind(access.write.as_str())
        .bind(access.attachments.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                PlatformError::WikiExists(new.slug.to_string())
            } else if is_foreign_key_violation(&e) {
                PlatformError::NotFound("user")
            } else {
                e.into()
            }
        })?;
        Ok(Wiki::try_from(row)?)
    }

    /// The wiki named `slug`, if any.
    pub async fn wiki_by_slug(&self, slug: &Slug) -> Result<Option<Wiki>, PlatformError> {
        let cached = self.cached_version();
        if let Some((cache, at)) = cached
            && let Some(wiki) = cache.wiki(at, slug.as_str())
        {
            return Ok(wiki);
        }
        let row: Option<WikiRow> = sqlx::query_as(concat!(
            "SELECT ",
            wiki_columns!(),
            " FROM wikis WHERE slug = $1"
        ))
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let wiki = row.map(Wiki::try_from).transpose()?;
        if let Some((cache, at)) = cached {
            cache.put_wiki(at, slug.as_str(), &wiki);
        }
        Ok(wiki)
    }

    /// Every wiki, by slug.
    pub async fn list_wikis(&self) -> Result<Vec<Wiki>, PlatformError> {
        let rows: Vec<WikiRow> = sqlx::query_as(concat!(
            "SELECT ",
            wiki_columns!(),
            " FROM wikis ORDER BY slug"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(Wiki::try_from)
            .collect::<Result<_, _>>()?)
    }

    /// The wikis `user` (or an anonymous visitor, for `None`) may read, by slug: the ones they
    /// own or are a member of, and the ones whose read level admits them. The final word is
    /// [`permissions`], so this list never disagrees with what a request would be allowed.
    pub async fn wikis_visible_to(&self, user: Option<&User>) -> Result<Vec<Wiki>, PlatformError> {
        let (principal, rows): (Principal, Vec<WikiWithRoleRow>) = match user {
            None => {
                let rows = sqlx::query_as(concat!(
                    "SELECT ",
                    wiki_columns!(),
                    ", NULL AS member_role FROM wikis WHERE read_access = $1 ORDER BY slug"
                ))
                .bind(AccessLevel::Anonymous.as_str())
                .fetch_all(&self.pool)
                .await?;
                (Principal::Anonymous, rows)
            }
            Some(user) => {
                let rows = sqlx::query_as(concat!(
                    "SELECT ",
                    wiki_columns!(),
                    ", wiki_members.role AS member_role FROM wikis \
                     LEFT JOIN wiki_members \
                       ON wiki_members.wiki_id = wikis.id AND wiki_members.user_id = $1 \
                     WHERE wikis.owner_id = $1 OR wiki_members.user_id IS NOT NULL \
                       OR wikis.read_access IN ($2, $3) \
                     ORDER BY wikis.slug"
                ))
                .bind(user.id)
                .bind(AccessLevel::Anonymous.as_str())
                .bind(AccessLevel::Registered.as_str())
                .fetch_all(&self.pool)
                .await?;
                (user.principal(), rows)
            }
        };
        let mut visible = Vec::with_capacity(rows.len());
        for row in rows {
            let wiki = Wiki::try_from(row.wiki)?;
            let role = if principal.user_id() == Some(wiki.owner_id) {
                Some(Role::Owner)
            } else {
                row.member_role.as_deref().map(parse_role).transpose()?
            };
            if permissions(&principal, role, &wiki.access).read {
                visible.push(wiki);
            }
        }
        Ok(visible)
    }

    /// Deletes the wiki's row and, by cascade, its memberships. Returns whether it existed.
    /// The repository on disk is the caller's to remove.
    pub async fn delete_wiki(&self, slug: &Slug) -> Result<bool, PlatformError> {
        let done = sqlx::query("DELETE FROM wikis WHERE slug = $1")
            .bind(slug.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces a wiki's display name, description and access levels, and returns the updated
    /// wiki. [`PlatformError::NotFound`] if there is no such wiki.
    pub async fn update_wiki(
        &self,
        slug: &Slug,
        display_name: &str,
        description: &str,
        access: &AccessSettings,
    ) -> Result<Wiki, PlatformError> {
        let row: Option<WikiRow> = sqlx::query_as(concat!(
            "UPDATE wikis SET display_name = $1, description = $2, read_access = $3, \
             write_access = $4, attachment_access = $5 WHERE slug = $6 RETURNING ",
            wiki_columns!()
        ))
        .bind(display_name)
        .bind(description)
        .bind(access.read.as_str())
        .bind(access.write.as_str())
        .bind(access.attachments.as_str())
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or(PlatformError::NotFound("wiki"))?;
        Ok(Wiki::try_from(row)?)
    }
}
