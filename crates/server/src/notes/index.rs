//! Queries answered from the page catalog and link graph (`robot_index`): listing with filters
//! and pagination, links, the whole graph, orphans. The catalog follows the wiki's head on every
//! call, so these answers are never stale, and none of them reads pages one by one.

use std::sync::Arc;

use robot_index::{Catalog, PageEntry, PageFilter};
use robot_wiki::{PagePath, lookup_key_for_file};

use super::error::{NotesError, NotesResult};
use super::{Edge, Graph, Links, ListFilter, Notes, Orphans, PageList, PageSummary, Start};

/// A catalog error as the notes report it.
pub(super) fn index_error(err: robot_index::IndexError) -> NotesError {
    match err {
        robot_index::IndexError::Store(store) => store.into(),
        other => NotesError::internal(other),
    }
}

/// The links of `page` in `catalog`, both ways.
pub(super) fn links_in(catalog: &Catalog, page: &PagePath) -> Links {
    let names = |pages: Vec<PagePath>| pages.iter().map(ToString::to_string).collect();
    Links {
        path: catalog
            .get(page)
            .map(|e| e.path.to_string())
            .unwrap_or_else(|| page.to_string()),
        links_to: names(catalog.links_from(page)),
        linked_from: names(catalog.links_to(page)),
    }
}

/// Most pages returned by one listing call.
pub const MAX_LIST_LIMIT: usize = 1000;

impl Notes<'_> {
    /// The wiki's current catalog.
    pub(super) async fn catalog(&self) -> NotesResult<Arc<Catalog>> {
        let cache = Arc::clone(&self.state.catalogs);
        let repo = Arc::clone(&self.ctx.repo);
        let slug = self.ctx.wiki.slug.to_string();
        tokio::task::spawn_blocking(move || cache.catalog(&slug, &repo))
            .await?
            .map_err(index_error)
    }

    /// Pages matching `filter`, sorted by path (case-insensitively), `limit` (1 to 1000) of them
    /// from `start`.
    pub async fn list(
        &self,
        filter: &ListFilter,
        start: Start,
        limit: usize,
    ) -> NotesResult<PageList> {
        self.require_read()?;
        let updated_since = match filter
            .updated_since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(text) => Some(parse_since(text)?),
            None => None,
        };
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        let catalog = self.catalog().await?;
        let matching = catalog.list(&PageFilter {
            prefix: filter.prefix.clone(),
            category: filter.category.clone(),
            tag: filter.tag.clone(),
            updated_since,
        });
        let total = matching.len();
        let skip = match &start {
            Start::Offset(n) => (*n).min(total),
            Start::Cursor(cursor) => {
                let after = lookup_key_for_file(cursor.trim());
                matching
                    .iter()
                    .take_while(|e| e.path.lookup_key() <= after)
                    .count()
            }
        };
        let pages: Vec<PageSummary> = matching
            .iter()
            .skip(skip)
            .take(limit)
            .map(|e| page_summary(e))
            .collect();
        let end = skip + pages.len();
        let more = end < total;
        Ok(PageList {
            next_offset: more.then_some(end),
            next_cursor: more.then(|| pages.last().map(|p| p.path.clone())).flatten(),
            pages,
            total,
        })
    }

    /// What `page` links to and what links to it (empty lists for a page that does not exist).
    pub async fn links(&self, page: &PagePath) -> NotesResult<Links> {
        self.require_read()?;
        Ok(links_in(&*self.catalog().await?, page))
    }

    /// The whole link graph: every page and link target, every link.
    pub async fn graph(&self) -> NotesResult<Graph> {
        self.require_read()?;
        let (nodes, edges) = self.catalog().await?.graph();
        Ok(Graph {
            nodes,
            edges: edges
                .into_iter()
                .map(|(source, target)| Edge { source, target })
                .collect(),
        })
    }

    /// Pages no other page links to (`Home` excepted), sorted.
    pub async fn orphans(&self) -> NotesResult<Orphans> {
        self.require_read()?;
        let catalog = self.catalog().await?;
        let orphans: Vec<String> = catalog
            .orphans()
            .into_iter()
            .map(|e| e.path.to_string())
            .collect();
        Ok(Orphans {
            total: orphans.len(),
            orphans,
        })
    }
}

fn page_summary(entry: &PageEntry) -> PageSummary {
    PageSummary {
        name: entry.title.clone(),
        path: entry.path.to_string(),
        category: entry.category.clone(),
        tags: entry.tags.clone(),
        last_updated: chrono::DateTime::from_timestamp(entry.last_updated, 0)
            .map(|t| t.format("%Y-%m-%d").to_string()),
        content_length: entry.words,
    }
}

/// An ISO 8601 date or date-time as seconds since the epoch; naive values are UTC.
pub(super) fn parse_since(text: &str) -> NotesResult<i64> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(t.and_utc().timestamp());
        }
    }
    if let Some(t) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(t.and_utc().timestamp());
    }
    Err(NotesError::invalid(
        "invalid_updated_since",
        "Invalid updated_since format. Use ISO 8601, for example 2026-03-08 or \
         2026-03-08T12:00:00Z.",
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn parses_iso_dates() {
        assert_eq!(parse_since("1970-01-02").ok(), Some(86_400));
        assert_eq!(parse_since("1970-01-01T01:00:00+01:00").ok(), Some(0));
        assert_eq!(parse_since("1970-01-01T00:01:00").ok(), Some(60));
        assert_eq!(parse_since("1970-01-01T00:00:00.5Z").ok(), Some(0));
        assert!(parse_since("yesterday").is_err());
    }
}
