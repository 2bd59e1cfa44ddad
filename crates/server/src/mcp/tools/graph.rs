//! The link graph: get_links, find_orphaned_notes.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::answer;
use crate::context::WikiCtx;
use crate::mcp::output::{LinksOut, OrphansOut, Paging};
use crate::mcp::params::{Paged, PathOnly, clamp, offset};
use crate::mcp::{WikiMcp, format, reply, schema};
use crate::notes::{Notes, Surface};

#[tool_router(router = graph_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// A note's outgoing and incoming WikiLinks.
    #[tool(
        description = "Pages a note links to and pages linking to it.",
        output_schema = schema::output::<LinksOut>(),
        annotations(read_only_hint = true)
    )]
    async fn get_links(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<PathOnly>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes.links(&path).await.map(|l| {
            let out = LinksOut {
                path: l.path,
                links_to: l.links_to,
                linked_from: l.linked_from,
            };
            reply::ok(&out, format::links(&out))
        });
        answer(&p.path, outcome)
    }

    /// Notes nothing links to.
    #[tool(
        description = "Notes no page links to (Home excepted).",
        output_schema = schema::output::<OrphansOut>(),
        annotations(read_only_hint = true)
    )]
    async fn find_orphaned_notes(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<Paged>,
    ) -> CallToolResult {
        let start = offset(p.offset);
        let limit = clamp(p.limit, 100, 500);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes.orphans().await.map(|o| {
            let total = o.orphans.len();
            let orphans: Vec<String> = o.orphans.into_iter().skip(start).take(limit).collect();
            let out = OrphansOut {
                paging: Paging::new(total, start, limit, orphans.len()),
                orphans,
            };
            reply::ok(&out, format::orphans(&out))
        });
        answer("", outcome)
    }
}
