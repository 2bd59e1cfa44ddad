//! What each attachment action requires, decided in one place for every surface.
//!
//! The web forms, the REST API and MCP tools all change attachments; each used to check its own
//! permission, and they drifted (the web form's delete checked `write`, REST checked `upload`).
//! Now each surface names the [`AttachmentAction`] it performs and calls
//! [`AttachmentAction::check`], so a surface cannot ask for less than another.

use crate::context::WikiCtx;
use crate::error::AppResult;

/// Something a request does to a page's attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentAction {
    /// List a page's attachments, or show one with its history.
    List,
    /// Download a file (or its thumbnail).
    Download,
    /// Add files (upload form, editor drag-and-drop, REST, MCP).
    Upload,
    /// Replace a file's content.
    Replace,
    /// Rename a file.
    Rename,
    /// Delete a file.
    Delete,
}

/// The permission an [`AttachmentAction`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Reading the wiki.
    Read,
    /// Changing attachments (the wiki's attachment access level; implies write).
    Upload,
}

impl AttachmentAction {
    /// What the action needs: reading for looking, the attachment permission for any change.
    pub fn needs(self) -> Needs {
        match self {
            AttachmentAction::List | AttachmentAction::Download => Needs::Read,
            AttachmentAction::Upload
            | AttachmentAction::Replace
            | AttachmentAction::Rename
            | AttachmentAction::Delete => Needs::Upload,
        }
    }

    /// Fails unless the request's principal may do this. Call it before looking anything up,
    /// so a refusal cannot tell an outsider which files exist.
    pub fn check(self, ctx: &WikiCtx) -> AppResult<()> {
        match self.needs() {
            Needs::Read => ctx.require_read(),
            Needs::Upload => ctx.require_upload(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_needs_the_attachment_permission() {
        use AttachmentAction::*;
        for action in [Upload, Replace, Rename, Delete] {
            assert_eq!(action.needs(), Needs::Upload, "{action:?}");
        }
        for action in [List, Download] {
            assert_eq!(action.needs(), Needs::Read, "{action:?}");
        }
    }
}
