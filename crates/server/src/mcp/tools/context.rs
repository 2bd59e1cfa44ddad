//! `build_context`: a note and what surrounds it, in one call.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, given};
use crate::context::WikiCtx;
use crate::mcp::params::BuildContext;
use crate::mcp::{WikiMcp, format, reply, schema};
use crate::notes::{Context, ContextQuery, Notes, Surface};

#[tool_router(router = context_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// A note with the notes linked to and from it.
    #[tool(
        description = "A note, the notes linked to and from it (a line each) and latest changes, in `max_bytes`.",
        output_schema = schema::output::<Context>(),
        annotations(read_only_hint = true)
    )]
    async fn build_context(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<BuildContext>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let defaults = ContextQuery::default();
        let query = ContextQuery {
            depth: p.depth.map_or(defaults.depth, to_usize),
            max_notes: p.max_notes.map_or(defaults.max_notes, to_usize),
            since: given(&p.since).map(str::to_string),
            max_bytes: p.max_bytes.map_or(defaults.max_bytes, to_usize),
        };
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes
            .context(&path, &query)
            .await
            .map(|context| reply::ok(&context, format::context(&context)));
        answer(&p.path, outcome)
    }
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}
