//! OAuth 2.1 state of the per-wiki authorization servers: registered clients, grants (one
//! user's approval of one client at one wiki), single-use authorization codes, and access and
//! refresh tokens.
//!
//! Only SHA-256 hashes of secrets are stored. Every state change that must happen at most once
//! (redeeming a code, rotating a refresh token) is one conditional `UPDATE … RETURNING` inside a
//! transaction, so two concurrent redemptions cannot both succeed. Redeemed codes and rotated
//! refresh tokens keep their rows until they expire, because their reuse is the signal of a
//! stolen secret: it revokes the whole grant (RFC 9700 §4.14 and §2.2.2).

use robot_auth::{hash_token, random_token};
use serde::Serialize;

use super::{Db, is_foreign_key_violation, now};
use crate::PlatformError;

/// Prefix of OAuth access tokens, so the resolver (and secret scanners) tell them from API tokens.
pub const OAUTH_ACCESS_PREFIX: &str = "rwo_";
/// Prefix of OAuth refresh tokens.
pub const OAUTH_REFRESH_PREFIX: &str = "rwr_";
/// Prefix of OAuth client secrets.
const CLIENT_SECRET_PREFIX: &str = "rws_";
/// Prefix of authorization codes.
const CODE_PREFIX: &str = "rwc_";
/// An authorization code is redeemable for this long (RFC 6749 recommends at most 10 minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;
/// Access tokens of a new wiki live 30 days (its owner may choose any of
/// [`ACCESS_LIFETIME_CHOICES`]). Hosted clients that never refresh would otherwise send their
/// user through consent every hour, and a long life costs no safety: every request looks the
/// token up, so a revoked one stops working at once.
pub const DEFAULT_ACCESS_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// The access-token lifetimes an owner may choose, shortest first (1 hour to 90 days).
pub const ACCESS_LIFETIME_CHOICES: [i64; 5] = [
    3600,
    24 * 3600,
    7 * 24 * 3600,
    30 * 24 * 3600,
    90 * 24 * 3600,
];
/// Refresh tokens live 90 days (never less than the longest access token); each use rotates
/// them.
pub const REFRESH_LIFETIME_SECS: i64 = 90 * 24 * 3600;
/// `last_used_at` of a grant is refreshed at most this often, so reads do not turn into writes.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClientAuthMethod {
    /// A public client (PKCE is its only proof).
    None,
    /// `client_secret` in the form body.
    SecretPost,
    /// HTTP Basic with `client_id:client_secret`.
    SecretBasic,
}

impl ClientAuthMethod {
    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::None => "none",
            ClientAuthMethod::SecretPost => "client_secret_post",
            ClientAuthMethod::SecretBasic => "client_secret_basic",
        }
    }

    /// Parses an RFC 7591 name; `None` for methods this server does not offer.
    pub fn parse(name: &str) -> Option<ClientAuthMethod> {
        match name {
            "none" => Some(ClientAuthMethod::None),
            "client_secret_post" => Some(ClientAuthMethod::SecretPost),
            "client_secret_basic" => Some(ClientAuthMethod::SecretBasic),
            _ => None,
        }
    }
}

/// A client registered at one wiki.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// Database id.
    pub id: i64,
    /// The wiki it was registered at; it is unknown everywhere else.
    pub wiki_id: i64,
    /// The public `client_id`.
    pub client_id: String,
    /// Name shown on the consent page and in the dashboard.
    pub client_name: String,
    /// Exact redirect URIs it may use.
    pub redirect_uris: Vec<String>,
    /// How it authenticates at the token endpoint.
    pub auth_method: ClientAuthMethod,
    /// SHA-256 of its secret, for confidential clients.
    pub secret_hash: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Its `client_id` is the URL of a Client ID Metadata Document (fetched, not registered).
    pub metadata_url: bool,
    /// The document's `logo_uri`, if any.
    pub logo_uri: Option<String>,
    /// The document's `client_uri` (the app's home page), if any.
    pub client_uri: Option<String>,
    /// When a fetched document must be fetched again (seconds since the Unix epoch).
    pub expires_at: Option<i64>,
}

impl OAuthClient {
    /// Whether `secret` is this client's secret (constant time). Always false for public clients.
    pub fn secret_matches(&self, secret: &str) -> bool {
        self.secret_hash.as_deref().is_some_and(|stored| {
            robot_auth::constant_time_eq(hash_token(secret).as_bytes(), stored.as_bytes())
        })
    }
}

/// What a registration stores (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewOAuthClient {
    /// The wiki registered at.
    pub wiki_id: i64,
    /// Display name (already capped).
    pub client_name: String,
    /// Exact redirect URIs (already checked).
    pub redirect_uris: Vec<String>,
    /// Token endpoint authentication.
    pub auth_method: ClientAuthMethod,
}

/// What a Client ID Metadata Document says, validated by the caller, to keep as a client.
#[derive(Debug, Clone)]
pub struct MetadataClient {
    /// The wiki that met the client.
    pub wiki_id: i64,
    /// The document's URL, which is the `client_id`.
    pub client_id: String,
    /// Display name (already capped).
    pub client_name: String,
    /// Exact redirect URIs (already checked).
    pub redirect_uris: Vec<String>,
    /// `logo_uri`, if any.
    pub logo_uri: Option<String>,
    /// `client_uri`, if any.
    pub client_uri: Option<String>,
    /// When the document must be fetched again.
    pub expires_at: i64,
}

/// An approved authorization request, to be turned into a code.
#[derive(Debug, Clone)]
pub struct NewAuthorizationCode {
    /// The wiki the grant will be bound to.
    pub wiki_id: i64,
    /// The user who approved.
    pub user_id: i64,
    /// The client's database id.
    pub client: i64,
    /// The redirect URI the code is bound to.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The RFC 8707 resource approved (`None`: the whole wiki).
    pub resource: Option<String>,
}

/// A code being redeemed, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// The wiki of the grant.
    pub wiki_id: i64,
    /// The approving user.
    pub user_id: i64,
    /// The client's database id.
    pub client: i64,
    /// The redirect URI it was issued to.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The RFC 8707 resource approved (`None`: the whole wiki).
    pub resource: Option<String>,
}

/// A fresh access/refresh pair. The secrets exist nowhere else.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The grant they belong to.
    pub grant_id: i64,
    /// `rwo_…`, valid `access_lifetime_secs`.
    pub access_token: String,
    /// How long the access token lives (the wiki's setting when it was issued).
    pub access_lifetime_secs: i64,
    /// The RFC 8707 resource the grant is bound to (`None`: the whole wiki).
    pub resource: Option<String>,
    /// `rwr_…`, valid [`REFRESH_LIFETIME_SECS`], single use.
    pub refresh_token: String,
}

/// What redeeming a code came to.
#[derive(Debug)]
pub enum CodeRedemption {
    /// Tokens for a new grant.
    Issued(IssuedTokens),
    /// No such code.
    Unknown,
    /// Redeemed before: the grant it produced (if any) has been revoked.
    Reused,
    /// Past its lifetime (now spent).
    Expired,
    /// The caller's check (client, redirect URI, PKCE) refused it; the code is spent.
    Refused,
}

/// What presenting a refresh token came to.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// A new pair; the presented refresh token no longer works.
    Issued(IssuedTokens),
    /// Unknown, expired, or another client's.
    Invalid,
    /// Already rotated: the grant has been revoked.
    Reused,
}

/// The grant behind a valid access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAccess {
    /// The grant.
    pub grant_id: i64,
    /// The app's registered name (commits made through it say so).
    pub client_name: String,
    /// The only wiki the token works on.
    pub wiki_id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// The RFC 8707 resource it is bound to (`None`: the whole wiki).
    pub resource: Option<String>,
}

/// A grant as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthGrant {
    /// Database id.
    pub id: i64,
    /// The app's registered name.
    pub client_name: String,
    /// Handle of the user who approved it.
    pub user_handle: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Last request made with it, to the minute.
    pub last_used_at: Option<i64>,
}

/// The columns of [`ClientRow`], in order (a macro, for `concat!`: queries are static strings).
macro_rules! client_columns {
    () => {
        "id, wiki_id, client_id, client_name, redirect_uris, auth_method, secret_hash, \
         created_at, metadata_url, logo_uri, client_uri, expires_at"
    };
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: i64,
    wiki_id: i64,
    client_id: String,
    client_name: String,
    redirect_uris: String,
    auth_method: String,
    secret_hash: Option<String>,
    created_at: i64,
    metadata_url: bool,
    logo_uri: Option<String>,
    client_uri: Option<String>,
    expires_at: Option<i64>,
}

fn client_from_row(row: ClientRow) -> Result<OAuthClient, PlatformError> {
    let method = row.auth_method;
    let auth_method = ClientAuthMethod::parse(&method).ok_or_else(|| {
        PlatformError::Db(sqlx::Error::Decode(
            format!("unknown auth method {method:?}").into(),
        ))
    })?;
    Ok(OAuthClient {
        id: row.id,
        wiki_id: row.wiki_id,
        client_id: row.client_id,
        client_name: row.client_name,
        redirect_uris: row.redirect_uris.lines().map(str::to_string).collect(),
        auth_method,
        secret_hash: row.secret_hash,
        created_at: row.created_at,
        metadata_url: row.metadata_url,
        logo_uri: row.logo_uri,
        client_uri: row.client_uri,
        expires_at: row.expires_at,
    })
}

/// Inserts a fresh access/refresh pair for `grant_id`.
async fn insert_pair(
    conn: &mut sqlx::SqliteConnection,
    grant_id: i64,
    now: i64,
) -> Result<IssuedTokens, PlatformError> {
    // The wiki's lifetime as it is now: an owner's change applies to the next token issued.
    let (access_lifetime_secs, resource): (i64, Option<String>) = sqlx::query_as(
        "SELECT w.oauth_access_lifetime_secs, g.resource FROM oauth_grants g \
         JOIN wikis w ON w.id = g.wiki_id WHERE g.id = $1",
    )
    .bind(grant_id)
    .fetch_one(&mut *conn)
    .await?;
    // Each issue sweeps the grant's expired tokens, so rotated refresh tokens (kept to detect
    // their reuse) live no longer than they could have been used: rows per grant stay bounded.
    sqlx::query("DELETE FROM oauth_tokens WHERE grant_id = $1 AND expires_at <= $2")
        .bind(grant_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let access_token = format!("{OAUTH_ACCESS_PREFIX}{}", random_token());
    let refresh_token = format!("{OAUTH_REFRESH_PREFIX}{}", random_token());
    for (secret, kind, lifetime) in [
        (&access_token, "access", access_lifetime_secs),
        (&refresh_token, "refresh", REFRESH_LIFETIME_SECS),
    ] {
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_token(secret))
        .bind(grant_id)
        .bind(kind)
        .bind(now + lifetime)
        .execute(&mut *conn)
        .await?;
    }
    Ok(IssuedTokens {
        grant_id,
        access_token,
        access_lifetime_secs,
        resource,
        refresh_token,
    })
}

impl Db {
    /// Registers a client at a wiki. Returns it and, for confidential clients, its secret
    /// (shown once; only the hash is kept).
    pub async fn register_oauth_client(
        &self,
        new: NewOAuthClient,
    ) -> Result<(OAuthClient, Option<String>), PlatformError> {
        let secret = (new.auth_method != ClientAuthMethod::None)
            .then(|| format!("{CLIENT_SECRET_PREFIX}{}", random_token()));
        let row: ClientRow = sqlx::query_as(concat!(
            "INSERT INTO oauth_clients \
             (wiki_id, client_id, client_name, redirect_uris, auth_method, secret_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            client_columns!()
        ))
        .bind(new.wiki_id)
        .bind(random_token())
        .bind(&new.client_name)
        .bind(new.redirect_uris.join("\n"))
        .bind(new.auth_method.as_str())
        .bind(secret.as_deref().map(hash_token))
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                PlatformError::NotFound("wiki")
            } else {
                e.into()
            }
        })?;
        Ok((client_from_row(row)?, secret))
    }

    /// The client `client_id` if it was registered at `wiki_id`; `None` otherwise, including
    /// for a client of another wiki.
    pub async fn oauth_client(
        &self,
        wiki_id: i64,
        client_id: &str,
    ) -> Result<Option<OAuthClient>, PlatformError> {
        let row: Option<ClientRow> = sqlx::query_as(concat!(
            "SELECT ",
            client_columns!(),
            " FROM oauth_clients WHERE wiki_id = $1 AND client_id = $2"
        ))
        .bind(wiki_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(client_from_row).transpose()
    }

    /// Keeps (inserts, or refreshes in place) the client of a fetched metadata document at a
    /// wiki. Refreshing keeps the row, so the grants people gave it stay.
    pub async fn upsert_metadata_client(
        &self,
        client: MetadataClient,
    ) -> Result<OAuthClient, PlatformError> {
        let row: Option<ClientRow> = sqlx::query_as(concat!(
            "INSERT INTO oauth_clients \
             (wiki_id, client_id, client_name, redirect_uris, auth_method, secret_hash, created_at, \
              metadata_url, logo_uri, client_uri, expires_at) \
             VALUES ($1, $2, $3, $4, 'none', NULL, $5, 1, $6, $7, $8) \
             ON CONFLICT (wiki_id, client_id) DO UPDATE SET client_name = excluded.client_name, \
               redirect_uris = excluded.redirect_uris, logo_uri = excluded.logo_uri, \
               client_uri = excluded.client_uri, expires_at = excluded.expires_at \
             WHERE oauth_clients.metadata_url = 1 RETURNING ",
            client_columns!()
        ))
        .bind(client.wiki_id)
        .bind(&client.client_id)
        .bind(&client.client_name)
        .bind(client.redirect_uris.join("\n"))
        .bind(now())
        .bind(&client.logo_uri)
        .bind(&client.client_uri)
        .bind(client.expires_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                PlatformError::NotFound("wiki")
            } else {
                PlatformError::from(e)
            }
        })?;
        // Registered clients have random ids, never URLs, so the update is not skipped; if it
        // were, the registered row is left alone and the caller is told so.
        let row = row.ok_or_else(|| PlatformError::ClientIdTaken(client.client_id.clone()))?;
        client_from_row(row)
    }

    /// Stores an approved request as a code valid [`CODE_LIFETIME_SECS`] from `now` and
    /// returns the code. Codes that expired a day ago are purged on the way.
    pub async fn create_oauth_code(
        &self,
        new: NewAuthorizationCode,
        now: i64,
    ) -> Result<String, PlatformError> {
        sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
            .bind(now - 24 * 3600)
            .execute(&self.pool)
            .await?;
        let code = format!("{CODE_PREFIX}{}", random_token());
        sqlx::query(
            "INSERT INTO oauth_codes \
             (code_hash, wiki_id, user_id, client_id, redirect_uri, code_challenge, expires_at, \
              resource) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash_token(&code))
        .bind(new.wiki_id)
        .bind(new.user_id)
        .bind(new.client)
        .bind(&new.redirect_uri)
        .bind(&new.code_challenge)
        .bind(now + CODE_LIFETIME_SECS)
        .bind(&new.resource)
        .execute(&self.pool)
        .await?;
        Ok(code)
    }

    /// Redeems `code` at `now`: marks it used (atomically, so it works once), lets `check`
    /// decide whether the request matches it (client, redirect URI, PKCE), and on success
    /// creates the grant and its first token pair — all in one transaction. A code presented a
    /// second time revokes the grant it produced.
    pub async fn redeem_oauth_code(
        &self,
        code: &str,
        now: i64,
        check: impl FnOnce(&AuthorizationCode) -> bool + Send,
    ) -> Result<CodeRedemption, PlatformError> {
        let hash = hash_token(code);
        let mut tx = self.pool.begin().await?;
        type Redeemed = (i64, i64, i64, String, String, i64, Option<String>);
        let row: Option<Redeemed> = sqlx::query_as(
            "UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
             RETURNING wiki_id, user_id, client_id, redirect_uri, code_challenge, expires_at, \
             resource",
        )
        .bind(now)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((wiki_id, user_id, client, redirect_uri, code_challenge, expires_at, resource)) =
            row
        else {
            let used: Option<(Option<i64>,)> =
                sqlx::query_as("SELECT grant_id FROM oauth_codes WHERE code_hash = $1")
                    .bind(&hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            let outcome = match used {
                None => CodeRedemption::Unknown,
                Some((grant,)) => {
                    if let Some(grant) = grant {
                        sqlx::query("DELETE FROM oauth_grants WHERE id = $1")
                            .bind(grant)
                            .execute(&mut *tx)
                            .await?;
                    }
                    CodeRedemption::Reused
                }
            };
            tx.commit().await?;
            return Ok(outcome);
        };
        if expires_at <= now {
            tx.commit().await?;
            return Ok(CodeRedemption::Expired);
        }
        let stored = AuthorizationCode {
            wiki_id,
            user_id,
            client,
            redirect_uri,
            code_challenge,
            resource,
        };
        if !check(&stored) {
            tx.commit().await?;
            return Ok(CodeRedemption::Refused);
        }
        let (grant_id,): (i64,) = sqlx::query_as(
            "INSERT INTO oauth_grants (wiki_id, user_id, client_id, created_at, resource) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(wiki_id)
        .bind(user_id)
        .bind(client)
        .bind(now)
        .bind(&stored.resource)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE oauth_codes SET grant_id = $1 WHERE code_hash = $2")
            .bind(grant_id)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        let tokens = insert_pair(&mut tx, grant_id, now).await?;
        tx.commit().await?;
        Ok(CodeRedemption::Issued(tokens))
    }

    /// Rotates the refresh token `refresh` of client `client` at `now`: the old one stops
    /// working, the grant's access tokens are replaced by one new pair. A refresh token that was
    /// already rotated revokes the whole grant.
    pub async fn refresh_oauth_tokens(
        &self,
        refresh: &str,
        client: i64,
        now: i64,
    ) -> Result<RefreshOutcome, PlatformError> {
        let hash = hash_token(refresh);
        let mut tx = self.pool.begin().await?;
        let rotated: Option<(i64,)> = sqlx::query_as(
            "UPDATE oauth_tokens SET rotated_at = $1 \
             WHERE token_hash = $2 AND kind = 'refresh' AND rotated_at IS NULL \
               AND expires_at > $1 \
               AND grant_id IN (SELECT id FROM oauth_grants WHERE client_id = $3) \
             RETURNING grant_id",
        )
        .bind(now)
        .bind(&hash)
        .bind(client)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((grant_id,)) = rotated else {
            let seen: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT t.grant_id, t.rotated_at FROM oauth_tokens t \
                 JOIN oauth_grants g ON g.id = t.grant_id \
                 WHERE t.token_hash = $1 AND t.kind = 'refresh' AND g.client_id = $2",
            )
            .bind(&hash)
            .bind(client)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match seen {
                Some((grant, Some(_))) => {
                    sqlx::query("DELETE FROM oauth_grants WHERE id = $1")
                        .bind(grant)
                        .execute(&mut *tx)
                        .await?;
                    RefreshOutcome::Reused
                }
                _ => RefreshOutcome::Invalid,
            };
            tx.commit().await?;
            return Ok(outcome);
        };
        sqlx::query("DELETE FROM oauth_tokens WHERE grant_id = $1 AND kind = 'access'")
            .bind(grant_id)
            .execute(&mut *tx)
            .await?;
        let tokens = insert_pair(&mut tx, grant_id, now).await?;
        tx.commit().await?;
        Ok(RefreshOutcome::Issued(tokens))
    }

    /// The resource of the grant behind refresh token `refresh` of client `client`:
    /// `Some(None)` for a grant of the whole wiki, `None` when no such token is known.
    pub async fn oauth_refresh_resource(
        &self,
        refresh: &str,
        client: i64,
    ) -> Result<Option<Option<String>>, PlatformError> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT g.resource FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id \
             WHERE t.token_hash = $1 AND t.kind = 'refresh' AND g.client_id = $2",
        )
        .bind(hash_token(refresh))
        .bind(client)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(resource,)| resource))
    }

    /// The grant behind a live access token, recording its use (to the minute). `None` for
    /// unknown, expired or revoked tokens.
    pub async fn authenticate_oauth_token(
        &self,
        secret: &str,
    ) -> Result<Option<OAuthAccess>, PlatformError> {
        let now = now();
        type Live = (i64, i64, i64, Option<i64>, String, Option<String>);
        let row: Option<Live> = sqlx::query_as(
            "SELECT g.id, g.wiki_id, g.user_id, g.last_used_at, c.client_name, g.resource \
             FROM oauth_tokens t \
             JOIN oauth_grants g ON g.id = t.grant_id \
             JOIN oauth_clients c ON c.id = g.client_id \
             WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2",
        )
        .bind(hash_token(secret))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((grant_id, wiki_id, user_id, last_used_at, client_name, resource)) = row else {
            return Ok(None);
        };
        if last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY_SECS) {
            sqlx::query("UPDATE oauth_grants SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(grant_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(OAuthAccess {
            grant_id,
            client_name,
            wiki_id,
            user_id,
            resource,
        }))
    }

    /// Revokes the grant of the access or refresh token `secret` if it belongs to client
    /// `client`. Returns whether a grant was revoked.
    pub async fn revoke_oauth_token(
        &self,
        secret: &str,
        client: i64,
    ) -> Result<bool, PlatformError> {
        let done = sqlx::query(
            "DELETE FROM oauth_grants WHERE client_id = $1 AND id = \
             (SELECT grant_id FROM oauth_tokens WHERE token_hash = $2)",
        )
        .bind(client)
        .bind(hash_token(secret))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The grants of a wiki, newest first.
    pub async fn list_oauth_grants(&self, wiki_id: i64) -> Result<Vec<OAuthGrant>, PlatformError> {
        let rows: Vec<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT g.id, c.client_name, u.handle, g.created_at, g.last_used_at \
             FROM oauth_grants g JOIN oauth_clients c ON c.id = g.client_id \
             JOIN users u ON u.id = g.user_id \
             WHERE g.wiki_id = $1 ORDER BY g.created_at DESC, g.id DESC",
        )
        .bind(wiki_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, client_name, user_handle, created_at, last_used_at)| OAuthGrant {
                    id,
                    client_name,
                    user_handle,
                    created_at,
                    last_used_at,
                },
            )
            .collect())
    }

    /// Whether `user_id` has a live grant for client `client` (its row id) at `wiki_id`: they
    /// approved that app here and have not disconnected it. Only then may the authorization
    /// endpoint send errors back to the app's redirect URI (RFC 9700 §4.11.2).
    pub async fn has_oauth_grant(
        &self,
        wiki_id: i64,
        user_id: i64,
        client: i64,
    ) -> Result<bool, PlatformError> {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM oauth_grants WHERE wiki_id = $1 AND user_id = $2 AND client_id = $3 \
             LIMIT 1",
        )
        .bind(wiki_id)
        .bind(user_id)
        .bind(client)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Revokes grant `grant_id` of wiki `wiki_id` with its tokens. Returns whether it existed.
    pub async fn revoke_oauth_grant(
        &self,
        wiki_id: i64,
        grant_id: i64,
    ) -> Result<bool, PlatformError> {
        let done = sqlx::query("DELETE FROM oauth_grants WHERE id = $1 AND wiki_id = $2")
            .bind(grant_id)
            .bind(wiki_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
