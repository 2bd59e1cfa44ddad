//! ATProto login state: logins in flight (one-time, expiring), signed-in sessions (kept so logout
//! can revoke their tokens), and users identified by their DID.

use robot_auth::hash_token;

use super::rows::{UserRow, user_columns};
use super::{Db, is_unique_violation, now};
use crate::PlatformError;
use crate::model::User;

/// Longest ATProto handle (a DNS name).
const MAX_ATPROTO_HANDLE_LEN: usize = 253;

/// A login between the redirect to the authorization server and the callback. The `state` is
/// the secret the callback must bring back; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtprotoLogin {
    /// The `state` sent to the authorization server.
    pub state: String,
    /// The authorization server's issuer.
    pub issuer: String,
    /// The DID resolved when the login started.
    pub did: String,
    /// The handle the login started from, if any.
    pub handle: Option<String>,
    /// The account's PDS.
    pub pds_url: String,
    /// Code exchange endpoint.
    pub token_endpoint: String,
    /// Revocation endpoint.
    pub revocation_endpoint: Option<String>,
    /// PKCE verifier.
    pub pkce_verifier: String,
    /// The DPoP private key (encoded by the ATProto client).
    pub dpop_key: String,
    /// The authorization server's last DPoP nonce.
    pub dpop_nonce: Option<String>,
    /// Where to go after signing in (validated by the server before storing and after reading).
    pub return_to: Option<String>,
}

/// A signed-in ATProto session and its tokens (read straight from an `atproto_sessions` row).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AtprotoSession {
    /// The user signed in.
    pub user_id: i64,
    /// The `jti` of the platform session token issued with it.
    pub session_jti: String,
    /// The account's DID.
    pub did: String,
    /// The authorization server that issued the tokens.
    pub issuer: String,
    /// The account's PDS.
    pub pds_url: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// Revocation endpoint.
    pub revocation_endpoint: Option<String>,
    /// DPoP-bound access token.
    pub access_token: String,
    /// Refresh token.
    pub refresh_token: Option<String>,
    /// Granted scopes.
    pub scope: String,
    /// Access token expiry (seconds since the epoch).
    pub expires_at: Option<i64>,
    /// The DPoP private key the tokens are bound to.
    pub dpop_key: String,
    /// The authorization server's last DPoP nonce.
    pub dpop_nonce: Option<String>,
}

/// The columns an [`AtprotoSession`] is read from.
macro_rules! session_columns {
    () => {
        "user_id, session_jti, did, issuer, pds_url, token_endpoint, revocation_endpoint, \
         access_token, refresh_token, scope, expires_at, dpop_key, dpop_nonce"
    };
}

pub(super) use session_columns;

/// An ATProto handle as the users table stores it: lowercase letters, digits, dots, hyphens.
fn atproto_handle(handle: &str) -> Result<String, PlatformError> {
    let handle = handle.trim().to_ascii_lowercase();
    let ok = (1..=MAX_ATPROTO_HANDLE_LEN).contains(&handle.len())
        && handle
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if ok {
        Ok(handle)
    } else {
        Err(PlatformError::InvalidHandle(handle))
    }
}

/// The handle given to an ATProto user whose handle moved to another account: derived from the
/// DID, in the reserved `.invalid` domain, so it can never collide with a real handle.
fn displaced_handle(did: &str) -> String {
    let name: String = did
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{name}.invalid")
}

impl Db {
    /// Stores a login in flight for `ttl_secs` seconds, and forgets expired ones.
    pub async fn create_atproto_login(
        &self,
        login: &AtprotoLogin,
        ttl_secs: i64,
    ) -> Result<(), PlatformError> {
        let now = now();
        sqlx::query("DELETE FROM atproto_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO atproto_logins (state_hash, issuer, did, handle, pds_url, \
             token_endpoint, revocation_endpoint, pkce_verifier, dpop_key, dpop_nonce, \
             return_to, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(hash_token(&login.state))
        .bind(&login.issuer)
        .bind(&login.did)
        .bind(&login.handle)
        .bind(&login.pds_url)
        .bind(&login.token_endpoint)
        .bind(&login.revocation_endpoint)
        .bind(&login.pkce_verifier)
        .bind(&login.dpop_key)
        .bind(&login.dpop_nonce)
        .bind(&login.return_to)
        .bind(now)
        .bind(now.saturating_add(ttl_secs))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the login for `state`: it is deleted whatever happens next, so a `state` works at
    /// most once. `None` when unknown, already taken, or expired.
    pub async fn take_atproto_login(
        &self,
        state: &str,
    ) -> Result<Option<AtprotoLogin>, PlatformError> {
        let row: Option<LoginRowWithExpiry> = sqlx::query_as(
            "DELETE FROM atproto_logins WHERE state_hash = $1 RETURNING expires_at, issuer, did, \
             handle, pds_url, token_endpoint, revocation_endpoint, pkce_verifier, dpop_key, \
             dpop_nonce, return_to, created_at",
        )
        .bind(hash_token(state))
        .fetch_optional(&self.pool)
        .await?;
        let Some((
            expires_at,
            issuer,
            did,
            handle,
            pds_url,
            token_endpoint,
            revocation_endpoint,
            pkce_verifier,
            dpop_key,
            dpop_nonce,
            return_to,
            _created_at,
        )) = row
        else {
            return Ok(None);
        };
        if expires_at <= now() {
            return Ok(None);
        }
        Ok(Some(AtprotoLogin {
            state: state.to_string(),
            issuer,
            did,
            handle,
            pds_url,
            token_endpoint,
            revocation_endpoint,
            pkce_verifier,
            dpop_key,
            dpop_nonce,
            return_to,
        }))
    }

    /// The user with this DID, created with `handle` when new. The handle is kept fresh: if it
    /// changed, it is updated; if another ATProto account held it (handles move), that
    /// account's handle becomes a placeholder derived from its DID. A handle held by a local
    /// account is never taken over: [`PlatformError::HandleTaken`].
    ///
    /// `display_name` (from the account's profile, on every sign-in) replaces the stored one;
    /// `None` (the profile could not be read) keeps it, and a new user then starts with the
    /// handle.
    pub async fn upsert_atproto_user(
        &self,
        did: &str,
        handle: &str,
        display_name: Option<&str>,
    ) -> Result<User, PlatformError> {
        let handle = atproto_handle(handle)?;
        let mut tx = self.pool.begin().await?;
        let holder: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, did FROM users WHERE handle = $1")
                .bind(&handle)
                .fetch_optional(&mut *tx)
                .await?;
        match holder {
            Some((_, Some(holder_did))) if holder_did == did => {}
            Some((_, None)) => return Err(PlatformError::HandleTaken(handle)),
            Some((holder_id, Some(holder_did))) => {
                sqlx::query("UPDATE users SET handle = $1 WHERE id = $2")
                    .bind(displaced_handle(&holder_did))
                    .bind(holder_id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {}
        }
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE did = $1")
            .bind(did)
            .fetch_optional(&mut *tx)
            .await?;
        let row: UserRow = match existing {
            Some(id) => {
                sqlx::query_as(concat!(
                    "UPDATE users SET handle = $1, display_name = COALESCE($2, display_name) \
                     WHERE id = $3 RETURNING ",
                    user_columns!()
                ))
                .bind(&handle)
                .bind(display_name)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
            }
            None => sqlx::query_as(concat!(
                "INSERT INTO users (handle, display_name, did, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING ",
                user_columns!()
            ))
            .bind(&handle)
            .bind(display_name.unwrap_or(&handle))
            .bind(did)
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    PlatformError::HandleTaken(handle.clone())
                } else {
                    e.into()
                }
            })?,
        };
        tx.commit().await?;
        Ok(row.into())
    }

    /// Stores a signed-in ATProto session.
    pub async fn create_atproto_session(
        &self,
        session: &AtprotoSession,
    ) -> Result<(), PlatformError> {
        sqlx::query(
            "INSERT INTO atproto_sessions (user_id, session_jti, did, issuer, pds_url, \
             token_endpoint, revocation_endpoint, access_token, refresh_token, scope, expires_at, \
             dpop_key, dpop_nonce, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(session.user_id)
        .bind(&session.session_jti)
        .bind(&session.did)
        .bind(&session.issuer)
        .bind(&session.pds_url)
        .bind(&session.token_endpoint)
        .bind(&session.revocation_endpoint)
        .bind(&session.access_token)
        .bind(&session.refresh_token)
        .bind(&session.scope)
        .bind(session.expires_at)
        .bind(&session.dpop_key)
        .bind(&session.dpop_nonce)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns the ATProto session issued with the platform session `jti` of
    /// `user_id`, if any (to revoke its tokens on logout).
    pub async fn take_atproto_session(
        &self,
        user_id: i64,
        session_jti: &str,
    ) -> Result<Option<AtprotoSession>, PlatformError> {
        let row: Option<AtprotoSession> = sqlx::query_as(concat!(
            "DELETE FROM atproto_sessions WHERE user_id = $1 AND session_jti = $2 RETURNING ",
            session_columns!()
        ))
        .bind(user_id)
        .bind(session_jti)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// How many ATProto sessions `user_id` has stored.
    pub async fn count_atproto_sessions(&self, user_id: i64) -> Result<i64, PlatformError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM atproto_sessions WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// `take_atproto_login`'s row: expiry first, then the login columns.
type LoginRowWithExpiry = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn login(state: &str) -> AtprotoLogin {
        AtprotoLogin {
            state: state.into(),
            issuer: "http://localhost:2583".into(),
            did: "did:plc:ewvi7nxzyoun6zhxrhs64oiz".into(),
            handle: Some("alice.test".into()),
            pds_url: "http://localhost:2583".into(),
            token_endpoint: "http://localhost:2583/oauth/token".into(),
            revocation_endpoint: Some("http://localhost:2583/oauth/revoke".into()),
            pkce_verifier: "verifier".into(),
            dpop_key: "key".into(),
            dpop_nonce: Some("nonce".into()),
            return_to: Some("/".into()),
        }
    }

    #[tokio::test]
    async fn a_login_state_works_once() {
        let db = Db::open_in_memory().await.expect("db");
        db.create_atproto_login(&login("s1"), 600)
            .await
            .expect("create");
        let taken = db.take_atproto_login("s1").await.expect("take");
        assert_eq!(taken, Some(login("s1")));
        assert_eq!(db.take_atproto_login("s1").await.expect("again"), None);
        assert_eq!(db.take_atproto_login("never").await.expect("unknown"), None);
    }

    #[tokio::test]
    async fn an_expired_login_state_is_refused_and_purged() {
        let db = Db::open_in_memory().await.expect("db");
        db.create_atproto_login(&login("old"), -1)
            .await
            .expect("create");
        assert_eq!(db.take_atproto_login("old").await.expect("take"), None);
        db.create_atproto_login(&login("stale"), -1)
            .await
            .expect("create");
        // Creating another login purges expired rows.
        db.create_atproto_login(&login("new"), 600)
            .await
            .expect("create");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM atproto_logins")
            .fetch_one(&db.pool)
            .await
            .expect("count");
        assert_eq!(left, 1);
    }

    #[tokio::test]
    async fn users_are_keyed_by_did_and_handles_stay_fresh() {
        let db = Db::open_in_memory().await.expect("db");
        let did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
        let alice = db
            .upsert_atproto_user(did, "Alice.Test", None)
            .await
            .expect("create");
        assert_eq!(alice.handle, "alice.test");
        assert_eq!(alice.display_name, "alice.test", "no profile: the handle");
        assert_eq!(alice.did.as_deref(), Some(did));
        let again = db
            .upsert_atproto_user(did, "alice2.test", Some("Alice A."))
            .await
            .expect("update");
        assert_eq!(again.id, alice.id);
        assert_eq!(again.handle, "alice2.test");
        assert_eq!(
            again.display_name, "Alice A.",
            "the profile's name, on every sign-in"
        );
        let unread = db
            .upsert_atproto_user(did, "alice2.test", None)
            .await
            .expect("update");
        assert_eq!(
            unread.display_name, "Alice A.",
            "an unread profile keeps the name"
        );
        // The handle moves to another account: the old holder gets a placeholder.
        let other = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";
        let bob = db
            .upsert_atproto_user(other, "alice2.test", Some("Bob"))
            .await
            .expect("moved");
        assert_eq!(bob.handle, "alice2.test");
        let old = db.user_by_id(alice.id).await.expect("get").expect("exists");
        assert_eq!(old.handle, "did-plc-ewvi7nxzyoun6zhxrhs64oiz.invalid");
    }

    #[tokio::test]
    async fn a_local_accounts_handle_is_never_taken_over() {
        let db = Db::open_in_memory().await.expect("db");
        let local = db
            .create_user("carol.example.com", "Carol")
            .await
            .expect("local");
        let result = db
            .upsert_atproto_user(
                "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
                "carol.example.com",
                None,
            )
            .await;
        assert!(matches!(result, Err(PlatformError::HandleTaken(_))));
        let still = db.user_by_id(local.id).await.expect("get").expect("exists");
        assert_eq!(still.did, None);
        assert!(matches!(
            db.upsert_atproto_user("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "bad handle", None)
                .await,
            Err(PlatformError::InvalidHandle(_))
        ));
    }

    #[tokio::test]
    async fn sessions_are_taken_by_their_platform_session() {
        let db = Db::open_in_memory().await.expect("db");
        let user = db
            .upsert_atproto_user(
                "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
                "alice.test",
                Some("Alice"),
            )
            .await
            .expect("user");
        let session = AtprotoSession {
            user_id: user.id,
            session_jti: "jti-1".into(),
            did: "did:plc:ewvi7nxzyoun6zhxrhs64oiz".into(),
            issuer: "http://localhost:2583".into(),
            pds_url: "http://localhost:2583".into(),
            token_endpoint: "http://localhost:2583/oauth/token".into(),
            revocation_endpoint: None,
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            scope: "atproto".into(),
            expires_at: Some(1),
            dpop_key: "k".into(),
            dpop_nonce: None,
        };
        db.create_atproto_session(&session).await.expect("store");
        assert_eq!(db.count_atproto_sessions(user.id).await.expect("count"), 1);
        assert_eq!(
            db.take_atproto_session(user.id + 1, "jti-1")
                .await
                .expect("other user"),
            None
        );
        assert_eq!(
            db.take_atproto_session(user.id, "jti-1")
                .await
                .expect("take"),
            Some(session)
        );
        assert_eq!(db.count_atproto_sessions(user.id).await.expect("count"), 0);
    }
}
