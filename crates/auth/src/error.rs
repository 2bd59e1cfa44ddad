//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while loading keys or issuing and checking session tokens.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Reading or writing the key file (or its directory) failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "read the session key".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The key file exists but does not hold a PKCS#8 PEM RSA private key.
    #[error(
        "{} is not a PKCS#8 PEM RSA private key ({reason}); restore it from a backup, or move it \
         away to generate a new key on the next start (this signs everyone out)",
        path.display()
    )]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// Why it could not be used.
        reason: String,
    },
    /// Generating a new RSA key failed.
    #[error("cannot generate the session signing key: {0}")]
    KeyGeneration(String),
    /// Signing a token failed.
    #[error("cannot sign the session token: {0}")]
    Signing(String),
    /// The token was genuine but its `exp` has passed.
    #[error("the session has expired; sign in again")]
    Expired,
    /// The token is malformed, forged, uses another algorithm, or is for another issuer or
    /// audience.
    #[error("the session token is invalid ({0}); sign in again")]
    InvalidToken(String),
}
