//! Discovery: PDS → `/.well-known/oauth-protected-resource` → authorization server →
//! `/.well-known/oauth-authorization-server`, and the checks that make a server acceptable under
//! the ATProto OAuth profile.

use serde::Deserialize;
use url::Url;

use crate::AtprotoError;
use crate::fetch::Fetcher;

/// The protected resource metadata of a PDS (RFC 9728), the parts we use.
#[derive(Debug, Clone, Deserialize)]
pub struct ProtectedResourceMetadata {
    /// The PDS itself.
    pub resource: String,
    /// Its authorization servers; the first is used.
    #[serde(default)]
    pub authorization_servers: Vec<String>,
}

/// Authorization server metadata (RFC 8414), the parts the ATProto profile constrains.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct AuthServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub dpop_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    pub client_id_metadata_document_supported: bool,
}

/// A validated authorization server: its issuer and the endpoints we call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthServer {
    /// The issuer, exactly as the server states it (compared byte for byte with `iss`).
    pub issuer: String,
    /// Where the browser goes.
    pub authorization_endpoint: Url,
    /// Code exchange.
    pub token_endpoint: Url,
    /// Pushed authorization requests.
    pub par_endpoint: Url,
    /// Token revocation, if offered.
    pub revocation_endpoint: Option<Url>,
}

/// The origin of `url` as ATProto writes issuers: `scheme://host[:port]`, no trailing slash.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl AuthServerMetadata {
    /// Checks the metadata fetched from `fetched_from` (the issuer URL we derived it from)
    /// against the ATProto OAuth profile, and the endpoints against the fetcher's URL rules.
    pub fn validate(
        self,
        fetched_from: &Url,
        fetcher: &Fetcher,
    ) -> Result<AuthServer, AtprotoError> {
        let fail = |reason: &str| AtprotoError::BadServerMetadata {
            issuer: origin(fetched_from),
            reason: reason.to_string(),
        };
        let issuer = Url::parse(&self.issuer).map_err(|_| fail("the issuer is not a URL"))?;
        if self.issuer != origin(fetched_from) || self.issuer != origin(&issuer) {
            return Err(fail(&format!(
                "the issuer {:?} is not the origin the metadata was fetched from",
                self.issuer
            )));
        }
        fetcher.check_url(&issuer)?;
        let has = |list: &[String], want: &str| list.iter().any(|v| v == want);
        if !has(&self.response_types_supported, "code") {
            return Err(fail("it does not support the `code` response type"));
        }
        if !self.grant_types_supported.is_empty()
            && !has(&self.grant_types_supported, "authorization_code")
        {
            return Err(fail("it does not support the authorization_code grant"));
        }
        if !has(&self.code_challenge_methods_supported, "S256") {
            return Err(fail("it does not support PKCE with S256"));
        }
        if !has(
            &self.token_endpoint_auth_methods_supported,
            "private_key_jwt",
        ) {
            return Err(fail(
                "it does not support private_key_jwt client authentication",
            ));
        }
        if !has(
            &self.token_endpoint_auth_signing_alg_values_supported,
            "ES256",
        ) {
            return Err(fail("it does not accept ES256 client assertions"));
        }
        if !has(&self.dpop_signing_alg_values_supported, "ES256") {
            return Err(fail("it does not accept ES256 DPoP proofs"));
        }
        if !has(&self.scopes_supported, "atproto") {
            return Err(fail("it does not offer the `atproto` scope"));
        }
        if !self.authorization_response_iss_parameter_supported {
            return Err(fail(
                "it does not send `iss` with the authorization response",
            ));
        }
        if !self.require_pushed_authorization_requests {
            return Err(fail("it does not require pushed authorization requests"));
        }
        if !self.client_id_metadata_document_supported {
            return Err(fail("it does not support client metadata documents"));
        }
        let endpoint = |raw: &str, what: &str| -> Result<Url, AtprotoError> {
            let url = Url::parse(raw).map_err(|_| fail(&format!("the {what} is not a URL")))?;
            fetcher.check_url(&url)?;
            Ok(url)
        };
        let par = self
            .pushed_authorization_request_endpoint
            .as_deref()
            .ok_or_else(|| fail("it has no pushed authorization request endpoint"))?;
        Ok(AuthServer {
            authorization_endpoint: endpoint(
                &self.authorization_endpoint,
                "authorization endpoint",
            )?,
            token_endpoint: endpoint(&self.token_endpoint, "token endpoint")?,
            par_endpoint: endpoint(par, "PAR endpoint")?,
            revocation_endpoint: self
                .revocation_endpoint
                .as_deref()
                .map(|r| endpoint(r, "revocation endpoint"))
                .transpose()?,
            issuer: self.issuer,
        })
    }
}

/// The authorization server of a PDS: its protected resource metadata names it, and its own
/// metadata must validate.
pub async fn discover(fetcher: &Fetcher, pds: &Url) -> Result<AuthServer, AtprotoError> {
    let resource_url = pds
        .join("/.well-known/oauth-protected-resource")
        .map_err(|e| AtprotoError::Forbidden {
            url: pds.to_string(),
            reason: e.to_string(),
        })?;
    let resource: ProtectedResourceMetadata = fetcher.get_json(&resource_url).await?;
    if resource.resource.trim_end_matches('/') != origin(pds) {
        return Err(AtprotoError::BadServerMetadata {
            issuer: origin(pds),
            reason: format!(
                "its protected resource metadata describes {:?}, not this PDS",
                resource.resource
            ),
        });
    }
    let issuer = resource
        .authorization_servers
        .first()
        .and_then(|s| Url::parse(s).ok())
        .ok_or_else(|| AtprotoError::BadServerMetadata {
            issuer: origin(pds),
            reason: "the PDS names no authorization server".into(),
        })?;
    auth_server(fetcher, &issuer).await
}

/// Fetches and validates the metadata of the authorization server `issuer`.
pub async fn auth_server(fetcher: &Fetcher, issuer: &Url) -> Result<AuthServer, AtprotoError> {
    fetcher.check_url(issuer)?;
    let url = issuer
        .join("/.well-known/oauth-authorization-server")
        .map_err(|e| AtprotoError::Forbidden {
            url: issuer.to_string(),
            reason: e.to_string(),
        })?;
    let metadata: AuthServerMetadata = fetcher.get_json(&url).await?;
    metadata.validate(issuer, fetcher)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Metadata as the reference PDS serves it (`@atproto/oauth-provider`).
    pub(crate) fn good_metadata(issuer: &str) -> Value {
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth/authorize"),
            "token_endpoint": format!("{issuer}/oauth/token"),
            "pushed_authorization_request_endpoint": format!("{issuer}/oauth/par"),
            "revocation_endpoint": format!("{issuer}/oauth/revoke"),
            "require_pushed_authorization_requests": true,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "dpop_signing_alg_values_supported": ["RS256", "ES256"],
            "scopes_supported": ["atproto", "transition:generic"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": true,
        })
    }

    fn check(
        metadata: Value,
        fetched_from: &str,
        insecure: bool,
    ) -> Result<AuthServer, AtprotoError> {
        let fetcher = Fetcher::new(insecure).expect("fetcher");
        let metadata: AuthServerMetadata = serde_json::from_value(metadata).expect("shape");
        metadata.validate(&Url::parse(fetched_from).expect("url"), &fetcher)
    }

    #[test]
    fn reference_metadata_validates() {
        let server = check(
            good_metadata("https://bsky.social"),
            "https://bsky.social",
            false,
        )
        .expect("valid");
        assert_eq!(server.issuer, "https://bsky.social");
        assert_eq!(
            server.par_endpoint.as_str(),
            "https://bsky.social/oauth/par"
        );
        // A local test server needs the insecure switch.
        assert!(
            check(
                good_metadata("http://localhost:2583"),
                "http://localhost:2583",
                false
            )
            .is_err()
        );
        assert!(
            check(
                good_metadata("http://localhost:2583"),
                "http://localhost:2583",
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn each_broken_rule_is_refused() {
        let issuer = "https://bsky.social";
        let broken: Vec<(&str, Value)> = vec![
            ("issuer", json!("https://evil.example.com")),
            ("issuer", json!("https://bsky.social/path")),
            ("response_types_supported", json!(["token"])),
            ("code_challenge_methods_supported", json!(["plain"])),
            ("token_endpoint_auth_methods_supported", json!(["none"])),
            (
                "token_endpoint_auth_signing_alg_values_supported",
                json!(["RS256"]),
            ),
            ("dpop_signing_alg_values_supported", json!(["RS256"])),
            ("scopes_supported", json!(["openid"])),
            (
                "authorization_response_iss_parameter_supported",
                json!(false),
            ),
            ("require_pushed_authorization_requests", json!(false)),
            ("client_id_metadata_document_supported", json!(false)),
            ("pushed_authorization_request_endpoint", Value::Null),
            ("token_endpoint", json!("http://bsky.social/oauth/token")),
            (
                "authorization_endpoint",
                json!("https://10.0.0.1/authorize"),
            ),
        ];
        for (field, value) in broken {
            let mut metadata = good_metadata(issuer);
            metadata[field] = value.clone();
            let result = check(metadata, issuer, false);
            assert!(
                matches!(
                    result,
                    Err(AtprotoError::BadServerMetadata { .. } | AtprotoError::Forbidden { .. })
                ),
                "{field} = {value} must be refused, got {result:?}"
            );
        }
        // Metadata fetched from one origin cannot claim another issuer.
        assert!(check(good_metadata(issuer), "https://other.example.com", false).is_err());
    }
}
