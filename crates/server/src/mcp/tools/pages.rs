//! Page tools: read_note, write_note, rename_note, delete_note, diff_note, whoami.

use std::sync::Arc;

use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::{answer, commit_message, given, page};
use crate::context::WikiCtx;
use crate::mcp::output::{
    DeleteOut, DiffOut, NoteOut, Permissions, ReadError, ReadNotesOut, RenameOut, WhoamiOut,
    WriteOut,
};
use crate::mcp::params::{DeleteNote, DiffNote, NoArgs, ReadNote, RenameNote, WriteNote};
use crate::mcp::{WikiMcp, format, reply, schema};
use crate::notes::{Notes, Surface};

#[tool_router(router = page_tools, vis = "pub(crate)")]
impl WikiMcp {
    /// Read a note: its frontmatter, content and WikiLinks.
    #[tool(
        description = "A note's markdown, frontmatter, links and `revision` (pass it back when writing).",
        output_schema = schema::output_of_either::<NoteOut, ReadNotesOut>(),
        annotations(read_only_hint = true)
    )]
    async fn read_note(
        &self,
        Extension(ctx): Extension<Arc<WikiCtx>>,
        Parameters(p): Parameters<ReadNote>,
    ) -> CallToolResult {
        let notes = Notes::new(&self.state, &ctx, Surface::Mcp);
        if let Some(paths) = p.paths.as_ref().filter(|paths| !paths.is_empty()) {
            if given(&p.path).is_some() || given(&p.revision).is_some() {
                return reply::invalid(
                    "pass either `path` (with `revision` or `section`) or `paths`, not both.",
                );
            }
            return read_several(&notes, paths).await;
        }
        let path = page_or_reply!(&p.path);
        let outcome = notes
            .read(&path, given(&p.revision), given(&p.section))
            .await
            .map(|note| {
                let out = NoteOut::from_note(note);
                reply::ok(&out, format::read_note(&out))
            });
        answer(&p.path, outcome)
    }

    /// Create or overwrite a whole note.
    #[tool(
        description = "Create or replace a whole note, or `restore` a past revision. Pass the `revision` you read; edits since are merged unless they overlap. Link as [[Page]] or [[Page|text]].",
        output_schema = schema::output::<WriteOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
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
        let restore = given(&p.restore);
        let outcome = match (&p.content, restore) {
            (Some(_), Some(_)) => {
                return reply::invalid(
                    "pass either `content` (the new text) or `restore` (a past revision), not both.",
                );
            }
            (None, None) => {
                return reply::invalid(
                    "`content` is required: the whole new markdown of the note (or pass `restore` \
                     with a revision from get_history to bring that version back).",
                );
            }
            (Some(content), None) => {
                notes
                    .write(&path, content, given(&p.revision), message.as_deref())
                    .await
            }
            (None, Some(to)) => {
                notes
                    .restore(&path, to, given(&p.revision), message.as_deref())
                    .await
            }
        };
        let outcome = outcome.map(|w| {
            let operation = restore.map(|to| format!("restore to {}", format::short(to)));
            let out = WriteOut::from_outcome(w, operation);
            reply::ok(&out, format::write(&out))
        });
        answer(&p.path, outcome)
    }

    /// Rename (move) a note and rewrite links to it.
    #[tool(
        description = "Rename a note and rewrite the links to it, in one commit.",
        output_schema = schema::output::<RenameOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
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
        description = "Delete a note (history keeps it); confirm with the user first.",
        output_schema = schema::output::<DeleteOut>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
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
        description = "Unified diff of a note between two revisions.",
        output_schema = schema::output::<DiffOut>(),
        annotations(read_only_hint = true)
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
        description = "This wiki, who you are, what you may do.",
        output_schema = schema::output::<WhoamiOut>(),
        annotations(read_only_hint = true)
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

/// Most notes or sections one `read_note` call reads with `paths`.
pub const MAX_READ_NOTES: usize = 20;

/// `read_note` with `paths`: each `Path` or `Path#Section` read at the wiki's current head, the
/// failures reported beside the notes read.
async fn read_several(notes: &Notes<'_>, paths: &[String]) -> CallToolResult {
    if paths.len() > MAX_READ_NOTES {
        return reply::invalid(format!(
            "`paths` lists {} notes; read at most {MAX_READ_NOTES} at once.",
            paths.len()
        ));
    }
    let mut out = ReadNotesOut::default();
    for asked in paths {
        let (raw_path, section) = match asked.split_once('#') {
            Some((path, section)) => (path, given(section)),
            None => (asked.as_str(), None),
        };
        let path = match page(raw_path) {
            Ok(path) => path,
            Err(refused) => {
                out.errors.push(ReadError::from_result(asked, &refused));
                continue;
            }
        };
        match notes.read(&path, None, section).await {
            Ok(note) => out.notes.push(NoteOut::from_note(note)),
            Err(err) => {
                let refused = reply::from_notes(err, raw_path);
                out.errors.push(ReadError::from_result(asked, &refused));
            }
        }
    }
    reply::ok(&out, format::read_notes(&out))
}
