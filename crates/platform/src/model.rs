//! The platform's records: users, wikis and memberships.

use serde::Serialize;

use crate::PlatformError;
use crate::policy::{AccessSettings, Principal, Role, TokenRole};
use crate::slug::Slug;

/// Longest handle accepted.
const MAX_HANDLE_LEN: usize = 64;

/// A person with a platform account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Database id; `sub` of their session tokens is `user:{id}`.
    pub id: i64,
    /// Unique lowercase handle (see [`parse_handle`]).
    pub handle: String,
    /// Name shown to people.
    pub display_name: String,
    /// ATProto DID, once ATProto login exists.
    pub did: Option<String>,
    /// Manages the platform (no extra rights on any wiki).
    pub is_platform_admin: bool,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Session tokens issued at or before this second (since the Unix epoch) are refused: set by
    /// "log out everywhere" ([`crate::Db::revoke_sessions`]); 0 when never used. Not shown to
    /// anyone, hence not serialized.
    #[serde(skip)]
    pub sessions_valid_after: i64,
}

impl User {
    /// Whether a session token of this user issued at `iat` (seconds since the epoch) still
    /// signs them in. Refused when issued before the account existed (a token can only name
    /// the account it was issued to, even if an id were ever handed out again), and, the rule
    /// behind "log out everywhere", when issued at or before [`User::sessions_valid_after`]. A
    /// token issued in the same second as the revocation is refused too, since `iat` has only
    /// second precision; [`User::next_session_iat`] keeps the sessions issued after it working.
    pub fn accepts_session_issued_at(&self, iat: i64) -> bool {
        iat >= self.created_at && iat > self.sessions_valid_after
    }

    /// The `iat` for a session issued `now` (seconds since the epoch): `now`, or one second
    /// after the last revocation when that is later (a login in the same second as "log out
    /// everywhere", or after a revocation that ran ahead of the clock), so the new session passes
    /// [`User::accepts_session_issued_at`].
    pub fn next_session_iat(&self, now: i64) -> i64 {
        now.max(self.sessions_valid_after.saturating_add(1))
            .max(self.created_at)
    }

    /// The principal this user acts as.
    pub fn principal(&self) -> Principal {
        Principal::User {
            user_id: self.id,
            is_platform_admin: self.is_platform_admin,
        }
    }
}

/// A hosted wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wiki {
    /// Database id.
    pub id: i64,
    /// Its name: subdomain and repository name.
    pub slug: Slug,
    /// Title shown to people.
    pub display_name: String,
    /// What it is about; may be empty.
    pub description: String,
    /// The user who owns it.
    pub owner_id: i64,
    /// Who may read, write and upload.
    pub access: AccessSettings,
    /// Whether git clients may clone and push it over smart HTTP (off for new wikis).
    pub git_access: bool,
    /// How long access tokens issued to apps (OAuth) live here, in seconds.
    pub oauth_access_lifetime_secs: i64,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// What is needed to create a wiki; it starts private ([`AccessSettings::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWiki {
    /// Its name.
    pub slug: Slug,
    /// Title shown to people.
    pub display_name: String,
    /// What it is about; may be empty.
    pub description: String,
    /// The user who will own it.
    pub owner_id: i64,
}

/// A user's membership of a wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The member.
    pub user: User,
    /// Their role: [`Role::Admin`], [`Role::Editor`] or [`Role::Viewer`].
    pub role: Role,
}

/// Checks and normalizes a handle: surrounding whitespace is dropped and letters are lowercased;
/// the result must be 1–64 characters of `a-z`, `0-9`, `.` and `-`.
pub fn parse_handle(input: &str) -> Result<String, PlatformError> {
    let handle = input.trim().to_lowercase();
    let valid = (1..=MAX_HANDLE_LEN).contains(&handle.len())
        && handle
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if valid {
        Ok(handle)
    } else {
        Err(PlatformError::InvalidHandle(input.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_trimmed_and_lowercased() {
        assert_eq!(
            parse_handle(" Alice.Example ").ok(),
            Some("alice.example".into())
        );
        assert_eq!(parse_handle("a").ok(), Some("a".into()));
        assert_eq!(parse_handle("bob-2").ok(), Some("bob-2".into()));
        assert!(parse_handle(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn bad_handles_are_refused() {
        for bad in [
            "",
            "  ",
            "al ice",
            "al_ice",
            "alice@host",
            "ålice",
            &"x".repeat(65),
        ] {
            assert!(
                matches!(parse_handle(bad), Err(PlatformError::InvalidHandle(_))),
                "{bad:?}"
            );
        }
    }
}

/// A per-wiki API token, as listed to its owner (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Database id.
    pub id: i64,
    /// The one wiki it works on.
    pub wiki_id: i64,
    /// The user who minted it; commits made with it are attributed to them, and it never does
    /// more than they may do now.
    pub created_by: i64,
    /// That user's handle, so the token list says who minted each token.
    pub created_by_handle: String,
    /// A label chosen by the owner, unique among the wiki's live tokens.
    pub name: String,
    /// What it may do.
    pub role: TokenRole,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Last time it authenticated a request (updated at most once a minute).
    pub last_used_at: Option<i64>,
    /// When it was revoked; revoked tokens never authenticate.
    pub revoked_at: Option<i64>,
}

/// A signed-in user's pending request for access to a wiki.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRequest {
    /// Who asks.
    pub user: User,
    /// What they wrote to the wiki's admins; may be empty.
    pub message: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// A wiki as one user sees it on their dashboard: the wiki and their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserWiki {
    /// The wiki.
    pub wiki: Wiki,
    /// The user's role: [`Role::Owner`] for wikis they own, their membership role otherwise.
    pub role: Role,
}

/// How much the platform holds, for the operators' status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PlatformCounts {
    /// Users.
    pub users: i64,
    /// Wikis.
    pub wikis: i64,
    /// Memberships (owners not counted).
    pub members: i64,
    /// API tokens that are not revoked.
    pub live_tokens: i64,
    /// Access requests waiting for an answer.
    pub pending_requests: i64,
}

/// A wiki's own limits, overriding the server's defaults where set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuotaOverride {
    /// Largest on-disk size of the wiki's repository, in bytes.
    pub max_bytes: Option<u64>,
    /// Most pages.
    pub max_pages: Option<u64>,
}

/// What a wiki held after its last commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WikiUsage {
    /// On-disk size of the repository, in bytes.
    pub bytes: u64,
    /// Pages.
    pub pages: u64,
    /// When it was recorded (seconds since the Unix epoch).
    pub updated_at: i64,
}

#[cfg(test)]
mod session_tests {
    use super::User;

    fn user(valid_after: i64) -> User {
        User {
            id: 1,
            handle: "alice".into(),
            display_name: "Alice".into(),
            did: None,
            is_platform_admin: false,
            created_at: 0,
            sessions_valid_after: valid_after,
        }
    }

    #[test]
    fn sessions_issued_at_or_before_the_revocation_are_refused() {
        let never = user(0);
        assert!(never.accepts_session_issued_at(1_700_000_000));
        let revoked = user(1_700_000_000);
        assert!(!revoked.accepts_session_issued_at(1_699_999_999));
        assert!(
            !revoked.accepts_session_issued_at(1_700_000_000),
            "the same second as the revocation"
        );
        assert!(revoked.accepts_session_issued_at(1_700_000_001));
    }

    #[test]
    fn a_session_issued_in_the_revocation_second_is_moved_past_it() {
        let revoked = user(1_700_000_000);
        for now in [1_699_999_990, 1_700_000_000] {
            let iat = revoked.next_session_iat(now);
            assert_eq!(iat, 1_700_000_001);
            assert!(revoked.accepts_session_issued_at(iat));
        }
        assert_eq!(revoked.next_session_iat(1_700_000_050), 1_700_000_050);
    }

    #[test]
    fn finding_1_sessions_issued_before_the_account_existed_are_refused() {
        let mut account = user(0);
        account.created_at = 1_700_000_000;
        assert!(!account.accepts_session_issued_at(1_699_999_999));
        assert!(account.accepts_session_issued_at(1_700_000_000));
        // A clock that runs behind the stored creation time still issues a working session.
        let iat = account.next_session_iat(1_699_999_000);
        assert!(account.accepts_session_issued_at(iat));
    }
}
