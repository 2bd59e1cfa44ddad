//! Attachment, search and link endpoints.

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::{body, ok, page, with_status};
use crate::api::Call;
use crate::api::error::ApiResult;
use crate::notes::{MAX_ATTACHMENT_BYTES, NotesError, NotesResult};

/// Standard base64 (RFC 4648), padding optional.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `GET /pages/{path}/attachments`.
pub async fn list(call: &Call<'_>) -> ApiResult<Response> {
    ok(&call.notes.attachments(&page(call)?).await?)
}

/// `POST /pages/{path}/attachments` with `{filename, content (base64), commit_message?}`.
pub async fn upload(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let body = body(call, true)?;
    let missing = "Request body must include 'filename' and 'content' fields";
    let filename = body.required_string("filename", missing)?;
    let content = body.required_string("content", missing)?;
    let bytes = decode(content)?;
    let stored = call
        .notes
        .attachment_put(&page, filename, bytes, body.string("commit_message")?)
        .await?;
    with_status(StatusCode::CREATED, &stored)
}

/// `GET /pages/{path}/attachments/{filename}`: `{filename, path, size, mime_type, content}`.
pub async fn download(call: &Call<'_>) -> ApiResult<Response> {
    let data = call
        .notes
        .attachment_get(&page(call)?, &filename(call)?)
        .await?;
    let mut value = serde_json::to_value(&data).map_err(NotesError::internal)?;
    value["content"] = serde_json::Value::String(BASE64.encode(&data.bytes));
    ok(&value)
}

/// `DELETE /pages/{path}/attachments/{filename}`.
pub async fn delete(call: &Call<'_>) -> ApiResult<Response> {
    let page = page(call)?;
    let name = filename(call)?;
    let body = body(call, false)?;
    ok(&call
        .notes
        .attachment_delete(&page, &name, body.string("commit_message")?)
        .await?)
}

/// `GET /links/{path}`.
pub async fn links(call: &Call<'_>) -> ApiResult<Response> {
    ok(&call.notes.links(&page(call)?).await?)
}

/// The `{filename}` URL parameter, percent-decoded once.
fn filename(call: &Call<'_>) -> NotesResult<String> {
    let raw = call.params.filename.as_deref().unwrap_or_default();
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            NotesError::invalid(
                "invalid_filename",
                "The file name is not valid UTF-8 after percent-decoding; check the URL.",
            )
        })
}

/// Decodes base64 content (whitespace and line breaks ignored), refusing oversized input before
/// decoding it.
fn decode(content: &str) -> NotesResult<Vec<u8>> {
    let compact: String = content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let max_encoded = MAX_ATTACHMENT_BYTES.div_ceil(3) * 4;
    if compact.len() > max_encoded {
        return Err(NotesError::TooLarge(format!(
            "Attachment too large (about {} bytes); the limit is {} MiB.",
            compact.len() / 4 * 3,
            MAX_ATTACHMENT_BYTES / 1024 / 1024
        )));
    }
    BASE64.decode(compact.as_bytes()).map_err(|err| {
        NotesError::invalid(
            "invalid_base64",
            format!(
                "Invalid base64 content ({err}); encode the file with standard base64 (RFC 4648)."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn base64_is_checked() {
        assert_eq!(decode("aGk=\n").ok(), Some(b"hi".to_vec()));
        assert_eq!(decode("aGk").ok(), Some(b"hi".to_vec()));
        assert_eq!(
            decode("a$b=").err().map(|e| e.code()),
            Some("invalid_base64")
        );
    }
}
