//! Pages as MCP resources, for clients that browse resources rather than call tools: every page
//! is `wiki://{slug}/{Page_Path}` (the page's URL path under the wiki's slug, `text/markdown`),
//! listed a hundred at a time and described by one URI template per wiki.
//!
//! The scheme is our own rather than the page's `https` address because a client cannot fetch a
//! private wiki's page from the web by itself; reading goes through this connection and its token.

use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};

use crate::context::WikiCtx;
use crate::notes::{self, ListFilter, Notes, NotesError, Start};

/// Pages per `resources/list` page.
const PAGE_SIZE: usize = 100;

/// MIME type of every page resource.
const MARKDOWN: &str = "text/markdown";

/// `wiki://{slug}/`: what every resource URI of this wiki starts with.
fn prefix(ctx: &WikiCtx) -> String {
    format!("wiki://{}/", ctx.wiki.slug)
}

/// The wiki's pages, sorted by path, from `cursor` (an offset given by the previous page).
pub async fn list(
    notes: &Notes<'_>,
    ctx: &WikiCtx,
    cursor: Option<&str>,
) -> Result<ListResourcesResult, ErrorData> {
    let offset = match cursor {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| {
            ErrorData::invalid_params(
                "cursor is not one this server gave; start again without it",
                None,
            )
        })?,
    };
    let list = notes
        .list(&ListFilter::default(), Start::Offset(offset), PAGE_SIZE)
        .await
        .map_err(to_error)?;
    let base = prefix(ctx);
    let resources = list
        .pages
        .into_iter()
        .filter_map(|page| {
            let path = notes::page_path(&page.path).ok()?;
            let uri = format!("{}{}", base.trim_end_matches('/'), path.url());
            Some(
                Resource::new(uri, page.path)
                    .with_title(page.name)
                    .with_mime_type(MARKDOWN),
            )
        })
        .collect();
    let mut result = ListResourcesResult::with_all_items(resources);
    result.next_cursor = list.next_offset.map(|next| next.to_string());
    Ok(result)
}

/// The one template: any page by path.
pub fn templates(ctx: &WikiCtx) -> ListResourceTemplatesResult {
    let base = prefix(ctx);
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(format!("{base}{{+path}}"), "page")
            .with_title("Wiki page")
            .with_description(format!(
                "A page's markdown by path, spaces as `_`: {base}Projects/Big_Plan"
            ))
            .with_mime_type(MARKDOWN),
    ])
}

/// The page `uri` names, as markdown.
pub async fn read(
    notes: &Notes<'_>,
    ctx: &WikiCtx,
    uri: &str,
) -> Result<ReadResourceResult, ErrorData> {
    let base = prefix(ctx);
    let Some(raw) = uri.strip_prefix(&base).filter(|rest| !rest.is_empty()) else {
        return Err(ErrorData::resource_not_found(
            format!("{uri} is not a page of this wiki: its pages are {base}{{path}}"),
            None,
        ));
    };
    let page = notes::page_path_from_url(raw).map_err(to_error)?;
    let note = notes.read(&page, None, None).await.map_err(to_error)?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::TextResourceContents {
            uri: uri.to_string(),
            mime_type: Some(MARKDOWN.into()),
            text: note.content,
            meta: None,
        },
    ]))
}

/// A notes error as the JSON-RPC error resource requests answer with.
fn to_error(err: NotesError) -> ErrorData {
    match &err {
        NotesError::NotFound { .. } => ErrorData::resource_not_found(err.to_string(), None),
        NotesError::Invalid { .. } => ErrorData::invalid_params(err.to_string(), None),
        NotesError::Forbidden(_) | NotesError::Unauthenticated { .. } => {
            ErrorData::invalid_request(err.to_string(), None)
        }
        _ => {
            tracing::error!(error = %err, "mcp resource request failed");
            ErrorData::internal_error("the wiki could not answer; try again", None)
        }
    }
}
