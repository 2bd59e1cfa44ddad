//! Finding things: list_notes, search_notes, semantic_search, get_history, get_recent_changes.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, given};
use crate::context::WikiCtx;
use crate::mcp::output::{
    ChangeEntry, ChangesOut, HistoryOut, ListFilters, ListOut, PageEntry, Paging, SearchHit,
    SearchOut, SemanticHit, SemanticOut,
};
use crate::mcp::params::{
    GetHistory, ListNotes, RecentChanges, SearchNotes, SemanticSearch, clamp, offset,
};
use crate::mcp::{WikiMcp, format, reply, schema};
use crate::notes::{self, ChangeQuery, ListFilter, Notes, Start, Surface, Tree};

/// Search hits can be fetched this deep (offset + limit) in one ranking.
const MAX_SEARCH_DEPTH: usize = 200;

#[tool_router(router = list_tools_router, vis = "pub(crate)")]
impl WikiMcp {
    /// List notes, optionally filtered.
    #[tool(
        description = "Notes with category, tags, last update and words; filters combine with AND. `depth`: folder tree instead.",
        output_schema = schema::output_of_either::<ListOut, Tree>(),
        annotations(read_only_hint = true)
    )]
    async fn list_notes(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<ListNotes>,
    ) -> CallToolResult {
        if let Some(depth) = p.depth {
            if [&p.category, &p.tag, &p.updated_since]
                .iter()
                .any(|f| given(f).is_some())
            {
                return reply::invalid(
                    "`depth` lists the folder tree under `prefix` only; leave out category, tag \
                     and updated_since (or leave out depth for a filtered list of pages).",
                );
            }
            let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
            let depth = usize::try_from(depth).unwrap_or(usize::MAX);
            let outcome = notes
                .tree(&p.prefix, depth)
                .await
                .map(|tree| reply::ok(&tree, format::tree(&tree, p.prefix.trim())));
            return answer("", outcome);
        }
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
                    pages: list.pages.into_iter().map(PageEntry::from).collect(),
                };
                reply::ok(&out, format::list_notes(&out))
            });
        answer("", outcome)
    }

    /// Full-text keyword search.
    #[tool(
        description = "Keyword search, best first; filters as list_notes.",
        output_schema = schema::output::<SearchOut>(),
        annotations(read_only_hint = true)
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
        description = "Passages by meaning with their section; filters as list_notes.",
        output_schema = schema::output::<SemanticOut>(),
        annotations(
            read_only_hint = true
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
        description = "A note's revisions, newest first, following renames.",
        output_schema = schema::output::<HistoryOut>(),
        annotations(read_only_hint = true)
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
        description = "Wiki changes, newest first.",
        output_schema = schema::output::<ChangesOut>(),
        annotations(
            read_only_hint = true
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
        let query = ChangeQuery {
            limit,
            offset: start,
            since: given(&p.since).map(str::to_string),
            folder: given(&p.folder).map(str::to_string),
        };
        let outcome = notes.changelog(&query).await.map(|log| {
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
