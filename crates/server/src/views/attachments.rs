//! Attachments: files stored in a page's folder. Listing, upload (form and editor drag-and-drop),
//! raw download with thumbnails, replace, rename, delete and per-file history.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Request};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};
use axum::response::{IntoResponse, Response};
use robot_store::{Change, CommitId, CommitRequest, LogQuery, RepoPath};
use robot_wiki::{PagePath, sanitize_attachment_name};

use super::helpers::{
    blocking, change_row, encode, page_title, query_param, resolve_revision, wiki_chrome,
};
use super::{Form, field};
use crate::attachment_access::AttachmentAction;
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::notes::{Notes, Surface};
use crate::respond::{page, redirect_with_flash};
use crate::state::AppState;
use crate::templates::{AttachmentRow, AttachmentTpl, AttachmentsTpl};
use crate::thumbnail::{MAX_THUMBNAIL, Thumbnail};

/// `GET /{page}/attachments`.
pub async fn list(state: &AppState, ctx: &WikiCtx, page_path: PagePath) -> AppResult<Response> {
    AttachmentAction::List.check(ctx)?;
    let lookup = page_path.clone();
    let files = blocking(&ctx.repo, move |repo| repo.attachments(&lookup)).await?;
    let rows = files
        .iter()
        .map(|a| AttachmentRow {
            name: a.name.clone(),
            name_url: encode(&a.name),
            url: format!("{}/a/{}", page_path.url(), encode(&a.name)),
            size: human_size(a.size),
            changed: a
                .last_change
                .as_ref()
                .map(|c| {
                    let row = change_row(c);
                    format!("{} · {}", row.date, row.author)
                })
                .unwrap_or_default(),
            is_image: is_image(&a.name),
            kind: kind(&a.name).to_string(),
        })
        .collect();
    let title = page_title(&page_path, None);
    let chrome = wiki_chrome(
        state,
        ctx,
        &format!("Attachments of {title}"),
        Some(&page_path),
    )
    .await?;
    page(&AttachmentsTpl {
        chrome,
        title,
        page_url: page_path.url(),
        files: rows,
    })
}

/// `GET /{page}/attachment/{name}`: one attachment with its history and actions.
pub async fn manage_form(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    name: &str,
) -> AppResult<Response> {
    AttachmentAction::List.check(ctx)?;
    let path = find(ctx, &page_path, name).await?;
    let log_path = path.clone();
    let commits = blocking(&ctx.repo, move |repo| {
        repo.log(&LogQuery {
            path: Some(log_path),
            follow_renames: true,
            skip: 0,
            limit: 200,
        })
    })
    .await?;
    let title = page_title(&page_path, None);
    let chrome = wiki_chrome(state, ctx, name, Some(&page_path)).await?;
    page(&AttachmentTpl {
        chrome,
        title,
        page_url: page_path.url(),
        name: name.to_string(),
        name_url: encode(name),
        url: format!("{}/a/{}", page_path.url(), encode(name)),
        is_image: is_image(name),
        history: commits.iter().map(change_row).collect(),
    })
}

/// `GET /{page}/a/{name}`: the raw file, optionally at a revision or as a thumbnail.
pub async fn raw(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    name: &str,
    query: &str,
) -> AppResult<Response> {
    AttachmentAction::Download.check(ctx)?;
    let revision = match query_param(query, "revision") {
        Some(rev) => Some(resolve_revision(ctx, &rev).await?),
        None => None,
    };
    let path = find_at(ctx, &page_path, name, revision.clone()).await?;
    serve(state, ctx, path, revision, query).await
}

/// Serves `/{page}/{file}` page URLs that name an attachment of `{page}` (An Otter Wiki's
/// "auto route", and what `./file` links in pages point at). `None` if no such file exists.
pub async fn serve_by_page_url(
    state: &AppState,
    ctx: &WikiCtx,
    raw_path: &str,
    query: &str,
) -> AppResult<Option<Response>> {
    let Some((parent, file)) = raw_path.trim_matches('/').rsplit_once('/') else {
        return Ok(None);
    };
    let Ok(page_path) = PagePath::from_url_path(parent) else {
        return Ok(None);
    };
    let name = percent_encoding::percent_decode_str(file)
        .decode_utf8_lossy()
        .into_owned();
    let revision = match query_param(query, "revision") {
        Some(rev) => Some(resolve_revision(ctx, &rev).await?),
        None => None,
    };
    match find_at(ctx, &page_path, &name, revision.clone()).await {
        Ok(path) => Ok(Some(serve(state, ctx, path, revision, query).await?)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

async fn serve(
    state: &AppState,
    ctx: &WikiCtx,
    path: RepoPath,
    revision: Option<CommitId>,
    query: &str,
) -> AppResult<Response> {
    let at = revision.clone();
    let read_path = path.clone();
    let blob = blocking(&ctx.repo, move |repo| repo.read(&read_path, at.as_ref()))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No file {path}.")))?;
    let name = path
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let thumbnail = query_param(query, "thumbnail")
        .or_else(|| query_param(query, "size"))
        .map(|v| v.parse::<u32>().unwrap_or(80).clamp(16, MAX_THUMBNAIL));
    let original = Bytes::from(blob.bytes);
    let bytes = match thumbnail {
        Some(size) if is_raster(&name) => {
            match state
                .thumbnails
                .get(&blob.blob_id, original.clone(), size)
                .await
            {
                Thumbnail::Scaled(thumb) => thumb,
                Thumbnail::Original => original,
            }
        }
        _ => original,
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    // Attachments are user content: never let them run script in our origin.
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'; sandbox"),
    );
    let inline = is_image(&name)
        || matches!(mime.type_().as_str(), "video" | "audio")
        || mime.essence_str() == "application/pdf";
    let content_type = if mime.type_() == "text" && !inline {
        "text/plain; charset=utf-8".to_string()
    } else {
        mime.to_string()
    };
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    let disposition = if inline || mime.type_() == "text" {
        "inline"
    } else {
        "attachment"
    };
    let ascii_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        encode(&name)
    )) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    let cache = if revision.is_some() {
        "private, max-age=604800, immutable"
    } else {
        "private, max-age=60"
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

async fn find(ctx: &WikiCtx, page_path: &PagePath, name: &str) -> AppResult<RepoPath> {
    find_at(ctx, page_path, name, None).await
}

async fn find_at(
    ctx: &WikiCtx,
    page_path: &PagePath,
    name: &str,
    at: Option<CommitId>,
) -> AppResult<RepoPath> {
    let lookup = page_path.clone();
    let wanted = name.to_string();
    blocking(&ctx.repo, move |repo| {
        let Some(dir) = repo.is_dir(&lookup, at.as_ref())? else {
            return Ok(None);
        };
        let prefix = format!("{}/", dir.as_str());
        let files = repo.files(at.as_ref())?;
        // Files directly in the folder, exact name first, then any case; `.md` files there are
        // sub-pages, not attachments.
        let in_folder = |f: &&robot_store::FileEntry| -> Option<String> {
            let rest = f.path.as_str().strip_prefix(&prefix)?;
            (!rest.contains('/') && extension(rest) != "md").then(|| rest.to_string())
        };
        let hit = files
            .iter()
            .find(|f| in_folder(f).is_some_and(|rest| rest == wanted))
            .or_else(|| {
                files
                    .iter()
                    .find(|f| in_folder(f).is_some_and(|rest| rest.eq_ignore_ascii_case(&wanted)))
            });
        Ok(hit.map(|f| f.path.clone()))
    })
    .await?
    .ok_or_else(|| AppError::NotFound(format!("“{page_path}” has no attachment “{name}”.")))
}

/// Reads the uploaded files of a multipart form, plus its text fields.
async fn read_upload(mut multipart: Multipart) -> AppResult<(Vec<(String, Vec<u8>)>, Form)> {
    let mut files = Vec::new();
    let mut fields = Vec::new();
    while let Some(part) = multipart.next_field().await.map_err(|err| {
        AppError::BadRequest(format!("The upload was interrupted or malformed: {err}"))
    })? {
        let name = part.name().unwrap_or_default().to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) if name == "file" => {
                let bytes = part.bytes().await.map_err(|err| {
                    AppError::BadRequest(format!("Could not read “{file_name}”: {err}"))
                })?;
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                files.push((attachment_name(&file_name)?, bytes.to_vec()));
            }
            _ => {
                let value = part
                    .text()
                    .await
                    .map_err(|err| AppError::BadRequest(format!("Bad form field: {err}")))?;
                fields.push((name, value));
            }
        }
    }
    Ok((files, fields))
}

/// Stores the uploaded files in one commit through the notes service (the rules and default
/// messages every surface shares).
async fn store_files(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: &PagePath,
    files: Vec<(String, Vec<u8>)>,
    message: Option<&str>,
) -> AppResult<()> {
    Notes::new(state, ctx, Surface::Web)
        .attachments_put(page_path, files, message)
        .await?;
    Ok(())
}

/// `POST /{page}/attachments`: multi-file upload from the attachments page.
pub async fn upload(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    multipart: Multipart,
) -> AppResult<Response> {
    AttachmentAction::Upload.check(ctx)?;
    let (files, fields) = read_upload(multipart).await?;
    if files.is_empty() {
        return Err(AppError::BadRequest(
            "Choose at least one file to upload.".into(),
        ));
    }
    let count = files.len();
    store_files(state, ctx, &page_path, files, field(&fields, "message")).await?;
    Ok(redirect_with_flash(
        &format!("{}/attachments", page_path.url()),
        "ok",
        &format!("Uploaded {count} file(s)."),
    ))
}

/// `POST /{page}/inline_attachment`: the editor's drag-and-drop / paste upload.
pub async fn inline_upload(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    multipart: Multipart,
) -> AppResult<Response> {
    AttachmentAction::Upload.check(ctx)?;
    let (files, _) = read_upload(multipart).await?;
    let Some(name) = files.first().map(|(name, _)| name.clone()) else {
        return Err(AppError::BadRequest("No file in the upload.".into()));
    };
    store_files(
        state,
        ctx,
        &page_path,
        files,
        Some("Uploaded via inline attachment"),
    )
    .await?;
    let link = format!("./{}", encode(&name));
    let markdown = if is_image(&name) {
        format!("![{name}]({link})")
    } else {
        format!("[{name}]({link})")
    };
    Ok(Json(serde_json::json!({
        "filename": link,
        "url": format!("{}/a/{}", page_path.url(), encode(&name)),
        "markdown": markdown,
    }))
    .into_response())
}

/// `POST /{page}/attachment/{name}`: replace (multipart), rename or delete (forms).
pub async fn manage(
    state: &AppState,
    ctx: &WikiCtx,
    page_path: PagePath,
    name: &str,
    req: Request,
) -> AppResult<Response> {
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let back = format!("{}/attachments", page_path.url());
    if is_multipart {
        // Checked before looking anything up, so the answer cannot tell an outsider which files
        // exist.
        AttachmentAction::Replace.check(ctx)?;
        let path = find(ctx, &page_path, name).await?;
        let (files, _) = read_upload(super::multipart(req).await?).await?;
        let Some((_, bytes)) = files.into_iter().next() else {
            return Err(AppError::BadRequest(
                "Choose a file to replace it with.".into(),
            ));
        };
        // The file keeps the name it has (found case-insensitively).
        let stored_name = path.file_name().to_string();
        store_files(state, ctx, &page_path, vec![(stored_name, bytes)], None).await?;
        return Ok(redirect_with_flash(
            &back,
            "ok",
            &format!("Replaced {name}."),
        ));
    }
    let form = super::form(req).await?;
    let action = match field(&form, "action") {
        Some("rename") => AttachmentAction::Rename,
        Some("delete") => AttachmentAction::Delete,
        _ => return Err(AppError::BadRequest("Unknown attachment action.".into())),
    };
    action.check(ctx)?;
    let path = find(ctx, &page_path, name).await?;
    if action == AttachmentAction::Rename {
        let new_name = attachment_name(field(&form, "new_name").unwrap_or_default())?;
        let dir = path
            .as_str()
            .rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or_default();
        let to = RepoPath::parse(&format!("{dir}/{new_name}"))?;
        commit(
            ctx,
            vec![Change::Move { from: path, to }],
            format!("Renamed {name} to {new_name}"),
        )
        .await?;
        return Ok(redirect_with_flash(
            &back,
            "ok",
            &format!("Renamed {name} to {new_name}."),
        ));
    }
    commit(
        ctx,
        vec![Change::Delete { path }],
        format!("Deleted {name}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &back,
        "ok",
        &format!("Deleted {name}."),
    ))
}

async fn commit(ctx: &WikiCtx, changes: Vec<Change>, message: String) -> AppResult<()> {
    let request = CommitRequest {
        author: ctx.author(),
        message,
        base: None,
        changes,
    };
    blocking(&ctx.repo, move |repo| repo.commit(request)).await?;
    Ok(())
}

/// A safe attachment file name. Markdown files in a page's folder are sub-pages, so an upload
/// may not create or overwrite one (that would bypass the editor's conflict check).
fn attachment_name(raw: &str) -> AppResult<String> {
    let name = sanitize_attachment_name(raw)?;
    if extension(&name) == "md" {
        return Err(AppError::BadRequest(format!(
            "“{name}” would be a sub-page, not an attachment: rename the file (e.g. to .txt) or create the page instead."
        )));
    }
    Ok(name)
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_raster(name: &str) -> bool {
    matches!(
        extension(name).as_str(),
        "png" | "jpg" | "jpeg" | "gif" | "webp"
    )
}

fn is_image(name: &str) -> bool {
    is_raster(name) || extension(name) == "svg"
}

fn kind(name: &str) -> &'static str {
    match extension(name).as_str() {
        "pdf" => "pdf",
        "zip" | "gz" | "tgz" | "tar" | "7z" | "xz" => "archive",
        "mp4" | "webm" | "mov" => "video",
        "mp3" | "ogg" | "wav" | "flac" => "audio",
        "txt" | "md" | "csv" | "json" | "yaml" | "yml" | "toml" => "text",
        _ => "file",
    }
}

fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
    }
}
