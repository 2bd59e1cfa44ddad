//! Page tools: read_note, write_note, rename_note, delete_note, diff_note, whoami.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, commit_message, given, page};
use crate::context::WikiCtx;
use crate::mcp::output::{
    DeleteOut, DiffOut, NoteOut, Permissions, RenameOut, WhoamiOut, WriteOut,
};
use crate::mcp::params::{DeleteNote, DiffNote, NoArgs, ReadNote, RenameNote, WriteNote};
use crate::mcp::{WikiMcp, format, reply};
use crate::notes::{Notes, Surface};

#[tool_router(router = page_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// Read a note: its frontmatter, content and WikiLinks.
    #[tool(
        description = "Read a note: markdown, frontmatter, links and its `revision` (write_note and edit_note need it). `section` reads one section, `revision` a past version.",
        annotations(title = "Read note", read_only_hint = true, open_world_hint = false)
    )]
    async fn read_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<ReadNote>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes
            .read(&path, given(&p.revision), given(&p.section))
            .await
            .map(|note| {
                let out = NoteOut {
                    name: note.name,
                    path: note.path,
                    revision: note.revision,
                    section: note.section.clone(),
                    frontmatter: note.frontmatter.as_object().cloned().unwrap_or_default(),
                    links_to: if note.section.is_some() {
                        Vec::new()
                    } else {
                        note.links_to
                    },
                    linked_from: if note.section.is_some() {
                        Vec::new()
                    } else {
                        note.linked_from
                    },
                    content: note.content,
                };
                reply::ok(&out, format::read_note(&out))
            });
        answer(&p.path, outcome)
    }

    /// Create or overwrite a whole note.
    #[tool(
        description = "Create a note or replace its whole markdown content. For an existing note pass the `revision` you read: changes made since that do not overlap yours are merged, overlapping ones refused.",
        annotations(
            title = "Write note",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn write_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<WriteNote>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = notes
            .write(&path, &p.content, given(&p.revision), message.as_deref())
            .await
            .map(|w| {
                let out = WriteOut {
                    path: w.path,
                    revision: w.revision,
                    created: w.created,
                    merged: w.merged,
                    unchanged: !w.changed,
                    operation: None,
                };
                reply::ok(&out, format::write(&out))
            });
        answer(&p.path, outcome)
    }

    /// Rename (move) a note and rewrite links to it.
    #[tool(
        description = "Rename (move) a note and rewrite the links to it, in one commit.",
        annotations(
            title = "Rename note",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn rename_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<RenameNote>,
    ) -> CallToolResult {
        let (from, to) = match (page(&p.path), page(&p.new_path)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(result), _) | (_, Err(result)) => return result,
        };
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = notes
            .rename(&from, &to, true, message.as_deref())
            .await
            .map(|r| {
                let out = RenameOut {
                    old_path: r.old_path,
                    new_path: r.new_path,
                    revision: r.revision,
                    updated_pages: r.updated_pages,
                };
                reply::ok(&out, format::rename(&out))
            });
        answer(&p.path, outcome)
    }

    /// Delete a note.
    #[tool(
        description = "Delete a note (git history keeps it): confirm with the user first.",
        annotations(
            title = "Delete note",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<DeleteNote>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let message = commit_message(&p.commit_message);
        let outcome = notes
            .delete(&path, None, false, message.as_deref())
            .await
            .map(|d| {
                let out = DeleteOut {
                    path: d.path,
                    revision: d.revision,
                };
                reply::ok(&out, format::delete(&out))
            });
        answer(&p.path, outcome)
    }

    /// Show what changed in a note between two revisions.
    #[tool(
        description = "Unified diff of a note between two revisions (from get_history or read_note).",
        annotations(title = "Diff note", read_only_hint = true, open_world_hint = false)
    )]
    async fn diff_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<DiffNote>,
    ) -> CallToolResult {
        let path = page_or_reply!(&p.path);
        if p.from.trim().is_empty() {
            return reply::invalid(
                "`from` must be a revision: take one from get_history (or read_note's `revision`).",
            );
        }
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        let outcome = notes
            .diff(&path, p.from.trim(), given(&p.to))
            .await
            .map(|d| {
                let out = DiffOut {
                    path: d.path,
                    from: d.from,
                    to: d.to,
                    diff: d.unified,
                };
                reply::ok(&out, format::diff(&out))
            });
        answer(&p.path, outcome)
    }

    /// Who am I on this wiki, and what may I do?
    #[tool(
        description = "Which wiki this is, who you act as, and what you may do.",
        annotations(title = "Who am I", read_only_hint = true, open_world_hint = false)
    )]
    async fn whoami(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(_): Parameters<NoArgs>,
    ) -> CallToolResult {
        let me = Notes::new(&self.state, &ctx, Surface::Mcp).whoami();
        let author = ctx.author();
        let out = WhoamiOut {
            wiki: me.wiki,
            wiki_name: me.wiki_name,
            url: ctx.url.clone(),
            principal: me.principal.to_string(),
            token: me.token,
            role: me.role,
            user: me.user,
            author: format!("{} <{}>", author.name, author.email),
            permissions: Permissions {
                read: me.permissions.read,
                write: me.permissions.write,
                upload: me.permissions.upload,
                admin: me.permissions.admin,
            },
        };
        reply::ok(&out, format::whoami(&out))
    }
}
