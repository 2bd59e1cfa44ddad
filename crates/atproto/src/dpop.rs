//! Sending DPoP-bound requests: a fresh proof per request, and one retry with the server's
//! nonce when it answers `use_dpop_nonce` (authorization servers say so in a JSON 400, resource
//! servers in a `WWW-Authenticate: DPoP error="use_dpop_nonce"` 401).

use url::Url;

use crate::AtprotoError;
use crate::fetch::{Fetcher, Reply};
use crate::jose::{EsKey, dpop_proof};

/// A DPoP key and the last nonce a server gave us.
#[derive(Debug, Clone)]
pub struct DpopState {
    /// The per-session key.
    pub key: EsKey,
    /// The latest `DPoP-Nonce` received, sent with the next proof.
    pub nonce: Option<String>,
}

impl DpopState {
    /// A new key without a nonce.
    pub fn fresh() -> DpopState {
        DpopState {
            key: EsKey::generate(),
            nonce: None,
        }
    }

    /// `POST` a form to an authorization server endpoint.
    pub async fn post_form(
        &mut self,
        fetcher: &Fetcher,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<Reply, AtprotoError> {
        let mut retried = false;
        loop {
            let proof = dpop_proof(&self.key, "POST", url, self.nonce.as_deref(), None);
            let reply = fetcher
                .post_form(url, form, &[("DPoP", proof.as_str())])
                .await?;
            if self.learn_nonce(&reply) && !retried && wants_nonce(&reply) {
                retried = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// `GET` a resource with a DPoP-bound access token.
    pub async fn get_resource(
        &mut self,
        fetcher: &Fetcher,
        url: &Url,
        access_token: &str,
    ) -> Result<Reply, AtprotoError> {
        let mut retried = false;
        loop {
            let proof = dpop_proof(
                &self.key,
                "GET",
                url,
                self.nonce.as_deref(),
                Some(access_token),
            );
            let authorization = format!("DPoP {access_token}");
            let reply = fetcher
                .get_with(
                    url,
                    &[
                        ("Authorization", authorization.as_str()),
                        ("DPoP", proof.as_str()),
                    ],
                )
                .await?;
            if self.learn_nonce(&reply) && !retried && wants_nonce(&reply) {
                retried = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// Records a `DPoP-Nonce` header; true when it changed the nonce.
    fn learn_nonce(&mut self, reply: &Reply) -> bool {
        let Some(nonce) = reply
            .headers
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .filter(|n| !n.is_empty() && n.len() <= 512)
        else {
            return false;
        };
        let changed = self.nonce.as_deref() != Some(nonce);
        self.nonce = Some(nonce.to_string());
        changed
    }
}

/// Whether the server asked for a (new) nonce.
fn wants_nonce(reply: &Reply) -> bool {
    if reply.status == 401
        && reply
            .headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("DPoP") && v.contains("use_dpop_nonce"))
    {
        return true;
    }
    reply.status == 400
        && serde_json::from_slice::<serde_json::Value>(&reply.body)
            .is_ok_and(|body| body["error"] == "use_dpop_nonce")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};

    /// A server that demands the nonce `n-1`, the way the reference PDS does, and records the
    /// proofs it saw.
    async fn nonce_server() -> (Url, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let app = axum::Router::new().route(
            "/token",
            axum::routing::post(move |headers: HeaderMap| {
                let log = Arc::clone(&log);
                async move {
                    let proof = headers
                        .get("dpop")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    log.lock().expect("lock").push(proof.clone());
                    let payload = proof.split('.').nth(1).unwrap_or_default();
                    let claims: serde_json::Value = base64::Engine::decode(
                        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                        payload,
                    )
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_default();
                    if claims["nonce"] == "n-1" {
                        (StatusCode::OK, [("dpop-nonce", "n-1")], "{\"ok\":true}").into_response()
                    } else {
                        (
                            StatusCode::BAD_REQUEST,
                            [("dpop-nonce", "n-1")],
                            "{\"error\":\"use_dpop_nonce\"}",
                        )
                            .into_response()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (
            Url::parse(&format!("http://{addr}/token")).expect("url"),
            seen,
        )
    }

    #[tokio::test]
    async fn retries_once_with_the_servers_nonce() {
        let (url, seen) = nonce_server().await;
        let fetcher = Fetcher::new(true).expect("fetcher");
        let mut dpop = DpopState::fresh();
        let reply = dpop
            .post_form(&fetcher, &url, &[("a", "b")])
            .await
            .expect("reply");
        assert_eq!(reply.status, 200);
        assert_eq!(dpop.nonce.as_deref(), Some("n-1"));
        assert_eq!(
            seen.lock().expect("lock").len(),
            2,
            "one refusal, one retry"
        );
        // The nonce is remembered: the next request needs no retry.
        dpop.post_form(&fetcher, &url, &[]).await.expect("reply");
        assert_eq!(seen.lock().expect("lock").len(), 3);
    }
}
