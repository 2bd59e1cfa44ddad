//! One-time login links.

use robot_auth::{hash_token, random_token};

use super::{Db, is_foreign_key_violation, now};
use crate::PlatformError;
use crate::model::User;

/// What a one-time link may be used for.
#[derive(Clone, Copy)]
enum LinkPurpose {
    /// Signs in on the platform (`robot login-link`).
    Login,
    /// Carries an existing platform session to one wiki host.
    Handoff,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Login => "login",
            LinkPurpose::Handoff => "handoff",
        }
    }
}

impl Db {
    /// Creates a login link for `user_id`, valid for `ttl_secs` seconds and usable once, that
    /// will send the user on to `return_to` (the caller checks it is a safe URL). Returns the
    /// secret token, which exists nowhere else: only its hash is stored.
    /// [`PlatformError::NotFound`] if there is no such user.
    pub async fn create_login_link(
        &self,
        user_id: i64,
        ttl_secs: i64,
        return_to: Option<&str>,
    ) -> Result<String, PlatformError> {
        self.create_link(LinkPurpose::Login, user_id, ttl_secs, return_to, None)
            .await
    }

    /// Creates a handoff link: a one-time link that signs a user, already signed in on the
    /// platform, in on the wiki host of `return_to`. Handoff links only work on the handoff
    /// endpoint and login links only on the login endpoint, so a leaked handoff URL cannot be
    /// turned into a platform session.
    ///
    /// `browser_binding` is the SHA-256 of a nonce the wiki host set as a cookie in the browser
    /// that asked for the link; only that browser can redeem it ([`Db::consume_handoff_link`]),
    /// so a link minted by someone else signs no victim in as them (login CSRF).
    pub async fn create_handoff_link(
        &self,
        user_id: i64,
        ttl_secs: i64,
        return_to: &str,
        browser_binding: &str,
    ) -> Result<String, PlatformError> {
        self.create_link(
            LinkPurpose::Handoff,
            user_id,
            ttl_secs,
            Some(return_to),
            Some(browser_binding),
        )
        .await
    }

    async fn create_link(
        &self,
        purpose: LinkPurpose,
        user_id: i64,
        ttl_secs: i64,
        return_to: Option<&str>,
        browser_binding: Option<&str>,
    ) -> Result<String, PlatformError> {
        let token = random_token();
        sqlx::query(
            "INSERT INTO login_links \
               (token_hash, user_id, expires_at, return_to, purpose, browser_binding) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash_token(&token))
        .bind(user_id)
        .bind(now().saturating_add(ttl_secs))
        .bind(return_to)
        .bind(purpose.as_str())
        .bind(browser_binding)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                PlatformError::NotFound("user")
            } else {
                e.into()
            }
        })?;
        Ok(token)
    }

    /// Uses up the login link `token`: returns its user and `return_to`, or `None` when the
    /// token is unknown, expired or already used. Marking it used and checking it are one
    /// statement, so two concurrent requests cannot both succeed.
    pub async fn consume_login_link(
        &self,
        token: &str,
    ) -> Result<Option<(User, Option<String>)>, PlatformError> {
        Ok(self
            .consume_link(LinkPurpose::Login, token)
            .await?
            .map(|(user, return_to, _)| (user, return_to)))
    }

    /// Uses up the handoff link `token` (see [`Db::create_handoff_link`]) in the browser whose
    /// binding nonce hashes to `browser_binding`; `None` when it is unknown, expired, used, a
    /// login link, or minted for another browser. The link is used up either way: a link that
    /// reached the wrong browser is not kept for another try.
    pub async fn consume_handoff_link(
        &self,
        token: &str,
        browser_binding: &str,
    ) -> Result<Option<(User, Option<String>)>, PlatformError> {
        let Some((user, return_to, bound_to)) =
            self.consume_link(LinkPurpose::Handoff, token).await?
        else {
            return Ok(None);
        };
        let same_browser = bound_to.is_some_and(|bound| {
            robot_auth::constant_time_eq(bound.as_bytes(), browser_binding.as_bytes())
        });
        Ok(same_browser.then_some((user, return_to)))
    }

    async fn consume_link(
        &self,
        purpose: LinkPurpose,
        token: &str,
    ) -> Result<Option<(User, Option<String>, Option<String>)>, PlatformError> {
        let now = now();
        let link: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "UPDATE login_links SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id, return_to, browser_binding",
        )
        .bind(now)
        .bind(hash_token(token))
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, return_to, binding)) = link else {
            return Ok(None);
        };
        Ok(self
            .user_by_id(user_id)
            .await?
            .map(|user| (user, return_to, binding)))
    }

    /// Deletes login links that are used or expired; returns how many. Safe to run any time.
    pub async fn purge_login_links(&self) -> Result<u64, PlatformError> {
        let done =
            sqlx::query("DELETE FROM login_links WHERE used_at IS NOT NULL OR expires_at <= $1")
                .bind(now())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}
