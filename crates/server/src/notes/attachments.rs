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
        let mut stored = self
            .attachments_put(page, vec![(name.to_string(), bytes)], message)
            .await?;
        stored
            .pop()
            .ok_or_else(|| NotesError::internal(anyhow::anyhow!("no attachment was stored")))
    }

    /// Stores several files as attachments of `page` (the page or its folder must exist) in one
    /// commit, replacing files of the same names. The rules every surface shares: the upload
    /// permission, at most [`MAX_ATTACHMENT_BYTES`] per file, clean file names, no `.md` (that
    /// would be a sub-page), and An Otter Wiki's default messages ("Added attachment(s): a, b."
    /// or "Updated attachment: a." for one replaced file).
    pub async fn attachments_put(
        &self,
        page: &PagePath,
        files: Vec<(String, Vec<u8>)>,
        message: Option<&str>,
    ) -> NotesResult<Vec<AttachmentStored>> {
        self.check(AttachmentAction::Upload)?;
        if files.is_empty() {
            return Err(NotesError::invalid(
                "missing_field",
                "Send at least one file to attach.",
            ));
        }
        let mut named = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            if bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(too_large(&name, bytes.len()));
            }
            let name = filename(&name)?;
            if name.to_ascii_lowercase().ends_with(".md") {
                return Err(NotesError::invalid(
                    "invalid_filename",
                    format!(
                        "“{name}” is a markdown file, which the wiki would treat as a sub-page; \
                         write it as a page instead (PUT the page {page}/{}).",
                        name[..name.len() - 3].trim()
                    ),
                ));
            }
            named.push((name, bytes));
        }
        let lookup = page.clone();
        let (file, dir, existing) = self
            .blocking(move |repo| {
                Ok((
                    repo.resolve_page(&lookup, None)?,
                    repo.is_dir(&lookup, None)?,
                    repo.files(None)?,
                ))
            })
            .await?;
        let dir = match (&dir, &file) {
            (Some(dir), _) => dir.to_string(),
            (None, Some(file)) => file
                .as_str()
                .strip_suffix(".md")
                .unwrap_or(file.as_str())
                .to_string(),
            (None, None) => return Err(NotesError::page_not_found(page)),
        };
        let mut changes = Vec::with_capacity(named.len());
        let mut replaced = Vec::with_capacity(named.len());
        for (name, bytes) in &named {
            let path = RepoPath::parse(&format!("{dir}/{name}"))?;
            replaced.push(existing.iter().any(|f| f.path == path));
            changes.push(Change::Write {
                path,
                content: bytes.clone(),
            });
        }
        let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        let default = if named.len() == 1 && replaced[0] {
            format!("Updated attachment: {}.", names[0])
        } else {
            format!("Added attachment(s): {}.", names.join(", "))
        };
        let request = CommitRequest {
            author: self.ctx.author(),
            message: self.message_or(message, &default),
            base: None,
            changes,
        };
        let outcome = self.blocking(move |repo| repo.commit(request)).await?;
        let revision = outcome.id().to_string();
        let path = stored_path(file.as_ref(), page);
        Ok(named
            .into_iter()
            .zip(replaced)
            .map(|((name, bytes), replaced)| AttachmentStored {
                mime_type: mime_type(&name),
                filename: name,
                path: path.clone(),
                size: bytes.len() as u64,
                revision: revision.clone(),
                replaced,
            })
            .collect())
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

fn too_large(name: &str, len: usize) -> NotesError {
    NotesError::TooLarge(format!(
        "Attachment “{}” is too large ({len} bytes); the limit is {} MiB per file.",
        name.chars().take(200).collect::<String>(),
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
