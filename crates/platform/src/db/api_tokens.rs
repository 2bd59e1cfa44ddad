//! Per-wiki API tokens: mint (the secret is returned once), list, revoke, authenticate.

use robot_auth::{hash_token, random_token};

use super::{Db, is_foreign_key_violation, is_unique_violation, now};
use crate::PlatformError;
use crate::model::ApiToken;
use crate::policy::TokenRole;

/// Prefix of every token secret, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "rwt_";
/// `last_used_at` is refreshed at most this often, so reads do not turn into writes.
const LAST_USED_GRANULARITY_SECS: i64 = 60;
/// Longest token name.
const MAX_NAME_CHARS: usize = 64;

/// The selected columns, as a macro so queries stay static strings.
macro_rules! columns {
    () => {
        "id, wiki_id, created_by, \
         (SELECT handle FROM users WHERE users.id = api_tokens.created_by), \
         name, role, created_at, last_used_at, revoked_at"
    };
}

type TokenRow = (
    i64,
    i64,
    i64,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

fn token_from_row(row: TokenRow) -> Result<ApiToken, PlatformError> {
    let (
        id,
        wiki_id,
        created_by,
        created_by_handle,
        name,
        role,
        created_at,
        last_used_at,
        revoked_at,
    ) = row;
    let role = role
        .parse::<TokenRole>()
        .map_err(|e| PlatformError::Db(sqlx::Error::Decode(Box::new(e))))?;
    Ok(ApiToken {
        id,
        wiki_id,
        created_by,
        created_by_handle: created_by_handle.unwrap_or_default(),
        name,
        role,
        created_at,
        last_used_at,
        revoked_at,
    })
}

/// The trimmed name, if it is 1–64 characters without control characters.
fn checked_name(name: &str) -> Result<&str, PlatformError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(PlatformError::InvalidTokenName(name.to_string()));
    }
    Ok(name)
}

impl Db {
    /// Mints a token for `wiki_id` named `name`. Returns the record and the secret, which is
    /// shown once and exists nowhere else. [`PlatformError::TokenExists`] if a live token of
    /// that name exists; [`PlatformError::NotFound`] for an unknown wiki or user.
    pub async fn create_api_token(
        &self,
        wiki_id: i64,
        created_by: i64,
        name: &str,
        role: TokenRole,
    ) -> Result<(ApiToken, String), PlatformError> {
        let name = checked_name(name)?;
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let row: TokenRow = sqlx::query_as(concat!(
            "INSERT INTO api_tokens (wiki_id, created_by, name, role, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            columns!(),
            ""
        ))
        .bind(wiki_id)
        .bind(created_by)
        .bind(name)
        .bind(role.as_str())
        .bind(hash_token(&secret))
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                PlatformError::TokenExists(name.to_string())
            } else if is_foreign_key_violation(&e) {
                PlatformError::NotFound("wiki or user")
            } else {
                e.into()
            }
        })?;
        Ok((token_from_row(row)?, secret))
    }

    /// Regenerates the token `name` of `wiki_id`: revokes the live token of that name, if any,
    /// and mints a new one with `role`, in one transaction, so the old secret stops working the
    /// moment the new one exists. Returns the new record and its secret (shown once).
    pub async fn replace_api_token(
        &self,
        wiki_id: i64,
        created_by: i64,
        name: &str,
        role: TokenRole,
    ) -> Result<(ApiToken, String), PlatformError> {
        let name = checked_name(name)?;
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let mut tx = self.pool.begin().await?;
        let now = now();
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE wiki_id = $2 AND name = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(wiki_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        let row: TokenRow = sqlx::query_as(concat!(
            "INSERT INTO api_tokens (wiki_id, created_by, name, role, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            columns!(),
            ""
        ))
        .bind(wiki_id)
        .bind(created_by)
        .bind(name)
        .bind(role.as_str())
        .bind(hash_token(&secret))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                PlatformError::NotFound("wiki or user")
            } else {
                e.into()
            }
        })?;
        tx.commit().await?;
        Ok((token_from_row(row)?, secret))
    }

    /// The wiki's tokens, live and revoked, newest first.
    pub async fn list_api_tokens(&self, wiki_id: i64) -> Result<Vec<ApiToken>, PlatformError> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM api_tokens WHERE wiki_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(wiki_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(token_from_row).collect()
    }

    /// Revokes the live token `name` of `wiki_id`; `false` if there is none. Takes effect on
    /// the next request: authentication reads the database every time.
    pub async fn revoke_api_token(&self, wiki_id: i64, name: &str) -> Result<bool, PlatformError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE wiki_id = $2 AND name = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(wiki_id)
        .bind(name.trim())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The live token whose secret is `secret`, recording its use; `None` for unknown or
    /// revoked secrets. The caller must still check that the token belongs to the wiki asked for.
    pub async fn authenticate_api_token(
        &self,
        secret: &str,
    ) -> Result<Option<ApiToken>, PlatformError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_token(secret);
        let now = now();
        let recently_used = |token: &ApiToken| {
            token
                .last_used_at
                .is_some_and(|t| t > now - LAST_USED_GRANULARITY_SECS)
        };
        let cached = self.cached_version();
        if let Some((cache, at)) = cached
            && let Some(token) = cache.token(at, &hash)
            && recently_used(&token)
        {
            return Ok(Some(token));
        }
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut token = token_from_row(row)?;
        if recently_used(&token) {
            // Kept only once its last use is recorded: a cached token never skips that write.
            if let Some((cache, at)) = cached {
                cache.put_token(at, &hash, &token);
            }
        } else {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token.id)
                .execute(&self.pool)
                .await?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }
}
