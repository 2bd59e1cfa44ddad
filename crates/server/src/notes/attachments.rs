//! Attachments: files stored in a page's folder. Uploads are last-write-wins (as in the
//! otterwiki-api); every change is still one commit.

use robot_store::{Change, CommitRequest, RepoPath};
use robot_wiki::{PagePath, sanitize_attachment_name};

use super::error::{NotesError, NotesResult};
use super::{
    AttachmentData, AttachmentDeleted, AttachmentInfo, AttachmentList, AttachmentStored,
    MAX_ATTACHMENT_BYTES, Notes, iso_date, page_of_file,
};
use crate::attachment_access::AttachmentAction;

impl Notes<'_> {
    /// The attachments of `page` (the page or its folder must exist), sorted by name.
    pub async fn attachments(&self, page: &PagePath) -> NotesResult<AttachmentList> {
        self.check(AttachmentAction::List)?;
        let lookup = page.clone();
        let (file, dir, files) = self
            .blocking(move |repo| {
                Ok((
                    repo.resolve_page(&lookup, None)?,
                    repo.is_dir(&lookup, None)?,
                    repo.attachments(&lookup)?,
                ))
            })
            .await?;
        if file.is_none() && dir.is_none() {
            return Err(NotesError::page_not_found(page));
        }
        let attachments: Vec<AttachmentInfo> = files
            .into_iter()
            .map(|a| AttachmentInfo {
                mime_type: mime_type(&a.name),
                filename: a.name,
                size: a.size,
                last_modified: a.last_change.map(|c| iso_date(c.time, c.tz_offset_minutes)),
            })
            .collect();
        Ok(AttachmentList {
            total: attachments.len(),
            attachments,
            path: stored_path(file.as_ref(), page),
        })
    }

    /// One attachment's bytes.
    pub async fn attachment_get(&self, page: &PagePath, name: &str) -> NotesResult<AttachmentData> {
        self.check(AttachmentAction::Download)?;
        let name = filename(name)?;
        let path = self.find_attachment(page, &name).await?;
        let read_path = path.clone();
        let blob = self
            .blocking(move |repo| repo.read(&read_path, None))
            .await?
            .ok_or_else(|| attachment_not_found(&name))?;
        let filename = path.file_name().to_string();
        Ok(AttachmentData {
            mime_type: mime_type(&filename),
            filename,
            path: page.to_string(),
            size: blob.size,
            bytes: blob.bytes,
        })
    }

    /// Stores `bytes` as attachment `name` of `page` (which must exist), replacing any file of
    /// that name.
    pub async fn attachment_put(
        &self,
        page: &PagePath,
        name: &str,
        bytes: Vec<u8>,
        message: Option<&str>,
    ) -> NotesResult<AttachmentStored> {
        self.check(AttachmentAction::Upload)?;
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(too_large(bytes.len()));
        }
        let name = filename(name)?;
        if name.to_ascii_lowercase().ends_with(".md") {
            return Err(NotesError::invalid(
                "invalid_filename",
                format!(
                    "“{name}” is a markdown file, which the wiki would treat as a sub-page; write \
                     it as a page instead (PUT the page {page}/{}).",
                    name[..name.len() - 3].trim()
                ),
            ));
        }
        let file = self.existing(page).await?;
        let lookup = page.clone();
        let (dir, existing) = self
            .blocking(move |repo| Ok((repo.is_dir(&lookup, None)?, repo.files(None)?)))
            .await?;
        let dir = match dir {
            Some(dir) => dir.to_string(),
            None => file
                .as_str()
                .strip_suffix(".md")
                .unwrap_or(file.as_str())
                .to_string(),
        };
        let path = RepoPath::parse(&format!("{dir}/{name}"))?;
        let replaced = existing.iter().any(|f| f.path == path);
        let size = bytes.len() as u64;
        let request = CommitRequest {
            author: self.ctx.author(),
            message: self.message(message, "Attach", &name),
            base: None,
            changes: vec![Change::Write {
                path,
                content: bytes,
            }],
        };
        let outcome = self.blocking(move |repo| repo.commit(request)).await?;
        Ok(AttachmentStored {
            mime_type: mime_type(&name),
            filename: name,
            path: stored_path(Some(&file), page),
            size,
            revision: outcome.id().to_string(),
            replaced,
        })
    }

    /// Deletes attachment `name` of `page`.
    pub async fn attachment_delete(
        &self,
        page: &PagePath,
        name: &str,
        message: Option<&str>,
    ) -> NotesResult<AttachmentDeleted> {
        self.check(AttachmentAction::Delete)?;
        let name = filename(name)?;
        let path = self.find_attachment(page, &name).await?;
        let filename = path.file_name().to_string();
        let request = CommitRequest {
            author: self.ctx.author(),
            message: self.message(message, "Delete attachment", &filename),
            base: None,
            changes: vec![Change::Delete { path }],
        };
        let outcome = self.blocking(move |repo| repo.commit(request)).await?;
        Ok(AttachmentDeleted {
            deleted: true,
            filename,
            revision: outcome.id().to_string(),
        })
    }

    /// Fails unless the caller may do `action`: the same check the web forms make.
    fn check(&self, action: AttachmentAction) -> NotesResult<()> {
        Ok(action.check(self.ctx)?)
    }

    /// The attachment `name` of `page`: exact name first, then case-insensitively.
    async fn find_attachment(&self, page: &PagePath, name: &str) -> NotesResult<RepoPath> {
        let lookup = page.clone();
        let (file, dir, files) = self
            .blocking(move |repo| {
                Ok((
                    repo.resolve_page(&lookup, None)?,
                    repo.is_dir(&lookup, None)?,
                    repo.files(None)?,
                ))
            })
            .await?;
        let Some(dir) = dir else {
            return Err(match file {
                Some(_) => attachment_not_found(name),
                None => NotesError::page_not_found(page),
            });
        };
        let prefix = format!("{dir}/");
        let in_dir = |f: &&robot_store::FileEntry| {
            f.path
                .as_str()
                .strip_prefix(&prefix)
                .is_some_and(|rest| !rest.contains('/') && !rest.ends_with(".md"))
        };
        let candidates: Vec<_> = files.iter().filter(in_dir).collect();
        candidates
            .iter()
            .find(|f| f.path.file_name() == name)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|f| f.path.file_name().to_lowercase() == name.to_lowercase())
            })
            .map(|f| f.path.clone())
            .ok_or_else(|| attachment_not_found(name))
    }
}

/// Validates an attachment file name: it must already be clean (no folders, no leading dots, no
/// `/ \ : * ? " < > |` or control characters).
fn filename(name: &str) -> NotesResult<String> {
    let trimmed = name.trim();
    let invalid = |hint: String| {
        NotesError::invalid(
            "invalid_filename",
            format!(
                "Invalid filename “{}”: use a plain file name without folders, leading dots, \
                 control characters or / \\ : * ? \" < > |{hint}.",
                trimmed.chars().take(200).collect::<String>().escape_debug()
            ),
        )
    };
    match sanitize_attachment_name(trimmed) {
        Ok(clean) if clean == trimmed => Ok(clean),
        Ok(clean) => Err(invalid(format!(", for example “{clean}”"))),
        Err(_) => Err(invalid(String::new())),
    }
}

fn attachment_not_found(name: &str) -> NotesError {
    NotesError::NotFound {
        code: "attachment_not_found",
        message: format!(
            "Attachment not found: {name}. List the page's attachments to see what exists."
        ),
    }
}

fn too_large(len: usize) -> NotesError {
    NotesError::TooLarge(format!(
        "Attachment too large ({len} bytes); the limit is {} MiB.",
        MAX_ATTACHMENT_BYTES / 1024 / 1024
    ))
}

fn mime_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_string()
}

fn stored_path(file: Option<&RepoPath>, page: &PagePath) -> String {
    file.and_then(|f| page_of_file(f.as_str()))
        .unwrap_or_else(|| page.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_must_be_clean() {
        assert_eq!(
            filename(" report 2026.pdf ").ok().as_deref(),
            Some("report 2026.pdf")
        );
        assert_eq!(filename("文件.pdf").ok().as_deref(), Some("文件.pdf"));
        for bad in ["../x.png", ".hidden", "a/b.png", "a:b", "", "..", "x\u{1}y"] {
            assert_eq!(
                filename(bad).err().map(|e| e.code()),
                Some("invalid_filename"),
                "{bad:?}"
            );
        }
    }
}
