//! Files beside a note: list_attachments, upload_attachment, download_attachment,
//! delete_attachment. Contents travel base64-encoded.

use std::sync::Arc;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, commit_message};
use crate::context::WikiCtx;
use crate::mcp::output::{
    AttachmentDeletedOut, AttachmentEntry, AttachmentOut, AttachmentsOut, DownloadOut, Paging,
};
use crate::mcp::params::{
    AttachmentRef, DeleteAttachment, ListAttachments, UploadAttachment, clamp, offset,
};
use crate::mcp::{WikiMcp, format, reply, schema};
use crate::notes::{MAX_ATTACHMENT_BYTES, Notes, Surface};

#[tool_router(router = attachment_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// A note's attachments.
    #[tool(
        description = "Files attached to a note.",
        output_schema = schema::output::<AttachmentsOut>(),
        annotations(
            read_only_hint = true
        )
    )]
    async fn list_attachments(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<ListAttachments>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let start = offset(p.offset);
        let limit = clamp(p.limit, 100, 500);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes.attachments(&path).await.map(|list| {
            let total = list.attachments.len();
            let attachments: Vec<AttachmentEntry> = list
                .attachments
                .into_iter()
                .skip(start)
                .take(limit)
                .map(|a| AttachmentEntry {
                    filename: a.filename,
                    size: a.size,
                    mime_type: a.mime_type,
                    last_modified: a.last_modified,
                })
                .collect();
            let out = AttachmentsOut {
                path: list.path,
                paging: Paging::new(total, start, limit, attachments.len()),
                attachments,
            };
            reply::ok(&out, format::attachments(&out))
        });
        answer(&p.path, outcome)
    }

    /// Attach a file to a note.
    #[tool(
        description = "Attach a file to a note; link it as [[name]] or ![](name).",
        output_schema = schema::output::<AttachmentOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
        )
    )]
    async fn upload_attachment(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<UploadAttachment>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        if p.filename.trim().is_empty() {
            return reply::invalid("`filename` must not be empty, e.g. `diagram.png`.");
        }
        let bytes = match decode_base64(&p.content) {
            Ok(bytes) => bytes,
            Err(message) => return reply::invalid(message),
        };
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = notes
            .attachment_put(&path, p.filename.trim(), bytes, message.as_deref())
            .await
            .map(|stored| {
                let out = AttachmentOut {
                    path: stored.path,
                    filename: stored.filename,
                    size: stored.size,
                    mime_type: stored.mime_type,
                    revision: stored.revision,
                };
                reply::ok(&out, format::uploaded(&out))
            });
        answer(&p.path, outcome)
    }

    /// Fetch an attachment.
    #[tool(
        description = "A note's attachment, base64.",
        output_schema = schema::output::<DownloadOut>(),
        annotations(
            read_only_hint = true
        )
    )]
    async fn download_attachment(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<AttachmentRef>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes
            .attachment_get(&path, p.filename.trim())
            .await
            .map(|data| {
                let out = DownloadOut {
                    path: data.path,
                    filename: data.filename,
                    size: data.size,
                    mime_type: data.mime_type,
                    content: base64::engine::general_purpose::STANDARD.encode(&data.bytes),
                };
                reply::ok(&out, format::downloaded(&out))
            });
        answer(&p.path, outcome)
    }

    /// Delete an attachment.
    #[tool(
        description = "Delete an attachment (history keeps it); confirm with the user first.",
        output_schema = schema::output::<AttachmentDeletedOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
        )
    )]
    async fn delete_attachment(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<DeleteAttachment>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = notes
            .attachment_delete(&path, p.filename.trim(), message.as_deref())
            .await
            .map(|deleted| {
                let out = AttachmentDeletedOut {
                    path: path.to_string(),
                    filename: deleted.filename,
                    revision: deleted.revision,
                };
                reply::ok(&out, format::attachment_deleted(&out))
            });
        answer(&p.path, outcome)
    }
}

/// Decodes standard or URL-safe base64, with or without padding, ignoring whitespace and a
/// `data:…;base64,` prefix. Refuses anything over the attachment limit before decoding it.
fn decode_base64(raw: &str) -> Result<Vec<u8>, String> {
    let raw = raw.trim();
    let raw = match raw
        .strip_prefix("data:")
        .and_then(|r| r.split_once(";base64,"))
    {
        Some((_, data)) => data,
        None => raw,
    };
    let cleaned: String = raw.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if cleaned.is_empty() {
        return Err("`content` must not be empty: pass the file's bytes, base64-encoded.".into());
    }
    if cleaned.len() / 4 * 3 > MAX_ATTACHMENT_BYTES + 3 {
        return Err(format!(
            "Attachment too large: at most {} MiB once decoded.",
            MAX_ATTACHMENT_BYTES / 1024 / 1024
        ));
    }
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, config);
    standard
        .decode(&cleaned)
        .or_else(|_| url_safe.decode(&cleaned))
        .map_err(|err| {
            format!(
                "Invalid base64 content ({err}). Encode the file's bytes with standard base64 \
                 (A–Z, a–z, 0–9, +, /, = padding)."
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_variants_decode() {
        assert_eq!(decode_base64("aGk="), Ok(b"hi".to_vec()));
        assert_eq!(decode_base64("aGk"), Ok(b"hi".to_vec()));
        assert_eq!(decode_base64(" aG\nk= "), Ok(b"hi".to_vec()));
        assert_eq!(
            decode_base64("data:text/plain;base64,aGk="),
            Ok(b"hi".to_vec())
        );
        assert_eq!(decode_base64("-_8"), Ok(vec![0xfb, 0xff]));
    }

    #[test]
    fn bad_base64_is_refused() {
        assert!(decode_base64("").unwrap_err().contains("must not be empty"));
        assert!(
            decode_base64("not base64!!")
                .unwrap_err()
                .contains("Invalid base64")
        );
        let huge = "A".repeat(MAX_ATTACHMENT_BYTES / 3 * 4 + 100);
        assert!(decode_base64(&huge).unwrap_err().contains("too large"));
    }
}
