//! What a session token says about its holder.

use serde::{Deserialize, Serialize};

use crate::random_token;

/// The claims of a platform session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The subject: `"user:{id}"` for a platform user.
    pub sub: String,
    /// The user's handle when the token was issued (the database row is authoritative).
    pub handle: String,
    /// The user's display name when the token was issued.
    pub name: String,
    /// Who issued the token (the platform's domain).
    pub iss: String,
    /// Who the token is for (the platform's domain, so every wiki subdomain accepts it).
    pub aud: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
    /// A unique id for this token, so a future revocation list can name it.
    pub jti: String,
}

impl SessionClaims {
    /// Claims for user `user_id`, issued now by `issuer` for the same audience, valid for
    /// `ttl_secs` seconds.
    pub fn new(user_id: i64, handle: &str, name: &str, issuer: &str, ttl_secs: i64) -> Self {
        let iat = now();
        SessionClaims {
            sub: format!("user:{user_id}"),
            handle: handle.to_owned(),
            name: name.to_owned(),
            iss: issuer.to_owned(),
            aud: issuer.to_owned(),
            iat,
            exp: iat.saturating_add(ttl_secs),
            jti: random_token(),
        }
    }

    /// The same claims issued at `iat` instead (seconds since the epoch), with the same
    /// lifetime: the server moves a session issued in the second of a "log out everywhere" just
    /// past it, since `iat` has only second precision.
    pub fn issued_at(mut self, iat: i64) -> Self {
        let ttl = self.exp.saturating_sub(self.iat);
        self.iat = iat;
        self.exp = iat.saturating_add(ttl);
        self
    }

    /// The user id in `sub`, or `None` when the subject is not a platform user.
    pub fn user_id(&self) -> Option<i64> {
        self.sub.strip_prefix("user:")?.parse().ok()
    }
}

/// Seconds since the Unix epoch; a clock before 1970 counts as 0.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_fills_every_claim() {
        let c = SessionClaims::new(42, "alice", "Alice", "robot.test", 3600);
        assert_eq!(c.sub, "user:42");
        assert_eq!(c.user_id(), Some(42));
        assert_eq!(
            (c.iss.as_str(), c.aud.as_str()),
            ("robot.test", "robot.test")
        );
        assert_eq!(c.exp - c.iat, 3600);
        assert_eq!(c.jti.len(), 43);
    }

    #[test]
    fn issued_at_keeps_the_lifetime() {
        let c = SessionClaims::new(1, "a", "A", "x", 3600).issued_at(2_000_000_000);
        assert_eq!((c.iat, c.exp), (2_000_000_000, 2_000_003_600));
    }

    #[test]
    fn user_id_needs_the_user_prefix() {
        let mut c = SessionClaims::new(1, "a", "A", "x", 1);
        c.sub = "did:plc:abc".into();
        assert_eq!(c.user_id(), None);
        c.sub = "user:abc".into();
        assert_eq!(c.user_id(), None);
    }
}
