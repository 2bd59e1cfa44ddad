//! Page endpoints: list, read, write, edit, delete, rename, history, diff, sections, changelog.

use axum::http::StatusCode;
use axum::response::Response;

use super::{body, ok, page, with_status};
use crate::api::Call;
use crate::api::error::ApiResult;
use crate::notes::{self, ChangeQuery, ContextQuery, EditOp, ListFilter, NotesError, Start};

/// Default and largest `limit` of history and changelog pages.
const LOG_DEFAULT: usize = 50;
/// Default and largest `limit` of a page listing (the otterwiki-api returned every page).
const LIST_DEFAULT: usize = 1000;

/// `GET /pages`.
pub async fn list(call: &Call<'_>) -> ApiResult<Response> {
    let q = &call.query;
    let filter = ListFilter {
        prefix: q.get("prefix").map(str::to_string),
        category: q.get("category").map(str::to_string),
        tag: q.get("tag").map(str::to_string),
        updated_since: q.get("updated_since").map(str::to_string),
    };
    let start = match (q.get("cursor"), q.get("offset")) {
        (Some(_), Some(_)) => {
            return Err(NotesError::invalid(
                "invalid_query",
                "Use either 'offset' or 'cursor', not both.",
            )
            .into());
        }
        (Some(cursor), None) => Start::Cursor(cursor.to_string()),
        (None, _) => Start::Offset(q.number("offset", 0)?),
    };
    let limit = match q.number("limit", LIST_DEFAULT)? {
        0 => LIST_DEFAULT,
        n => n,
    };
    ok(&call.notes.list(&filter, start, limit).await?)
}

/// `GET /pages/{path}`.
pub async fn read(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let q = &call.query;
    ok(&call
        .notes
        .read(&page, q.get("revision"), q.get("section"))
        .await?)
}

/// `PUT /pages/{path}`: 201 when created, 200 when replaced.
pub async fn write(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, true)?;
    let content = body.required_string("content", "Request body must include 'content' field")?;
    let revision = body.string("revision")?;
    let message = body.string("commit_message")?;
    let outcome = call.notes.write(&page, content, revision, message).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    with_status(status, &outcome)
}

/// `PATCH /pages/{path}`: find-and-replace (`old_string`, `new_string`) or one `op`.
pub async fn edit(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, true)?;
    let revision = body.string("revision")?;
    let message = body.string("commit_message")?;
    let op = if body.has("op") {
        serde_json::from_value::<EditOp>(body.value()).map_err(|err| {
            NotesError::invalid(
                "invalid_field",
                format!(
                    "Invalid edit ({err}). Use op `append` or `prepend` with `text`; \
                     `replace_section`, `insert_before_section` or `insert_after_section` with \
                     `section` and `text`; `replace_all` with `old`, `new` and `expected`; \
                     `set_frontmatter` with `fields`; or send `old_string` and `new_string` \
                     without `op`."
                ),
            )
        })?
    } else {
        EditOp::Replace {
            old: body
                .required_string("old_string", "Missing required field: old_string")?
                .to_string(),
            new: body
                .required_string("new_string", "Missing required field: new_string")?
                .to_string(),
        }
    };
    ok(&call.notes.edit(&page, &op, revision, message).await?)
}

/// `DELETE /pages/{path}`.
pub async fn delete(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, false)?;
    let outcome = call
        .notes
        .delete(
            &page,
            body.string("revision")?,
            body.bool("recursive")?.unwrap_or(false),
            body.string("commit_message")?,
        )
        .await?;
    ok(&outcome)
}

/// `POST /pages/{path}/rename`.
pub async fn rename(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, true)?;
    let new_path = body
        .required_string("new_path", "Request body must include 'new_path' field")?
        .trim();
    if new_path.is_empty() {
        return Err(NotesError::invalid("missing_field", "new_path must not be empty").into());
    }
    let target = notes::page_path(new_path)?;
    let outcome = call
        .notes
        .rename(
            &page,
            &target,
            body.bool("update_links")?.unwrap_or(true),
            body.string("commit_message")?,
        )
        .await?;
    ok(&outcome)
}

/// `GET /pages/{path}/history`.
pub async fn history(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let (limit, offset) = paging(call)?;
    ok(&call.notes.history(&page, limit, offset).await?)
}

/// `GET /pages/{path}/diff?from=&to=`.
pub async fn diff(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let from = call.query.get("from").ok_or_else(|| {
        NotesError::invalid(
            "missing_field",
            "Query parameter 'from' is required: the older revision (see the page's history).",
        )
    })?;
    ok(&call.notes.diff(&page, from, call.query.get("to")).await?)
}

/// `GET /pages/{path}/sections`.
pub async fn sections(call: &Call<'_>) -> ApiResult<Response> {
    ok(&call.notes.sections(&page(call)?).await?)
}

/// `GET /pages/{path}/context`.
pub async fn context(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let defaults = ContextQuery::default();
    let query = ContextQuery {
        depth: call.query.number("depth", defaults.depth)?,
        max_notes: call.query.number("max_notes", defaults.max_notes)?,
        since: call.query.get("since").map(str::to_string),
        max_bytes: call.query.number("max_bytes", defaults.max_bytes)?,
    };
    ok(&call.notes.context(&page, &query).await?)
}

/// `POST /pages/{path}/restore`.
pub async fn restore(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, true)?;
    let to = body.required_string("to", "Missing required field: to (the revision to restore)")?;
    let outcome = call
        .notes
        .restore(
            &page,
            to,
            body.string("revision")?,
            body.string("commit_message")?,
        )
        .await?;
    ok(&outcome)
}

/// `GET /tree`.
pub async fn tree(call: &Call<'_>) -> ApiResult<Response> {
    let depth = call.query.number("depth", 2)?;
    ok(&call
        .notes
        .tree(call.query.get("prefix").unwrap_or(""), depth)
        .await?)
}

/// `GET /changelog?since=&folder=`.
pub async fn changelog(call: &Call<'_>) -> ApiResult<Response> {
    let (limit, offset) = paging(call)?;
    let query = ChangeQuery {
        limit,
        offset,
        since: call.query.get("since").map(str::to_string),
        folder: call.query.get("folder").map(str::to_string),
    };
    ok(&call.notes.changelog(&query).await?)
}

/// `limit` (0 means the most allowed, as "all" did in the otterwiki-api) and `offset`.
fn paging(call: &Call<'_>) -> ApiResult<(usize, usize)> {
    let limit = match call.query.number("limit", LOG_DEFAULT)? {
        0 => usize::MAX,
        n => n,
    };
    Ok((limit, call.query.number("offset", 0)?))
}
