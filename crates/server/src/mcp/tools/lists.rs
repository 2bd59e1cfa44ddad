//! Finding things: list_notes, search_notes, semantic_search, get_history, get_recent_changes.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, given};
use crate::context::WikiCtx;
use crate::mcp::output::{
    ChangeEntry, ChangesOut, HistoryOut, ListFilters, ListOut, Paging, SearchHit, SearchOut,
    SemanticHit, SemanticOut,
};
use crate::mcp::params::{
    GetHistory, ListNotes, RecentChanges, SearchNotes, SemanticSearch, clamp, offset,
};
use crate::mcp::{WikiMcp, format, reply};
use crate::notes::{self, ListFilter, Notes, Start, Surface};

/// Search hits can be fetched this deep (offset + limit) in one ranking.
const MAX_SEARCH_DEPTH: usize = 200;

#[tool_router(router = list_tools_router, vis = "pub(crate)")]
impl WikiMcp {
    /// List notes, optionally filtered.
    #[tool(
        description = "Notes by path with category, tags, last update and word count; filters combine with AND.",
        annotations(title = "List notes", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_notes(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<ListNotes>,
    ) -> CallToolResult {
        let start = offset(p.offset);
        let limit = clamp(p.limit, 100, 500);
        let filter = ListFilter {
            prefix: given(&p.prefix).map(str::to_string),
            category: given(&p.category).map(str::to_string),
            tag: given(&p.tag).map(str::to_string),
            updated_since: given(&p.updated_since).map(str::to_string),
        };
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes
            .list(&filter, Start::Offset(start), limit)
            .await
            .map(|list| {
                let out = ListOut {
                    filters: ListFilters {
                        prefix: p.prefix.trim().to_string(),
                        category: p.category.trim().to_string(),
                        tag: p.tag.trim().to_string(),
                        updated_since: p.updated_since.trim().to_string(),
                    },
                    paging: Paging {
                        total: Some(list.total),
                        offset: start,
                        limit,
                        next_offset: list.next_offset,
                    },
                    pages: list.pages,
                };
                reply::ok(&out, format::list_notes(&out))
            });
        answer("", outcome)
    }

    /// Full-text keyword search.
    #[tool(
        description = "Keyword search over note titles and bodies, ranked, with a snippet of each match.",
        annotations(title = "Search notes", read_only_hint = true, open_world_hint = false)
    )]
    async fn search_notes(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<SearchNotes>,
    ) -> CallToolResult {
        if p.query.trim().is_empty() {
            return reply::invalid("`query` must not be empty: give one or more words to find.");
        }
        let start = offset(p.offset).min(MAX_SEARCH_DEPTH);
        let limit = clamp(p.limit, 20, 100);
        let depth = (start + limit).min(MAX_SEARCH_DEPTH);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let filter = ListFilter {
            prefix: p.prefix,
            category: p.category,
            tag: p.tag,
            updated_since: p.updated_since,
        };
        let outcome = notes
            .search(&p.query, &filter, depth, 0)
            .await
            .map(|found| {
                let results: Vec<SearchHit> = found
                    .results
                    .into_iter()
                    .skip(start)
                    .map(|h| SearchHit {
                        name: h.name,
                        path: h.path,
                        score: h.score,
                        snippet: h.snippet,
                    })
                    .collect();
                let out = SearchOut {
                    query: found.query,
                    paging: search_paging(found.total, start, limit, results.len()),
                    results,
                };
                reply::ok(&out, format::search(&out))
            });
        answer("", outcome)
    }

    /// Search passages by meaning and keywords.
    #[tool(
        description = "Find passages by meaning: page, section (for read_note) and text. Says when recent changes are not embedded yet.",
        annotations(
            title = "Semantic search",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn semantic_search(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<SemanticSearch>,
    ) -> CallToolResult {
        if p.query.trim().is_empty() {
            return reply::invalid("`query` must not be empty: describe what you are looking for.");
        }
        let mode = match notes::search::parse_mode(p.mode.as_deref()) {
            Ok(mode) => mode,
            Err(e) => return reply::invalid(e),
        };
        let n = clamp(p.n, 5, 50);
        let per_page = clamp(p.max_chunks_per_page, 2, 5);
        let start = offset(p.offset).min(notes::search::MAX_PASSAGES);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let query = notes::search::PassageQuery {
            query: p.query.clone(),
            mode,
            filter: ListFilter {
                prefix: p.prefix,
                category: p.category,
                tag: p.tag,
                updated_since: p.updated_since,
            },
            limit: (start + n).min(notes::search::MAX_PASSAGES),
            per_page,
        };
        let outcome = notes.search_passages(&query).await.map(|found| {
            let total = found.total;
            let results: Vec<SemanticHit> = found
                .results
                .into_iter()
                .skip(start)
                .take(n)
                .map(|h| SemanticHit {
                    path: h.path,
                    distance: h.distance,
                    score: Some(h.score),
                    matched: h.matched,
                    chunk_index: Some(h.chunk_index),
                    total_chunks: Some(h.total_chunks),
                    page_word_count: None,
                    section_path: h.section_path,
                    text: h.text,
                })
                .collect();
            let mut paging = Paging::new(total, start, n, results.len());
            paging.next_offset = paging
                .next_offset
                .filter(|next| *next < notes::search::MAX_PASSAGES);
            let out = SemanticOut {
                query: found.query,
                mode: found.mode.into(),
                paging,
                results,
                commit: found.index.commit,
                chunks: found.index.chunks,
                pending_vectors: found.index.pending_vectors,
            };
            reply::ok(&out, format::semantic(&out))
        });
        answer("", outcome)
    }

    /// A note's revisions.
    #[tool(
        description = "A note's revisions, newest first, following renames, with the pages each changed.",
        annotations(title = "Note history", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_history(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<GetHistory>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let start = offset(p.offset);
        // 0 asks for the count alone.
        let limit = p
            .limit
            .map_or(10, |v| usize::try_from(v).unwrap_or(200).min(200));
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes.history(&path, limit, start).await.map(|h| {
            let out = HistoryOut {
                path: h.path,
                paging: Paging {
                    total: Some(h.total),
                    offset: start,
                    limit,
                    next_offset: h.next_offset,
                },
                history: h.history.into_iter().map(change).collect(),
            };
            reply::ok(&out, format::history(&out))
        });
        answer(&p.path, outcome)
    }

    /// Recent changes to the whole wiki.
    #[tool(
        description = "Recent changes to the wiki, newest first: date, author, pages and message.",
        annotations(
            title = "Recent changes",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_recent_changes(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<RecentChanges>,
    ) -> CallToolResult {
        let start = offset(p.offset);
        let limit = clamp(p.limit, 20, 200);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes.changelog(limit, start).await.map(|log| {
            let out = ChangesOut {
                paging: Paging {
                    total: Some(log.total),
                    offset: start,
                    limit,
                    next_offset: log.next_offset,
                },
                entries: log
                    .entries
                    .into_iter()
                    .map(|e| ChangeEntry {
                        revision: e.revision,
                        date: e.date,
                        author: e.author,
                        message: e.message,
                        pages_affected: e.pages_affected,
                    })
                    .collect(),
            };
            reply::ok(&out, format::recent_changes(&out))
        });
        answer("", outcome)
    }
}

/// Paging of a ranked search: the true total, but no next page past the ranking depth.
fn search_paging(total: usize, start: usize, limit: usize, returned: usize) -> Paging {
    let mut paging = Paging::new(total, start, limit, returned);
    paging.next_offset = paging.next_offset.filter(|next| *next < MAX_SEARCH_DEPTH);
    paging
}

/// A commit of a page's history.
fn change(c: notes::ChangelogEntry) -> ChangeEntry {
    ChangeEntry {
        revision: c.revision,
        date: c.date,
        author: c.author,
        message: c.message,
        pages_affected: c.pages_affected,
    }
}
