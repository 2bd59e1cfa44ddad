//! The HTTP surface of robot.wtf: one axum app that serves the platform on the bare domain and
//! every wiki on `{slug}.{domain}`.
//!
//! Requests are dispatched by `Host` (see [`tenancy`]); wiki requests then pass the CSRF guard and
//! the context resolver ([`context`]) before reaching a view. Error responses are negotiated into
//! HTML, JSON or a login redirect in one place ([`negotiate`]).

pub mod api;
pub mod assets;
pub mod attachment_access;
pub mod cancel;
pub mod collaborators;
pub mod config;
pub mod context;
pub mod csrf;
pub mod dashboard;
pub mod error;
pub mod git_http;
pub mod limits;
pub mod listing_cache;
pub mod maintenance;
pub mod mcp;
pub mod negotiate;
pub mod notes;
pub mod oauth;
pub mod query_vectors;
pub mod render_cache;
pub mod respond;
pub mod seed;
pub mod session;
pub mod state;
pub mod templates;
pub mod tenancy;
pub mod thumbnail;
pub mod view_cache;
pub mod views;
pub mod wikis;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::{AtprotoConfig, GitConfig, SemanticConfig, ServerConfig};
pub use state::AppState;

use crate::context::WikiLabel;
use crate::error::AppError;
use crate::tenancy::{Site, resolve_site};

/// Largest request body accepted anywhere (attachments are the largest legitimate bodies: a
/// 25 MiB file is 33.4 MiB in the base64 of REST and MCP).
const MAX_BODY_BYTES: usize = 40 * 1024 * 1024;

/// Builds the whole application.
pub fn app(state: AppState) -> Router {
    let platform = views::platform::router(state.clone());
    let wiki = views::wiki_router(state.clone());
    let dispatch_state = Dispatch {
        domain: state.config.domain.clone(),
        loopback_alias: state.config.loopback_alias_host(),
        platform_callback: state.config.platform_url(views::atproto::CALLBACK_PATH),
        platform,
        wiki,
    };
    Router::new()
        .fallback(dispatch)
        .with_state(dispatch_state)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            negotiate::negotiate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(security_header("x-content-type-options", "nosniff"))
        .layer(security_header("x-frame-options", "SAMEORIGIN"))
        .layer(security_header("referrer-policy", "same-origin"))
        .layer(TraceLayer::new_for_http())
}

#[derive(Clone)]
struct Dispatch {
    domain: String,
    /// `127.0.0.1[:port]` when the platform is on `localhost` (see
    /// [`ServerConfig::loopback_alias_host`]); it only forwards the ATProto callback.
    loopback_alias: Option<String>,
    /// The ATProto callback on the platform host.
    platform_callback: String,
    platform: Router,
    wiki: Router,
}

async fn dispatch(State(d): State<Dispatch>, mut req: Request) -> Response {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let router = match resolve_site(host, &d.domain) {
        Site::Platform => d.platform,
        Site::Wiki(label) => {
            req.extensions_mut().insert(WikiLabel(label));
            d.wiki
        }
        // Caddy's on-demand TLS may ask on the loopback address rather than the platform host.
        Site::Unknown if req.uri().path() == dashboard::check_slug::PATH => d.platform,
        Site::Unknown if is_loopback_callback(&d, host, &req) => {
            // Forward the authorization server's redirect to the platform host, query intact:
            // the login's cookies live there.
            let query = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            return respond::redirect(&format!("{}{query}", d.platform_callback));
        }
        Site::Unknown => {
            return AppError::NotFound(format!("This server does not host “{host}”."))
                .into_response();
        }
    };
    match router.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// A GET of the ATProto callback on the loopback alias of a `localhost` platform.
fn is_loopback_callback(d: &Dispatch, host: &str, req: &Request) -> bool {
    d.loopback_alias
        .as_deref()
        .is_some_and(|alias| host.eq_ignore_ascii_case(alias))
        && req.method() == axum::http::Method::GET
        && req.uri().path() == views::atproto::CALLBACK_PATH
}

fn security_header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}

/// Serves the app on the configured address until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let bind = state.config.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {bind}: {err}"))?;
    tracing::info!(
        "robot.wtf listening on http://{bind} — platform at {}, wikis at {}",
        state.config.platform_url("/"),
        state.config.wiki_url("{slug}")
    );
    // The peer address feeds the per-IP rate limits.
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
