//! Credentials for robot.wtf: who you are, never what you may do.
//!
//! - [`SessionKeys`] holds the RS256 key that signs platform session tokens (the `platform_token`
//!   cookie, shared by every wiki subdomain) and verifies them.
//! - [`SessionClaims`] is what such a token says about its holder.
//! - [`random_token`], [`hash_token`] and [`constant_time_eq`] make and check the random secrets
//!   (one-time login links, later API tokens) whose hashes are stored instead of the secrets.
//!
//! Authorization (what a principal may do on a wiki) lives in `robot_platform::policy`.

#![warn(missing_docs)]

mod claims;
mod error;
mod keys;
mod secret;

pub use claims::SessionClaims;
pub use error::AuthError;
pub use keys::{DEFAULT_ISSUER, SessionKeys};
pub use secret::{constant_time_eq, hash_token, random_token};
