//! The MCP server at `/mcp` on every wiki host: the otterwiki-mcp tool set (same names,
//! parameters and text layout) and more, served by rmcp over streamable HTTP.
//!
//! - **Stateless.** Each POST stands alone (no `Mcp-Session-Id`), so clients survive restarts and
//!   any instance can answer any request. Replies are plain JSON when the client accepts it.
//! - **Bearer tokens only.** [`auth::gate`] demands `Authorization: Bearer <per-wiki token>` and
//!   answers with an RFC 6750 challenge pointing at the RFC 9728 document
//!   ([`auth::protected_resource`]); the context resolver then yields the request's
//!   [`WikiCtx`], which rmcp hands every tool inside the request `Parts`.
//! - **One write path.** Tools call the notes service ([`crate::notes`]) directly, never HTTP;
//!   commits are marked `[mcp]` and authored by the token's owner.
//! - **Agent-friendly results.** Every tool returns text laid out as otterwiki-mcp did
//!   ([`format`]) plus the same data as `structuredContent` ([`output`]); every error says what to
//!   do next ([`reply`]).

pub mod auth;
pub mod format;
pub mod output;
pub mod params;
pub mod reply;
pub mod resources;
mod schema;
mod tools;

use std::sync::Arc;

use axum::Router;
use axum::http::request::Parts;
use axum::middleware;
use axum::routing::get;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::context::{WikiCtx, resolve_wiki};
use crate::error::AppError;
use crate::limits::{ClientKey, Scope};
use crate::notes::{Notes, Surface};
use crate::state::AppState;

/// Largest MCP request body: a 25 MiB attachment, base64-encoded, plus the JSON around it.
pub const MAX_BODY_BYTES: usize = 36 * 1024 * 1024;

/// What the server tells agents when they connect.
const INSTRUCTIONS: &str = "A robot.wtf wiki: markdown pages in git, shared by people and \
agents. Start with read_note Agent_Guide (how to work here) and build_context on a topic's page. \
Pass the `revision` you read when you write: changes made meanwhile are merged unless they overlap \
yours. Link pages as [[Page]]. The template Home can be replaced without a revision.";

/// The routes of the MCP endpoint and its discovery document, to merge into the wiki router.
///
/// `/mcp` sits behind [`auth::gate`] and [`resolve_wiki`], and not behind the CSRF guard: it
/// accepts no cookies, so there is no ambient credential to protect.
pub fn router(state: AppState) -> Router {
    let tools = Arc::new(WikiMcp::all_tools());
    let app = state.clone();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        // The dispatcher matched the host against `{slug}.{domain}` and the gate checks the port;
        // rmcp's list cannot say "any wiki host".
        .disable_allowed_hosts()
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    let service = StreamableHttpService::new(
        move || {
            Ok(WikiMcp {
                state: app.clone(),
                tools: Arc::clone(&tools),
            })
        },
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(state.clone(), resolve_wiki))
        .layer(middleware::from_fn_with_state(state.clone(), auth::gate))
        .route(auth::RESOURCE_METADATA_PATH, get(auth::protected_resource))
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(auth::protected_resource),
        )
        .with_state(state)
}

/// One MCP request's server. Built per request (stateless); the tool table is shared.
#[derive(Clone)]
pub struct WikiMcp {
    state: AppState,
    tools: Arc<ToolRouter<WikiMcp>>,
}

impl WikiMcp {
    /// Every tool, built once.
    fn all_tools() -> ToolRouter<WikiMcp> {
        let mut tools = WikiMcp::page_tools()
            + WikiMcp::edit_tools()
            + WikiMcp::list_tools_router()
            + WikiMcp::graph_tools()
            + WikiMcp::context_tools()
            + WikiMcp::attachment_tools();
        for route in tools.map.values_mut() {
            route.attr.input_schema = Arc::new(schema::compact(&route.attr.input_schema));
            if let Some(output) = &route.attr.output_schema {
                route.attr.output_schema = Some(Arc::new(schema::compact(output)));
            }
            route.attr.annotations = route
                .attr
                .annotations
                .take()
                .map(schema::compact_annotations)
                .filter(|hints| *hints != ToolAnnotations::default());
        }
        tools
    }
}

/// The request's wiki context, which the resolver put in the HTTP request's extensions.
fn wiki_of(context: &RequestContext<RoleServer>) -> Option<Arc<WikiCtx>> {
    context
        .extensions
        .get::<Parts>()
        .and_then(|parts| parts.extensions.get::<Arc<WikiCtx>>())
        .cloned()
}

impl WikiMcp {
    /// Tools that change the wiki spend the caller's write budget (per token, as on the REST
    /// API); a refusal is a tool error saying when to retry. Reads are never limited here.
    fn spend_write_budget(&self, tool: &str, wiki: &WikiCtx) -> Option<CallToolResult> {
        let read_only = self
            .tools
            .get(tool)
            .and_then(|t| t.annotations.as_ref())
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        if read_only {
            return None;
        }
        let key = wiki.credential_key().unwrap_or(ClientKey::Unknown);
        let refused = self.state.limits.check(Scope::Write, &key).err()?;
        Some(reply::from_app(AppError::RateLimited {
            message: refused.message(),
            retry_after: refused.retry_after,
        }))
    }
}

impl ServerHandler for WikiMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("robot.wtf", env!("CARGO_PKG_VERSION"))
                .with_title("robot.wtf wiki"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(wiki) = wiki_of(&context) else {
            return Ok(reply::internal("the request reached the MCP server without a wiki").into());
        };
        let name = request.name.to_string();
        if let Some(refused) = self.spend_write_budget(&name, &wiki) {
            return Ok(refused.into());
        }
        context.extensions.insert(wiki);
        let started = std::time::Instant::now();
        let call = ToolCallContext::new(self, request, context);
        let response = self.tools.call(call).await?;
        tracing::debug!(tool = %name, elapsed_us = started.elapsed().as_micros(), "mcp tool call");
        Ok(reply::explain_argument_errors(
            &name,
            response,
            self.tools.get(&name),
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.list_all()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.get(name).cloned()
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let wiki = require_wiki(&context)?;
        let notes = Notes::new(&self.state, &wiki, Surface::Mcp);
        let cursor = request.as_ref().and_then(|r| r.cursor.as_deref());
        resources::list(&notes, &wiki, cursor).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let wiki = require_wiki(&context)?;
        Ok(resources::templates(&wiki))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let wiki = require_wiki(&context)?;
        let notes = Notes::new(&self.state, &wiki, Surface::Mcp);
        Ok(resources::read(&notes, &wiki, &request.uri).await?.into())
    }
}

/// The request's wiki context, or the error that says it is missing.
fn require_wiki(context: &RequestContext<RoleServer>) -> Result<Arc<WikiCtx>, ErrorData> {
    wiki_of(context).ok_or_else(|| {
        ErrorData::internal_error("the request reached the MCP server without a wiki", None)
    })
}
