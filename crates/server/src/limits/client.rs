//! Who a rate limit counts a request against: the API token or OAuth grant that authenticated
//! it, else the client's IP address.
//!
//! The IP is the socket's peer address (`ConnectInfo`, present when the server runs under
//! `axum::serve` with connect info). Behind a reverse proxy every peer is the proxy, so with
//! `--trust-proxy` the **last** `X-Forwarded-For` entry is used instead: that is the one our own
//! proxy appended; earlier entries come from the client and can be forged. Requests without
//! either (in-process tests) share one `Unknown` key rather than failing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::Request;

/// A rate-limit key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An API token, by database id.
    Token(i64),
    /// An OAuth grant (an app connected by a user), by database id.
    Grant(i64),
    /// A client IP address.
    Ip(IpAddr),
    /// A request whose client cannot be told (no socket address, e.g. in-process tests).
    Unknown,
}

impl ClientKey {
    /// The client IP of `req` (see the module docs); `Unknown` when there is none.
    pub fn ip_of<B>(req: &Request<B>, trust_proxy: bool) -> ClientKey {
        if trust_proxy && let Some(ip) = forwarded_for(req) {
            return ClientKey::Ip(ip);
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(ClientKey::Unknown, |ConnectInfo(addr)| {
                ClientKey::Ip(addr.ip())
            })
    }
}

/// The last hop of the last `X-Forwarded-For` header, when it is an IP address.
fn forwarded_for<B>(req: &Request<B>) -> Option<IpAddr> {
    let last_header = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?;
    let last_hop = last_header.to_str().ok()?.rsplit(',').next()?.trim();
    last_hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| last_hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: Option<&str>, forwarded: &[&str]) -> Request<()> {
        let mut builder = Request::builder();
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let mut req = builder.body(()).expect("request");
        if let Some(peer) = peer {
            req.extensions_mut()
                .insert(ConnectInfo(peer.parse::<SocketAddr>().expect("addr")));
        }
        req
    }

    fn ip(s: &str) -> ClientKey {
        ClientKey::Ip(s.parse().expect("ip"))
    }

    #[test]
    fn the_peer_address_unless_the_proxy_is_trusted() {
        let req = request(Some("10.0.0.1:5000"), &["203.0.113.9"]);
        assert_eq!(ClientKey::ip_of(&req, false), ip("10.0.0.1"));
        assert_eq!(ClientKey::ip_of(&req, true), ip("203.0.113.9"));
    }

    #[test]
    fn only_the_last_hop_counts() {
        // The client sent a forged first entry; the proxy appended the real address.
        let req = request(Some("10.0.0.1:5000"), &["1.2.3.4, 198.51.100.7"]);
        assert_eq!(ClientKey::ip_of(&req, true), ip("198.51.100.7"));
        let two_headers = request(Some("10.0.0.1:5000"), &["1.2.3.4", "[2001:db8::1]:443"]);
        assert_eq!(ClientKey::ip_of(&two_headers, true), ip("2001:db8::1"));
    }

    #[test]
    fn garbage_falls_back_to_the_peer_and_nothing_to_unknown() {
        let req = request(Some("10.0.0.1:5000"), &["not an address"]);
        assert_eq!(ClientKey::ip_of(&req, true), ip("10.0.0.1"));
        assert_eq!(
            ClientKey::ip_of(&request(None, &[]), true),
            ClientKey::Unknown
        );
    }
}
