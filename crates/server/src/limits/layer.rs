//! The rate limit as a tower layer, to put in front of a route group:
//!
//! ```ignore
//! Router::new()
//!     .route("/auth/atproto/login", post(start))
//!     .route_layer(RateLimitLayer::new(&state, Scope::Login))
//! ```
//!
//! [`Scope::Write`] only counts requests that can change something (not GET/HEAD/OPTIONS, and not
//! the editor's live preview) and, behind the context resolver, counts token requests per token.
//! Every other scope counts every request per client IP. A refusal is [`AppError::RateLimited`]:
//! 429 with `Retry-After`, rendered as JSON or HTML by the negotiation middleware.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::{ClientKey, RateLimits, Scope};
use crate::context::WikiCtx;
use crate::error::AppError;
use crate::state::AppState;

/// Applies one [`Scope`]'s rate limit to the wrapped routes.
#[derive(Clone)]
pub struct RateLimitLayer {
    limits: Arc<RateLimits>,
    scope: Scope,
}

impl RateLimitLayer {
    /// The limit of `scope`, sharing the process-wide state in `state`.
    pub fn new(state: &AppState, scope: Scope) -> RateLimitLayer {
        RateLimitLayer {
            limits: Arc::clone(&state.limits),
            scope,
        }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            limits: Arc::clone(&self.limits),
            scope: self.scope,
        }
    }
}

/// The service [`RateLimitLayer`] wraps routes in.
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    limits: Arc<RateLimits>,
    scope: Scope,
}

impl<S> Service<Request> for RateLimit<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if counts(self.scope, &req) {
            let key = key_of(self.scope, &req, self.limits.trust_proxy());
            if let Err(refused) = self.limits.check(self.scope, &key) {
                tracing::info!(?key, scope = ?self.scope, retry_after = refused.retry_after, "rate limited");
                let response = AppError::RateLimited {
                    message: refused.message(),
                    retry_after: refused.retry_after,
                }
                .into_response();
                return Box::pin(async move { Ok(response) });
            }
        }
        // The clone that was polled ready serves this call; the fresh clone waits for the next.
        let clone = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, clone);
        Box::pin(ready.call(req))
    }
}

/// Whether `req` spends budget in `scope`.
fn counts(scope: Scope, req: &Request) -> bool {
    match scope {
        Scope::Write => !req.method().is_safe() && !req.uri().path().ends_with("/preview"),
        Scope::Login | Scope::CreateWiki | Scope::Token => true,
    }
}

/// The budget `req` spends: for writes, its API token's or OAuth grant's; else its IP's.
fn key_of(scope: Scope, req: &Request, trust_proxy: bool) -> ClientKey {
    if scope == Scope::Write
        && let Some(key) = req
            .extensions()
            .get::<Arc<WikiCtx>>()
            .and_then(|ctx| ctx.credential_key())
    {
        return key;
    }
    ClientKey::ip_of(req, trust_proxy)
}
