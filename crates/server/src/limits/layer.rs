//! The rate limit as a tower layer, to put in front of a route group:
//!
//! ```ignore
//! Router::new()
//!     .route("/auth/atproto/login", post(start))
//!     .route_layer(RateLimitLayer::new(&state, Scope::Login))
//! ```
//!
//! A layer made with [`RateLimitLayer::new`] has one scope. [`Scope::Write`] then counts only
//! requests that can change something (not GET/HEAD/OPTIONS); every other scope counts every
//! request. A layer made with [`RateLimitLayer::by_action`] asks a [`Classify`] function what each
//! request does (a write, a render, nothing costly) and spends that scope's budget: routes are
//! classified by the route they matched and their method, never by how their path ends, so a
//! write to a page named `preview` is a write.
//!
//! Writes and renders behind the context resolver count per API token or OAuth grant; everything
//! else per client IP. A refusal is [`AppError::RateLimited`]: 429 with `Retry-After`, rendered as
//! JSON or HTML by the negotiation middleware.

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

/// What a request does, as far as rate limits care: the scope whose budget it spends, or `None`
/// for requests that cost nothing worth limiting. Called after routing, so it may look at the
/// request's [`axum::extract::MatchedPath`].
pub type Classify = fn(&Request) -> Option<Scope>;

/// Which budget a layer spends.
#[derive(Clone, Copy)]
enum Spend {
    /// Always this scope (writes: only unsafe methods).
    Fixed(Scope),
    /// Whatever the classifier says the request does.
    ByAction(Classify),
}

/// Applies rate limits to the wrapped routes.
#[derive(Clone)]
pub struct RateLimitLayer {
    limits: Arc<RateLimits>,
    spend: Spend,
}

impl RateLimitLayer {
    /// The limit of `scope`, sharing the process-wide state in `state`.
    pub fn new(state: &AppState, scope: Scope) -> RateLimitLayer {
        RateLimitLayer {
            limits: Arc::clone(&state.limits),
            spend: Spend::Fixed(scope),
        }
    }

    /// Limits each request by what `classify` says it does. Apply with `Router::layer` (which
    /// wraps each route after routing) so the classifier sees the matched route.
    pub fn by_action(state: &AppState, classify: Classify) -> RateLimitLayer {
        RateLimitLayer {
            limits: Arc::clone(&state.limits),
            spend: Spend::ByAction(classify),
        }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            limits: Arc::clone(&self.limits),
            spend: self.spend,
        }
    }
}

/// The service [`RateLimitLayer`] wraps routes in.
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    limits: Arc<RateLimits>,
    spend: Spend,
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
        if let Some(scope) = scope_of(self.spend, &req) {
            let key = key_of(scope, &req, self.limits.trust_proxy());
            if let Err(refused) = self.limits.check(scope, &key) {
                tracing::info!(
                    ?key,
                    ?scope,
                    retry_after = refused.retry_after,
                    "rate limited"
                );
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

/// The scope whose budget `req` spends, if any.
fn scope_of(spend: Spend, req: &Request) -> Option<Scope> {
    match spend {
        Spend::Fixed(Scope::Write) => (!req.method().is_safe()).then_some(Scope::Write),
        Spend::Fixed(scope) => Some(scope),
        Spend::ByAction(classify) => classify(req),
    }
}

/// The budget `req` spends: for writes and renders, its API token's or OAuth grant's; else its
/// IP's.
fn key_of(scope: Scope, req: &Request, trust_proxy: bool) -> ClientKey {
    if matches!(scope, Scope::Write | Scope::Render)
        && let Some(key) = req
            .extensions()
            .get::<Arc<WikiCtx>>()
            .and_then(|ctx| ctx.credential_key())
    {
        return key;
    }
    ClientKey::ip_of(req, trust_proxy)
}
