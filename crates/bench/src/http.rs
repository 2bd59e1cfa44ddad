//! One HTTP client for every request the driver makes itself: keep-alive, no redirects
//! followed, and the server picked by the `Host` header on a loopback URL (glibc does not resolve
//! `*.localhost`, so the URL names 127.0.0.1 and the header names the wiki).

use anyhow::{Context as _, Result};
use reqwest::{Client, Method, RequestBuilder, Response};

#[derive(Clone)]
pub struct Http {
    client: Client,
}

impl Http {
    pub fn new() -> Result<Http> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        Ok(Http { client })
    }

    /// A request to `path` on the server at `port`, for the site `host`.
    pub fn request(&self, method: Method, port: u16, host: &str, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("http://127.0.0.1:{port}{path}"))
            .header("Host", host)
    }

    /// GETs a page and fails unless it answers 200; returns the body.
    pub async fn page(
        &self,
        port: u16,
        host: &str,
        path: &str,
        cookie: Option<&str>,
    ) -> Result<String> {
        let mut request = self.request(Method::GET, port, host, path);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let reply = request
            .send()
            .await
            .with_context(|| format!("GET {host}{path}"))?;
        ok(reply, &format!("GET {host}{path}"))
            .await?
            .text()
            .await
            .context("reading the body")
    }
}

/// The response when its status is 2xx, else an error naming `what` with the body's start.
pub async fn ok(reply: Response, what: &str) -> Result<Response> {
    let status = reply.status();
    if status.is_success() {
        return Ok(reply);
    }
    let body = reply.text().await.unwrap_or_default();
    let end = body.char_indices().nth(300).map_or(body.len(), |(i, _)| i);
    anyhow::bail!("{what} answered {status}: {}", &body[..end])
}
