//! A browser, as far as cookies and redirects go: one cookie jar per host (no `Domain`
//! sharing, as on `localhost`), `Path` and `Max-Age=0` honoured, redirects followed across
//! hosts. For flows that span the platform and wiki hosts (sign-in handoffs).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use robot_server::AppState;

use super::{Reply, send};

/// A stored cookie: its value and the path prefix it is sent to.
struct Cookie {
    value: String,
    path: String,
}

/// Cookies by host, then by name.
#[derive(Default)]
pub struct Browser {
    jars: BTreeMap<String, BTreeMap<String, Cookie>>,
}

impl Browser {
    /// A browser with no cookies.
    pub fn new() -> Browser {
        Browser::default()
    }

    /// Stores a cookie for `host`, as a `Set-Cookie` from it would.
    pub fn set(&mut self, host: &str, name: &str, value: &str) {
        self.jars.entry(host.to_string()).or_default().insert(
            name.to_string(),
            Cookie {
                value: value.to_string(),
                path: "/".into(),
            },
        );
    }

    /// The value of cookie `name` held for `host`.
    pub fn cookie(&self, host: &str, name: &str) -> Option<String> {
        self.jars.get(host)?.get(name).map(|c| c.value.clone())
    }

    /// A GET of `path` on `host` with this browser's cookies for them; stores what it sets.
    pub async fn get(&mut self, state: &AppState, host: &str, path: &str) -> Reply {
        let mut req = Request::get(path)
            .header(header::HOST, host)
            .header(header::ACCEPT, "text/html");
        let cookies: Vec<String> = self
            .jars
            .get(host)
            .into_iter()
            .flatten()
            .filter(|(_, c)| path.starts_with(&c.path))
            .map(|(name, c)| format!("{name}={}", c.value))
            .collect();
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        let reply = send(state, req.body(Body::empty()).expect("request")).await;
        self.store(host, &reply);
        reply
    }

    /// Follows redirects from `url` (absolute, `http://host/path`) until a non-redirect or
    /// `max` hops; returns the last reply and every URL visited.
    pub async fn follow(
        &mut self,
        state: &AppState,
        url: &str,
        max: usize,
    ) -> (Reply, Vec<String>) {
        let mut visited = vec![url.to_string()];
        loop {
            let (reply, next) = self.step(state, &visited[visited.len() - 1]).await;
            match next {
                Some(next) if visited.len() <= max => visited.push(next),
                _ => return (reply, visited),
            }
        }
    }

    /// A GET of the absolute `url`: the reply, and where it redirects to (absolute), if it does.
    pub async fn step(&mut self, state: &AppState, url: &str) -> (Reply, Option<String>) {
        let (host, path) = split(url);
        let reply = self.get(state, &host, &path).await;
        let is_redirect = matches!(
            reply.status,
            StatusCode::SEE_OTHER | StatusCode::FOUND | StatusCode::TEMPORARY_REDIRECT
        );
        let location = reply
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|_| is_redirect)
            .map(|location| {
                if location.starts_with('/') {
                    format!("http://{host}{location}")
                } else {
                    location.to_string()
                }
            });
        (reply, location)
    }

    fn store(&mut self, host: &str, reply: &Reply) {
        for raw in reply.headers.get_all(header::SET_COOKIE) {
            let Ok(raw) = raw.to_str() else { continue };
            let mut parts = raw.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let mut path = "/".to_string();
            let mut expired = false;
            for attr in parts {
                if let Some(p) = attr.strip_prefix("Path=") {
                    path = p.to_string();
                }
                if attr == "Max-Age=0" {
                    expired = true;
                }
            }
            let jar = self.jars.entry(host.to_string()).or_default();
            if expired {
                jar.remove(name);
            } else {
                jar.insert(
                    name.to_string(),
                    Cookie {
                        value: value.to_string(),
                        path,
                    },
                );
            }
        }
    }
}

/// (host, path and query) of an absolute `http://` URL.
fn split(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}
