//! The one error type of this crate. Each variant says what failed and for which input, so the
//! login page can tell a person what to do next.

/// Everything identity resolution, discovery and the OAuth exchange can refuse.
#[derive(Debug, thiserror::Error)]
pub enum AtprotoError {
    /// The input is neither a handle nor a DID.
    #[error("{0:?} is not a valid handle (like alice.bsky.social) or DID (like did:plc:…)")]
    InvalidIdentifier(String),
    /// No DID could be found for the handle.
    #[error("could not find the handle {handle}: {reason}")]
    HandleNotFound {
        /// The handle looked up.
        handle: String,
        /// Why each method failed.
        reason: String,
    },
    /// The DID document could not be fetched or is malformed.
    #[error("could not resolve the DID {did}: {reason}")]
    DidNotResolved {
        /// The DID looked up.
        did: String,
        /// What went wrong.
        reason: String,
    },
    /// The DID document does not claim the handle that pointed to it.
    #[error(
        "the handle {handle} points to {did}, but that account does not claim the handle (bidirectional check failed)"
    )]
    HandleMismatch {
        /// The handle given.
        handle: String,
        /// The DID it resolved to.
        did: String,
    },
    /// The DID document names no usable PDS.
    #[error("the account {0} names no ATProto personal data server (PDS)")]
    NoPds(String),
    /// The SSRF guard refused a URL before any request was made.
    #[error("refused to contact {url}: {reason}")]
    Forbidden {
        /// The URL refused.
        url: String,
        /// Which rule it broke.
        reason: String,
    },
    /// The server could not be reached (DNS, connection, TLS, timeout).
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("{url} answered HTTP {status}: {body}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body, for the log.
        body: String,
    },
    /// The answer was larger than the cap.
    #[error("{url} answered with more than {limit} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// The answer was not the JSON document expected.
    #[error("{url} answered with an invalid document: {reason}")]
    InvalidDocument {
        /// The URL requested.
        url: String,
        /// The parse error.
        reason: String,
    },
    /// The authorization server's metadata breaks the ATProto OAuth profile.
    #[error("the authorization server {issuer} is not usable: {reason}")]
    BadServerMetadata {
        /// The issuer (or URL) whose metadata was checked.
        issuer: String,
        /// The first rule it broke.
        reason: String,
    },
    /// The authorization server refused a request with an OAuth error.
    #[error("the authorization server refused the request: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// The OAuth `error` code, e.g. `invalid_grant`.
        error: String,
        /// Its `error_description`, if any.
        description: Option<String>,
    },
    /// The token response does not match the login that was started.
    #[error("the token response is not acceptable: {0}")]
    BadToken(String),
    /// The callback does not match the login that was started.
    #[error("the sign-in response is not acceptable: {0}")]
    BadCallback(String),
    /// A key could not be read, written or parsed.
    #[error("key error: {0}")]
    Key(String),
}

impl AtprotoError {
    /// Whether the failure was reaching a server (as opposed to a refusal or bad input): the
    /// login page says "try again later" for these.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            AtprotoError::Unreachable { .. } | AtprotoError::Status { .. }
        )
    }
}
