//! Per-wiki quota overrides and recorded usage.

use super::{Db, now};
use crate::PlatformError;
use crate::model::{QuotaOverride, WikiUsage};
use crate::slug::Slug;

/// SQLite integers are signed; sizes beyond `i64::MAX` are stored as the maximum.
fn to_db(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_db(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Db {
    /// The wiki's quota override; all `None` when it has none.
    pub async fn quota_override(&self, wiki_id: i64) -> Result<QuotaOverride, PlatformError> {
        let cached = self.cached_version();
        if let Some((cache, at)) = cached
            && let Some(quota) = cache.quota(at, wiki_id)
        {
            return Ok(quota);
        }
        let row: Option<(Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT max_bytes, max_pages FROM wiki_quotas WHERE wiki_id = $1")
                .bind(wiki_id)
                .fetch_optional(&self.pool)
                .await?;
        let quota = row.map_or_else(QuotaOverride::default, |(bytes, pages)| QuotaOverride {
            max_bytes: bytes.map(from_db),
            max_pages: pages.map(from_db),
        });
        if let Some((cache, at)) = cached {
            cache.put_quota(at, wiki_id, quota);
        }
        Ok(quota)
    }

    /// Sets (or, with both fields `None`, removes) the wiki's quota override.
    /// [`PlatformError::NotFound`] when there is no such wiki.
    pub async fn set_quota_override(
        &self,
        slug: &Slug,
        quota: QuotaOverride,
    ) -> Result<(), PlatformError> {
        let wiki_id: Option<i64> = sqlx::query_scalar("SELECT id FROM wikis WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let wiki_id = wiki_id.ok_or(PlatformError::NotFound("wiki"))?;
        if quota == QuotaOverride::default() {
            sqlx::query("DELETE FROM wiki_quotas WHERE wiki_id = $1")
                .bind(wiki_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO wiki_quotas (wiki_id, max_bytes, max_pages, updated_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (wiki_id) DO UPDATE SET max_bytes = excluded.max_bytes, \
             max_pages = excluded.max_pages, updated_at = excluded.updated_at",
        )
        .bind(wiki_id)
        .bind(quota.max_bytes.map(to_db))
        .bind(quota.max_pages.map(to_db))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records what the wiki `slug` holds now. Unknown slugs are ignored (the wiki may have been
    /// deleted since the commit that triggered the recording).
    pub async fn record_usage(
        &self,
        slug: &str,
        bytes: u64,
        pages: u64,
    ) -> Result<(), PlatformError> {
        sqlx::query(
            "INSERT INTO wiki_usage (wiki_id, bytes, pages, updated_at) \
             SELECT id, $2, $3, $4 FROM wikis WHERE slug = $1 \
             ON CONFLICT (wiki_id) DO UPDATE SET bytes = excluded.bytes, \
             pages = excluded.pages, updated_at = excluded.updated_at",
        )
        .bind(slug)
        .bind(to_db(bytes))
        .bind(to_db(pages))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The usage last recorded for the wiki, if any.
    pub async fn usage(&self, wiki_id: i64) -> Result<Option<WikiUsage>, PlatformError> {
        let row: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT bytes, pages, updated_at FROM wiki_usage WHERE wiki_id = $1")
                .bind(wiki_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(bytes, pages, updated_at)| WikiUsage {
            bytes: from_db(bytes),
            pages: from_db(pages),
            updated_at,
        }))
    }
}
