//! Counts for the operators' status page.

use super::Db;
use crate::PlatformError;
use crate::model::PlatformCounts;

impl Db {
    /// How many users, wikis, memberships, live tokens and pending access requests exist.
    pub async fn platform_counts(&self) -> Result<PlatformCounts, PlatformError> {
        let (users, wikis, members, live_tokens, pending_requests): (i64, i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM wikis), \
                 (SELECT COUNT(*) FROM wiki_members), \
                 (SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL), \
                 (SELECT COUNT(*) FROM access_requests)",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(PlatformCounts {
            users,
            wikis,
            members,
            live_tokens,
            pending_requests,
        })
    }
}
