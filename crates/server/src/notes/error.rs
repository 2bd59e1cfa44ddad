//! The one error type of the notes service: a stable machine code plus a message that says what
//! to do next. Transport-neutral: the REST layer maps it to HTTP statuses, MCP to tool text.

use robot_store::StoreError;
use serde::Serialize;

use crate::error::AppError;

/// Details of a write refused because the page changed since the caller's base revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictInfo {
    /// Human message (what happened and how to recover).
    pub message: String,
    /// The page's revision now (full sha of the last commit that touched it); empty if the page
    /// no longer exists.
    pub current_revision: String,
    /// Unified diff of what changed in the page between the caller's base and now.
    pub diff: String,
    /// Repository paths whose edits overlap.
    pub paths: Vec<String>,
}

/// Everything a notes call can fail with. [`NotesError::code`] is stable; messages may change.
#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    /// No usable credentials: sign in or send a valid token (`login_required`, `invalid_token`).
    #[error("{message}")]
    Unauthenticated {
        /// `login_required` or `invalid_token`.
        code: &'static str,
        /// What to do.
        message: String,
    },
    /// Authenticated, but not allowed (`forbidden`).
    #[error("{0}")]
    Forbidden(String),
    /// A page, attachment, revision or history that does not exist.
    #[error("{message}")]
    NotFound {
        /// `page_not_found`, `attachment_not_found`, `revision_not_found`, `not_found`.
        code: &'static str,
        /// What is missing and how to find what exists.
        message: String,
    },
    /// The input is malformed or cannot be applied; nothing was written.
    #[error("{message}")]
    Invalid {
        /// e.g. `invalid_path`, `invalid_revision`, `missing_field`, `no_match`,
        /// `ambiguous_match`, `invalid_filename`, `invalid_base64`, `same_path`.
        code: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A section named in a read or edit does not exist (or matches several headings).
    #[error("{}", section_message(query, available, *ambiguous))]
    SectionNotFound {
        /// The section asked for.
        query: String,
        /// Candidate heading paths (all of them when nothing matched).
        available: Vec<String>,
        /// True when several headings matched.
        ambiguous: bool,
    },
    /// Content larger than the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The change would take the wiki over its quota (`quota_exceeded`); nothing was written.
    #[error("{0}")]
    OverQuota(String),
    /// Too many changes from this client in a short time (`rate_limited`).
    #[error("{message}")]
    RateLimited {
        /// What happened and when to retry.
        message: String,
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// Overwriting an existing page needs the revision the caller read.
    #[error("{0}")]
    RevisionRequired(String),
    /// The target of a create or rename already exists.
    #[error("{0}")]
    Exists(String),
    /// The page changed since the caller's base revision and the edits overlap.
    #[error("{}", .0.message)]
    Conflict(Box<ConflictInfo>),
    /// A feature that is not available on this server right now (`unavailable`), e.g. semantic
    /// search without an embedding model; the message says how to enable it.
    #[error("{0}")]
    Unavailable(String),
    /// Our fault; details are logged, not shown.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

fn section_message(query: &str, available: &[String], ambiguous: bool) -> String {
    if available.is_empty() {
        return format!("Section not found: '{query}'. This page has no sections.");
    }
    let lead = if ambiguous {
        format!("Section '{query}' is ambiguous; use one of these paths:")
    } else {
        format!("Section not found: '{query}'. Available sections:")
    };
    let mut out = lead;
    for path in available {
        out.push_str("\n  - ");
        out.push_str(path);
    }
    out
}

impl NotesError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            NotesError::Unauthenticated { code, .. }
            | NotesError::NotFound { code, .. }
            | NotesError::Invalid { code, .. } => code,
            NotesError::Forbidden(_) => "forbidden",
            NotesError::SectionNotFound {
                ambiguous: true, ..
            } => "ambiguous_section",
            NotesError::SectionNotFound { .. } => "section_not_found",
            NotesError::TooLarge(_) => "too_large",
            NotesError::OverQuota(_) => "quota_exceeded",
            NotesError::RateLimited { .. } => "rate_limited",
            NotesError::RevisionRequired(_) => "revision_required",
            NotesError::Exists(_) => "already_exists",
            NotesError::Conflict(_) => "conflict",
            NotesError::Unavailable(_) => "unavailable",
            NotesError::Internal(_) => "internal",
        }
    }

    /// A 422-style input error.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> NotesError {
        NotesError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// A missing page.
    pub fn page_not_found(path: impl std::fmt::Display) -> NotesError {
        NotesError::NotFound {
            code: "page_not_found",
            message: format!(
                "Page not found: {path}. Create it with a write, or list pages to see what exists."
            ),
        }
    }

    /// An internal error from anything displayable.
    pub fn internal(err: impl std::fmt::Display) -> NotesError {
        NotesError::Internal(anyhow::anyhow!("{err}"))
    }
}

/// Result of every notes call.
pub type NotesResult<T> = Result<T, NotesError>;

impl From<StoreError> for NotesError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(ref what) => NotesError::NotFound {
                code: "not_found",
                message: format!(
                    "{what} does not exist; list pages or attachments to see what does."
                ),
            },
            StoreError::RevisionNotFound(_) => NotesError::NotFound {
                code: "revision_not_found",
                message: err.to_string(),
            },
            StoreError::InvalidPath(_) => NotesError::invalid("invalid_path", err.to_string()),
            StoreError::InvalidRevision(_) => {
                NotesError::invalid("invalid_revision", err.to_string())
            }
            StoreError::PageExists(_) => NotesError::Exists(err.to_string()),
            StoreError::OverQuota(_) => NotesError::from(AppError::from(err)),
            StoreError::Conflict {
                ref head,
                ref paths,
            } => NotesError::Conflict(Box::new(ConflictInfo {
                message: err.to_string(),
                current_revision: head.to_string(),
                diff: String::new(),
                paths: paths.clone(),
            })),
            other => NotesError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<AppError> for NotesError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::LoginRequired(message) => NotesError::Unauthenticated {
                code: "login_required",
                message,
            },
            AppError::InvalidToken(message) => NotesError::Unauthenticated {
                code: "invalid_token",
                message,
            },
            AppError::Forbidden(message) => NotesError::Forbidden(message),
            AppError::NotFound(message) => NotesError::NotFound {
                code: "not_found",
                message,
            },
            AppError::BadRequest(message) => NotesError::invalid("bad_request", message),
            AppError::Conflict(message) => NotesError::Exists(message),
            AppError::TooLarge(message) => NotesError::TooLarge(message),
            AppError::OverQuota(message) => NotesError::OverQuota(message),
            AppError::RateLimited {
                message,
                retry_after,
            } => NotesError::RateLimited {
                message,
                retry_after,
            },
            AppError::Unavailable(message) => NotesError::Unavailable(message),
            AppError::Internal(err) => NotesError::Internal(err),
        }
    }
}

impl From<tokio::task::JoinError> for NotesError {
    fn from(err: tokio::task::JoinError) -> Self {
        NotesError::internal(err)
    }
}

impl From<robot_wiki::PageNameError> for NotesError {
    fn from(err: robot_wiki::PageNameError) -> Self {
        NotesError::invalid("invalid_path", format!("Invalid page path: {err}"))
    }
}

impl From<NotesError> for AppError {
    /// The web UI's form of a notes error (its pages negotiate HTML or JSON from it).
    fn from(err: NotesError) -> Self {
        let message = err.to_string();
        match err {
            NotesError::Unauthenticated {
                code: "invalid_token",
                ..
            } => AppError::InvalidToken(message),
            NotesError::Unauthenticated { .. } => AppError::LoginRequired(message),
            NotesError::Forbidden(_) => AppError::Forbidden(message),
            NotesError::NotFound { .. } => AppError::NotFound(message),
            NotesError::Invalid { .. } | NotesError::SectionNotFound { .. } => {
                AppError::BadRequest(message)
            }
            NotesError::TooLarge(_) => AppError::TooLarge(message),
            NotesError::OverQuota(_) => AppError::OverQuota(message),
            NotesError::RateLimited { retry_after, .. } => AppError::RateLimited {
                message,
                retry_after,
            },
            NotesError::RevisionRequired(_) | NotesError::Exists(_) | NotesError::Conflict(_) => {
                AppError::Conflict(message)
            }
            NotesError::Unavailable(_) => AppError::Unavailable(message),
            NotesError::Internal(inner) => AppError::Internal(inner),
        }
    }
}
