//! One handler per [`Op`]: parse the HTTP input, call the notes service, shape the response.

mod files;
mod pages;
mod search;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use robot_wiki::PagePath;
use serde::Serialize;

use super::Call;
use super::error::ApiResult;
use super::input::JsonBody;
use super::openapi;
use super::routes::{Endpoint, Op};
use crate::notes::{self, NotesResult};

/// Runs the handler of `endpoint`.
pub(crate) async fn handle(endpoint: &Endpoint, call: &Call<'_>) -> ApiResult<Response> {
    match endpoint.op {
        Op::Health => Ok(Json(serde_json::json!({ "status": "ok" })).into_response()),
        Op::OpenApi => Ok(Json(openapi::document(&call.wiki_url)).into_response()),
        Op::WhoAmI => ok(&call.notes.whoami()),
        Op::Usage => ok(&call.notes.usage().await?),
        Op::ListPages => pages::list(call).await,
        Op::ReadPage => pages::read(call).await,
        Op::WritePage => pages::write(call).await,
        Op::EditPage => pages::edit(call).await,
        Op::DeletePage => pages::delete(call).await,
        Op::RenamePage => pages::rename(call).await,
        Op::History => pages::history(call).await,
        Op::Diff => pages::diff(call).await,
        Op::Sections => pages::sections(call).await,
        Op::Changelog => pages::changelog(call).await,
        Op::ListAttachments => files::list(call).await,
        Op::UploadAttachment => files::upload(call).await,
        Op::DownloadAttachment => files::download(call).await,
        Op::DeleteAttachment => files::delete(call).await,
        Op::Search => search::search(call).await,
        Op::SemanticSearch => search::semantic(call).await,
        Op::Reindex => search::reindex(call).await,
        Op::ReindexStatus => search::reindex_status(call).await,
        Op::Links => files::links(call).await,
        Op::Graph => ok(&call.notes.graph().await?),
        Op::Orphans => ok(&call.notes.orphans().await?),
        Op::Context => pages::context(call).await,
        Op::RestorePage => pages::restore(call).await,
        Op::Tree => pages::tree(call).await,
    }
}

/// 200 with `value` as JSON.
fn ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(Json(value).into_response())
}

/// `status` with `value` as JSON.
fn with_status<T: Serialize>(status: StatusCode, value: &T) -> ApiResult<Response> {
    Ok((status, Json(value)).into_response())
}

/// The page named by the `{path}` URL parameter.
fn page(call: &Call<'_>) -> NotesResult<PagePath> {
    notes::page_path_from_url(call.params.path.as_deref().unwrap_or_default())
}

/// The request body as a JSON object.
fn body(call: &Call<'_>, required: bool) -> NotesResult<JsonBody> {
    JsonBody::parse(&call.body, required)
}
