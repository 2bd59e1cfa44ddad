//! The only way this crate (and the server's OAuth client metadata documents) talk to the
//! network: an HTTP client hardened against server-side request forgery, because every URL it
//! fetches (handles, DID documents, PDS and authorization server metadata, an app's client
//! metadata document) is chosen by whoever types a handle on the login page or names an app.
//!
//! Rules: `https` only; no credentials in URLs; no redirects; every address a host name resolves
//! to must be public (loopback, private, link-local, CGNAT, documentation, multicast and other
//! special ranges are refused, checked on the resolved IPs so DNS rebinding to a private address
//! fails); bodies are capped; connect and total timeouts. `insecure_test` relaxes the scheme,
//! address and certificate rules (never the others) so tests can use a local PDS on
//! `http://localhost` and a client document served over https with a throwaway certificate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

use crate::AtprotoError;

/// Largest response body read from any server.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Time to establish a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Time for a whole request, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Sent with every request so operators can tell who is calling.
const USER_AGENT: &str = concat!("robot.wtf/", env!("CARGO_PKG_VERSION"));

/// A response whose body has been read (within the cap).
#[derive(Debug)]
pub struct Reply {
    /// The URL requested.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// Parses the body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AtprotoError> {
        serde_json::from_slice(&self.body).map_err(|e| AtprotoError::InvalidDocument {
            url: self.url.clone(),
            reason: e.to_string(),
        })
    }

    /// A [`AtprotoError::Status`] for this reply (for unexpected statuses).
    pub fn status_error(&self) -> AtprotoError {
        AtprotoError::Status {
            url: self.url.clone(),
            status: self.status,
            body: String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned(),
        }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The SSRF-hardened HTTP client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    insecure_test: bool,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("insecure_test", &self.insecure_test)
            .finish()
    }
}

impl Fetcher {
    /// A client that applies every rule, or (with `insecure_test`) allows `http` and
    /// loopback/private addresses for tests against a local PDS.
    pub fn new(insecure_test: bool) -> Result<Fetcher, AtprotoError> {
        // reqwest is built without a bundled crypto provider; ring is the process default.
        // Installing fails harmlessly when a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(USER_AGENT)
            // A proxy would resolve names itself, past the address filter.
            .no_proxy()
            .https_only(!insecure_test)
            .tls_danger_accept_invalid_certs(insecure_test)
            .dns_resolver(Arc::new(PublicOnlyResolver { insecure_test }))
            .build()
            .map_err(|e| AtprotoError::Key(format!("cannot build the HTTP client: {e}")))?;
        Ok(Fetcher {
            client,
            insecure_test,
        })
    }

    /// Whether the insecure test switch is on.
    pub fn insecure_test(&self) -> bool {
        self.insecure_test
    }

    /// Checks `url` against the rules that can be decided without DNS: scheme, credentials,
    /// host present, and (for IP-literal hosts, which skip the resolver) a public address.
    pub fn check_url(&self, url: &Url) -> Result<(), AtprotoError> {
        let refuse = |reason: &str| AtprotoError::Forbidden {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        match url.scheme() {
            "https" => {}
            "http" if self.insecure_test => {}
            _ => return Err(refuse("only https URLs are allowed")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("URLs with credentials are not allowed"));
        }
        match url.host() {
            None => Err(refuse("the URL has no host")),
            Some(url::Host::Ipv4(ip)) if !self.insecure_test && !is_public_ip(IpAddr::V4(ip)) => {
                Err(refuse("the address is not public"))
            }
            Some(url::Host::Ipv6(ip)) if !self.insecure_test && !is_public_ip(IpAddr::V6(ip)) => {
                Err(refuse("the address is not public"))
            }
            Some(url::Host::Domain(host)) if !self.insecure_test && !is_public_name(host) => {
                Err(refuse("the host name is not a public domain"))
            }
            Some(_) => Ok(()),
        }
    }

    /// `GET url` with an `Accept` header; the reply of any status.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Reply, AtprotoError> {
        self.check_url(url)?;
        let request = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept);
        self.send(url, request).await
    }

    /// `GET url` expecting 200 and a JSON document of type `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, AtprotoError> {
        let reply = self.get(url, "application/json").await?;
        if reply.status != 200 {
            return Err(reply.status_error());
        }
        reply.json()
    }

    /// `POST url` with a url-encoded form and extra headers; the reply of any status.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<Reply, AtprotoError> {
        self.check_url(url)?;
        let mut request = self.client.post(url.clone()).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request).await
    }

    /// `GET url` with extra headers (for DPoP-authenticated resource requests).
    pub async fn get_with(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
    ) -> Result<Reply, AtprotoError> {
        self.check_url(url)?;
        let mut request = self.client.get(url.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(url, request).await
    }

    async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> Result<Reply, AtprotoError> {
        let unreachable = |e: reqwest::Error| AtprotoError::Unreachable {
            url: url.to_string(),
            reason: error_chain(&e),
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(AtprotoError::Forbidden {
                url: url.to_string(),
                reason: format!("it answered with a redirect ({status}), which is not followed"),
            });
        }
        let too_large = || AtprotoError::TooLarge {
            url: url.to_string(),
            limit: MAX_BODY_BYTES,
        };
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            url: url.to_string(),
            status,
            headers,
            body,
        })
    }
}

/// The error and its sources on one line ("error sending request: …: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

/// Resolves names with the system resolver and keeps only public addresses, so a public name
/// that points (or is re-pointed) at an internal address cannot be fetched.
struct PublicOnlyResolver {
    insecure_test: bool,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let insecure_test = self.insecure_test;
        let host = name.as_str().to_string();
        Box::pin(async move {
            if !insecure_test && !is_public_name(&host) {
                return Err(format!("{host} is not a public domain").into());
            }
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|addr| insecure_test || is_public_ip(addr.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            if allowed.len() < resolved.len() {
                // Mixed answers are a rebinding smell; use only the public ones, and say so.
                tracing::warn!(%host, "ignoring non-public addresses of a public host");
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Host names that never name a public server: single labels and special-use TLDs.
fn is_public_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let Some((_, tld)) = host.rsplit_once('.') else {
        return false;
    };
    !matches!(
        tld,
        "localhost"
            | "local"
            | "internal"
            | "arpa"
            | "invalid"
            | "test"
            | "example"
            | "onion"
            | "alt"
            | "home"
            | "lan"
            | "corp"
    ) && !tld.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `ip` is a globally routable unicast address (not loopback, private, link-local,
/// shared/CGNAT, documentation, benchmarking, multicast, reserved or unspecified; IPv4 embedded
/// in IPv6 is judged as IPv4).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) embeds an IPv4 address in the last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated) and ::/96
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.10",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            let ip: IpAddr = ip.parse().expect(ip);
            assert!(!is_public_ip(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            let ip: IpAddr = ip.parse().expect(ip);
            assert!(is_public_ip(ip), "{ip} must be allowed");
        }
    }

    #[test]
    fn url_rules_apply_unless_testing() {
        let strict = Fetcher::new(false).expect("fetcher");
        for bad in [
            "http://bsky.social/",
            "ftp://bsky.social/",
            "https://user:pw@bsky.social/",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/",
            "https://pds.internal/",
            "https://intranet/",
            "https://alice.test/",
        ] {
            let url = Url::parse(bad).expect(bad);
            assert!(
                matches!(strict.check_url(&url), Err(AtprotoError::Forbidden { .. })),
                "{bad} must be refused"
            );
        }
        assert!(
            strict
                .check_url(&Url::parse("https://bsky.social/xrpc").expect("url"))
                .is_ok()
        );
        let testing = Fetcher::new(true).expect("fetcher");
        assert!(
            testing
                .check_url(&Url::parse("http://localhost:2583/").expect("url"))
                .is_ok()
        );
        assert!(
            testing
                .check_url(&Url::parse("http://u:p@localhost:2583/").expect("url"))
                .is_err(),
            "credentials stay refused in test mode"
        );
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_at_connect_time() {
        // `localhost.` style names are refused before DNS; a public-looking name that resolves
        // to loopback must be caught by the resolver. `localtest.me`-style names need DNS, so
        // drive the resolver directly with a name the hosts file maps to 127.0.0.1.
        let resolver = PublicOnlyResolver {
            insecure_test: false,
        };
        let name: Name = "localhost".parse().expect("name");
        assert!(resolver.resolve(name).await.is_err());
        let testing = PublicOnlyResolver {
            insecure_test: true,
        };
        let name: Name = "localhost".parse().expect("name");
        assert!(testing.resolve(name).await.is_ok());
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_bodies_are_capped() {
        use axum::routing::get;
        let app = axum::Router::new()
            .route(
                "/redirect",
                get(|| async { axum::response::Redirect::temporary("http://169.254.169.254/") }),
            )
            .route("/big", get(|| async { "x".repeat(MAX_BODY_BYTES + 1) }))
            .route("/small", get(|| async { "{\"ok\":true}" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let fetcher = Fetcher::new(true).expect("fetcher");
        let url = |p: &str| Url::parse(&format!("http://{addr}{p}")).expect("url");
        assert!(matches!(
            fetcher.get(&url("/redirect"), "*/*").await,
            Err(AtprotoError::Forbidden { .. })
        ));
        assert!(matches!(
            fetcher.get(&url("/big"), "*/*").await,
            Err(AtprotoError::TooLarge { .. })
        ));
        let ok: serde_json::Value = fetcher.get_json(&url("/small")).await.expect("small");
        assert_eq!(ok["ok"], true);
        // The same server is refused without the test switch: loopback is not public.
        let strict = Fetcher::new(false).expect("fetcher");
        assert!(strict.get(&url("/small"), "*/*").await.is_err());
    }
}
