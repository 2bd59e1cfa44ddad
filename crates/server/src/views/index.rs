//! The A–Z page index.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;

use super::helpers::{page_listing, wiki_chrome};
use crate::context::WikiCtx;
use crate::error::AppResult;
use crate::respond::page;
use crate::state::AppState;
use crate::templates::{IndexEntry, IndexTpl};

/// `GET /-/index`: every page and folder, grouped by the first letter of its top-level name.
pub async fn page_index(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
) -> AppResult<Response> {
    ctx.require_read()?;
    let entries = page_listing(&state, &ctx).await?;
    let count = entries.iter().filter(|e| !e.is_dir).count();
    let mut groups: Vec<(String, Vec<IndexEntry>)> = Vec::new();
    for entry in entries.iter().cloned() {
        let top = entry
            .url
            .trim_start_matches('/')
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default();
        let letter = if top.chars().all(char::is_alphabetic) {
            top
        } else {
            "#".to_string()
        };
        match groups.last_mut() {
            Some((current, list)) if *current == letter => list.push(entry),
            _ => groups.push((letter, vec![entry])),
        }
    }
    let chrome = wiki_chrome(&state, &ctx, "Page index", None).await?;
    page(&IndexTpl {
        chrome,
        count,
        groups,
    })
}
