//! ATProto identity: handles and DIDs (parsed, never just validated), handle → DID resolution
//! (DNS TXT `_atproto.{handle}`, then `https://{handle}/.well-known/atproto-did`, or an XRPC
//! `resolveHandle` service when configured), DID → document (PLC directory or `did:web`), and the
//! bidirectional check: a handle only counts when the DID document claims it back.

use serde::Deserialize;
use url::Url;

use crate::AtprotoError;
use crate::fetch::Fetcher;

/// Longest handle (a DNS name).
const MAX_HANDLE_LEN: usize = 253;
/// Longest DID accepted.
const MAX_DID_LEN: usize = 2048;

/// An ATProto handle: a lowercase DNS name with at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

impl Handle {
    /// Parses a handle (case-insensitive; stored lowercase). Labels are 1–63 characters of
    /// letters, digits and inner hyphens; the last label does not start with a digit.
    pub fn parse(input: &str) -> Result<Handle, AtprotoError> {
        let handle = input.trim().trim_end_matches('.').to_ascii_lowercase();
        let invalid = || AtprotoError::InvalidIdentifier(input.to_string());
        if handle.is_empty() || handle.len() > MAX_HANDLE_LEN {
            return Err(invalid());
        }
        let labels: Vec<&str> = handle.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid());
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !labels.iter().all(label_ok) {
            return Err(invalid());
        }
        if labels
            .last()
            .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_digit()))
        {
            return Err(invalid());
        }
        Ok(Handle(handle))
    }

    /// The handle as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Top-level domains that can never be a real handle (RFC 6761 and friends). `.test` only
    /// exists on a local test network.
    fn is_reserved(&self, allow_test: bool) -> bool {
        let tld = self.0.rsplit('.').next().unwrap_or_default();
        matches!(
            tld,
            "alt" | "arpa" | "example" | "internal" | "invalid" | "local" | "localhost" | "onion"
        ) || (tld == "test" && !allow_test)
    }
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DID of a method we can resolve: `did:plc` or `did:web`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Did(String);

impl Did {
    /// Parses a `did:plc:` (24 base32 characters) or `did:web:` (a host name) DID.
    pub fn parse(input: &str) -> Result<Did, AtprotoError> {
        let did = input.trim();
        let invalid = || AtprotoError::InvalidIdentifier(input.to_string());
        if did.len() > MAX_DID_LEN {
            return Err(invalid());
        }
        if let Some(id) = did.strip_prefix("did:plc:") {
            let ok = id.len() == 24
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
            return if ok {
                Ok(Did(did.to_string()))
            } else {
                Err(invalid())
            };
        }
        if let Some(host) = did.strip_prefix("did:web:") {
            // A percent-encoded port (`localhost%3A8080`) is allowed by the spec for testing;
            // the fetcher's rules decide whether such a host may be contacted.
            let name = host.split("%3A").next().unwrap_or_default();
            let port_ok = host.split_once("%3A").is_none_or(|(_, port)| {
                !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
            });
            return if Handle::parse(name).is_ok() || name == "localhost" && port_ok {
                Ok(Did(did.to_string()))
            } else {
                Err(invalid())
            };
        }
        Err(invalid())
    }

    /// The DID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Did {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What someone typed on the login page, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A handle (`alice.bsky.social`).
    Handle(Handle),
    /// A DID (`did:plc:…`).
    Did(Did),
}

impl Identifier {
    /// Reads login input: surrounding space, control characters and a leading `@` are dropped;
    /// `did:` starts a DID; a bare name without dots becomes `{name}.bsky.social`.
    pub fn parse(input: &str) -> Result<Identifier, AtprotoError> {
        let cleaned: String = input.chars().filter(|c| !c.is_control()).collect();
        let cleaned = cleaned.trim();
        let cleaned = cleaned.strip_prefix('@').unwrap_or(cleaned);
        if cleaned.starts_with("did:") {
            return Did::parse(cleaned).map(Identifier::Did);
        }
        if !cleaned.is_empty() && !cleaned.contains(['.', ':', '/']) {
            return Handle::parse(&format!("{cleaned}.bsky.social")).map(Identifier::Handle);
        }
        Handle::parse(cleaned).map(Identifier::Handle)
    }
}

/// A verified identity: the DID, the handle it claims and that points back to it, and its PDS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The account's permanent identifier.
    pub did: Did,
    /// Its current, verified handle.
    pub handle: Handle,
    /// Its personal data server.
    pub pds: Url,
}

/// The parts of a DID document we use.
#[derive(Debug, Clone, Deserialize)]
pub struct DidDocument {
    /// The DID the document describes.
    pub id: String,
    /// `at://handle` claims.
    #[serde(default, rename = "alsoKnownAs")]
    pub also_known_as: Vec<String>,
    /// Service endpoints.
    #[serde(default)]
    pub service: Vec<DidService>,
}

/// One service entry of a DID document.
#[derive(Debug, Clone, Deserialize)]
pub struct DidService {
    /// `#atproto_pds` or `{did}#atproto_pds`.
    pub id: String,
    /// `AtprotoPersonalDataServer` for the PDS.
    #[serde(rename = "type")]
    pub kind: String,
    /// The endpoint URL (a string for the PDS).
    #[serde(rename = "serviceEndpoint")]
    pub endpoint: serde_json::Value,
}

impl DidDocument {
    /// Whether the document claims `handle` (`at://{handle}` in `alsoKnownAs`).
    pub fn claims_handle(&self, handle: &Handle) -> bool {
        self.also_known_as.iter().any(|aka| {
            aka.strip_prefix("at://")
                .is_some_and(|h| h.eq_ignore_ascii_case(handle.as_str()))
        })
    }

    /// The first handle the document claims, if it parses.
    pub fn handle(&self) -> Option<Handle> {
        self.also_known_as
            .iter()
            .filter_map(|aka| aka.strip_prefix("at://"))
            .find_map(|h| Handle::parse(h).ok())
    }

    /// The PDS endpoint.
    pub fn pds(&self) -> Option<Url> {
        let did_fragment = format!("{}#atproto_pds", self.id);
        self.service
            .iter()
            .find(|s| {
                (s.id == "#atproto_pds" || s.id == did_fragment)
                    && s.kind == "AtprotoPersonalDataServer"
            })
            .and_then(|s| s.endpoint.as_str())
            .and_then(|e| Url::parse(e).ok())
    }
}

/// Where to look identities up.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The PLC directory, `https://plc.directory` in production.
    pub plc_url: Url,
    /// An XRPC service answering `com.atproto.identity.resolveHandle`, used instead of DNS and
    /// the well-known file (tests point it at the local PDS).
    pub handle_resolver: Option<Url>,
}

/// Resolves handles and DIDs through the hardened [`Fetcher`].
#[derive(Debug, Clone)]
pub struct IdentityResolver {
    config: ResolverConfig,
    fetcher: Fetcher,
}

impl IdentityResolver {
    /// A resolver using `fetcher` for every HTTP request.
    pub fn new(config: ResolverConfig, fetcher: Fetcher) -> IdentityResolver {
        IdentityResolver { config, fetcher }
    }

    /// Resolves what someone typed into a verified [`Identity`].
    pub async fn resolve(&self, id: &Identifier) -> Result<Identity, AtprotoError> {
        match id {
            Identifier::Handle(handle) => self.resolve_handle_identity(handle).await,
            Identifier::Did(did) => self.resolve_did_identity(did).await,
        }
    }

    /// Handle → DID → document, which must claim the handle back.
    pub async fn resolve_handle_identity(&self, handle: &Handle) -> Result<Identity, AtprotoError> {
        let did = self.resolve_handle(handle).await?;
        let doc = self.resolve_did(&did).await?;
        if !doc.claims_handle(handle) {
            return Err(AtprotoError::HandleMismatch {
                handle: handle.to_string(),
                did: did.to_string(),
            });
        }
        let pds = doc
            .pds()
            .ok_or_else(|| AtprotoError::NoPds(did.to_string()))?;
        self.fetcher.check_url(&pds)?;
        Ok(Identity {
            did,
            handle: handle.clone(),
            pds,
        })
    }

    /// DID → document → claimed handle, which must resolve back to the DID.
    pub async fn resolve_did_identity(&self, did: &Did) -> Result<Identity, AtprotoError> {
        let doc = self.resolve_did(did).await?;
        let pds = doc
            .pds()
            .ok_or_else(|| AtprotoError::NoPds(did.to_string()))?;
        self.fetcher.check_url(&pds)?;
        let handle = doc.handle().ok_or_else(|| AtprotoError::DidNotResolved {
            did: did.to_string(),
            reason: "the document claims no handle".into(),
        })?;
        let back = self.resolve_handle(&handle).await?;
        if &back != did {
            return Err(AtprotoError::HandleMismatch {
                handle: handle.to_string(),
                did: did.to_string(),
            });
        }
        Ok(Identity {
            did: did.clone(),
            handle,
            pds,
        })
    }

    /// Handle → DID, by the configured XRPC resolver, or DNS TXT then the well-known file.
    pub async fn resolve_handle(&self, handle: &Handle) -> Result<Did, AtprotoError> {
        let not_found = |reason: String| AtprotoError::HandleNotFound {
            handle: handle.to_string(),
            reason,
        };
        if handle.is_reserved(self.fetcher.insecure_test()) {
            return Err(not_found("its top-level domain is reserved".into()));
        }
        if let Some(base) = &self.config.handle_resolver {
            return self.resolve_handle_xrpc(base, handle).await;
        }
        let dns = match resolve_handle_dns(handle).await {
            Ok(did) => return Ok(did),
            Err(reason) => reason,
        };
        match self.resolve_handle_well_known(handle).await {
            Ok(did) => Ok(did),
            Err(https) => Err(not_found(format!("DNS: {dns}; HTTPS: {https}"))),
        }
    }

    async fn resolve_handle_xrpc(&self, base: &Url, handle: &Handle) -> Result<Did, AtprotoError> {
        let mut url = base
            .join("/xrpc/com.atproto.identity.resolveHandle")
            .map_err(|e| AtprotoError::HandleNotFound {
                handle: handle.to_string(),
                reason: format!("bad resolver URL: {e}"),
            })?;
        url.query_pairs_mut().append_pair("handle", handle.as_str());
        let reply = self.fetcher.get(&url, "application/json").await?;
        if reply.status == 400 || reply.status == 404 {
            return Err(AtprotoError::HandleNotFound {
                handle: handle.to_string(),
                reason: "the resolver does not know it".into(),
            });
        }
        if reply.status != 200 {
            return Err(reply.status_error());
        }
        #[derive(Deserialize)]
        struct Resolved {
            did: String,
        }
        let resolved: Resolved = reply.json()?;
        Did::parse(&resolved.did)
    }

    async fn resolve_handle_well_known(&self, handle: &Handle) -> Result<Did, String> {
        let url = Url::parse(&format!("https://{handle}/.well-known/atproto-did"))
            .map_err(|e| e.to_string())?;
        let reply = self
            .fetcher
            .get(&url, "text/plain")
            .await
            .map_err(|e| e.to_string())?;
        if reply.status != 200 {
            return Err(format!("HTTP {}", reply.status));
        }
        let text = String::from_utf8_lossy(&reply.body);
        let line = text.lines().next().unwrap_or_default();
        Did::parse(line).map_err(|_| "the file does not hold a DID".to_string())
    }

    /// DID → document, from the PLC directory or the `did:web` host; the document must describe
    /// that DID.
    pub async fn resolve_did(&self, did: &Did) -> Result<DidDocument, AtprotoError> {
        let failed = |reason: String| AtprotoError::DidNotResolved {
            did: did.to_string(),
            reason,
        };
        let url = if did.as_str().starts_with("did:plc:") {
            self.config
                .plc_url
                .join(&format!("/{}", did.as_str()))
                .map_err(|e| failed(e.to_string()))?
        } else {
            let host = did
                .as_str()
                .trim_start_matches("did:web:")
                .replace("%3A", ":");
            let scheme = if self.fetcher.insecure_test() && host.starts_with("localhost") {
                "http"
            } else {
                "https"
            };
            Url::parse(&format!("{scheme}://{host}/.well-known/did.json"))
                .map_err(|e| failed(e.to_string()))?
        };
        let reply = self.fetcher.get(&url, "application/json").await?;
        if reply.status == 404 || reply.status == 410 {
            return Err(failed("the directory does not know it".into()));
        }
        if reply.status != 200 {
            return Err(reply.status_error());
        }
        let doc: DidDocument = reply.json()?;
        if doc.id != did.as_str() {
            return Err(failed(format!("the document describes {}", doc.id)));
        }
        Ok(doc)
    }
}

/// `_atproto.{handle}` TXT → `did=…`; exactly one distinct DID must be published.
async fn resolve_handle_dns(handle: &Handle) -> Result<Did, String> {
    use hickory_resolver::proto::rr::RData;
    let resolver = hickory_resolver::TokioResolver::builder_tokio()
        .and_then(|b| b.build())
        .map_err(|e| format!("no DNS resolver: {e}"))?;
    let lookup = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        resolver.txt_lookup(format!("_atproto.{handle}.")),
    )
    .await
    .map_err(|_| "timed out".to_string())?
    .map_err(|e| e.to_string())?;
    let mut dids: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::TXT(txt) => Some(txt.to_string()),
            _ => None,
        })
        .filter_map(|text| text.strip_prefix("did=").map(str::to_string))
        .collect();
    dids.sort();
    dids.dedup();
    match dids.as_slice() {
        [one] => Did::parse(one).map_err(|_| format!("the record holds an invalid DID {one:?}")),
        [] => Err("no did= record".into()),
        _ => Err("more than one DID is published".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_parse_lowercase_and_need_two_labels() {
        assert_eq!(
            Handle::parse("Alice.Bsky.Social").expect("handle").as_str(),
            "alice.bsky.social"
        );
        for bad in [
            "alice",
            "",
            "-a.com",
            "a-.com",
            "a..com",
            "a_b.com",
            "alice.123",
            "alice@bsky.social",
            &format!("{}.com", "a".repeat(64)),
        ] {
            assert!(Handle::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn login_input_is_cleaned() {
        let handle = |s: &str| Identifier::Handle(Handle::parse(s).expect("handle"));
        assert_eq!(
            Identifier::parse(" @alice.test ").expect("id"),
            handle("alice.test")
        );
        assert_eq!(
            Identifier::parse("alice").expect("id"),
            handle("alice.bsky.social")
        );
        assert_eq!(
            Identifier::parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz").expect("did"),
            Identifier::Did(Did("did:plc:ewvi7nxzyoun6zhxrhs64oiz".into()))
        );
        for bad in [
            "did:plc:short",
            "did:key:zQ3sh",
            "https://evil.example/x",
            "did:web:a_b",
            "",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Did::parse("did:web:example.com").is_ok());
        assert!(Did::parse("did:web:localhost%3A8080").is_ok());
    }

    #[test]
    fn documents_claim_handles_and_name_their_pds() {
        let doc: DidDocument = serde_json::from_value(serde_json::json!({
            "id": "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "alsoKnownAs": ["at://Alice.Test"],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                         "serviceEndpoint": "http://localhost:2583"}]
        }))
        .expect("doc");
        assert!(doc.claims_handle(&Handle::parse("alice.test").expect("h")));
        assert!(!doc.claims_handle(&Handle::parse("bob.test").expect("h")));
        assert_eq!(doc.handle().expect("handle").as_str(), "alice.test");
        assert_eq!(doc.pds().expect("pds").as_str(), "http://localhost:2583/");
    }

    #[tokio::test]
    async fn reserved_tlds_are_not_resolved() {
        let resolver = IdentityResolver::new(
            ResolverConfig {
                plc_url: Url::parse("https://plc.directory").expect("url"),
                handle_resolver: None,
            },
            Fetcher::new(false).expect("fetcher"),
        );
        for handle in ["alice.test", "printer.local", "x.internal"] {
            let handle = Handle::parse(handle).expect("handle");
            assert!(matches!(
                resolver.resolve_handle(&handle).await,
                Err(AtprotoError::HandleNotFound { .. })
            ));
        }
    }
}
