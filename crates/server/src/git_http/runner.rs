//! Runs git's server side: `upload-pack` (clone, fetch) and `receive-pack` (push) in the
//! stateless-RPC mode smart HTTP carries, one process per request.
//!
//! Each process gets a scrubbed environment (no system or user git config, no prompts), so what
//! a push may do is decided here and nowhere else. At most twice as many processes as cores run at
//! once (a burst of clones queues instead of forking the machine to a halt); every entry point
//! takes or holds a [`Slot`].

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use robot_store::{MAIN_REF, PushBudget};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::hook;
use super::service::Service;

/// Longest a clone or fetch may run before its process is killed.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest a ref advertisement may take.
const ADVERTISE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most of a failing git's stderr kept for the log.
const STDERR_CAP: u64 = 8 * 1024;
/// Longest a request waits for a free process slot before it is told to come back.
const SLOT_WAIT: Duration = Duration::from_secs(30);

/// Why git could not serve a request.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No `git` on the server's `PATH`.
    #[error(
        "git is not installed on this server, so clone and push are unavailable; ask the operator to install it"
    )]
    NotInstalled,
    /// Starting or talking to the process failed.
    #[error("running git {command} failed: {source}")]
    Io {
        /// The subcommand.
        command: &'static str,
        /// What failed.
        source: io::Error,
    },
    /// Git ran and failed.
    #[error("git {command} failed ({status}): {stderr}")]
    Failed {
        /// The subcommand.
        command: &'static str,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// The start of what it printed on stderr.
        stderr: String,
    },
    /// Git did not answer in time.
    #[error("git {0} did not answer in time")]
    TimedOut(&'static str),
    /// Every process slot stayed taken for [`SLOT_WAIT`].
    #[error("the server is busy with other clones and pushes; try again in a minute")]
    Busy,
}

/// The right to run one git process; the slot is free again when it is dropped.
#[derive(Debug)]
pub struct Slot {
    /// Held, never read: dropping it gives the slot back.
    _permit: OwnedSemaphorePermit,
}

/// Starts git processes for smart HTTP requests.
#[derive(Debug, Clone)]
pub struct GitRunner {
    hooks_dir: PathBuf,
    slots: Arc<Semaphore>,
}

impl GitRunner {
    /// Installs the push hooks under `hooks_dir` (rewritten on every start, so an upgrade brings
    /// its own rules).
    pub fn install(hooks_dir: &Path) -> io::Result<GitRunner> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(GitRunner {
            hooks_dir: hook::install(hooks_dir)?,
            slots: Arc::new(Semaphore::new((2 * cores).max(4))),
        })
    }

    /// Waits (up to [`SLOT_WAIT`]) for the right to run a git process.
    pub async fn slot(&self) -> Result<Slot, GitError> {
        let permit = Arc::clone(&self.slots).acquire_owned();
        match tokio::time::timeout(SLOT_WAIT, permit).await {
            Ok(Ok(permit)) => Ok(Slot { _permit: permit }),
            // Timed out, or the semaphore was closed (it never is).
            _ => Err(GitError::Busy),
        }
    }

    /// The ref advertisement `info/refs` answers with (without the smart-HTTP service header).
    pub async fn advertise(
        &self,
        service: Service,
        repo: &Path,
        protocol_v2: bool,
    ) -> Result<Vec<u8>, GitError> {
        let _slot = self.slot().await?;
        let mut command = self.command(service, protocol_v2, None);
        command.arg("--advertise-refs").arg(repo);
        let mut command = tokio::process::Command::from(command);
        command.stdin(Stdio::null()).kill_on_drop(true);
        let output = tokio::time::timeout(ADVERTISE_TIMEOUT, command.output())
            .await
            .map_err(|_| GitError::TimedOut(service.command()))?
            .map_err(|e| spawn_error(service, e))?;
        if !output.status.success() {
            return Err(failed(service, output.status, &output.stderr));
        }
        Ok(output.stdout)
    }

    /// Runs `upload-pack` on `request` and streams its answer (a pack can be large). The process
    /// is reaped, and killed after [`UPLOAD_TIMEOUT`], by a task of its own.
    pub fn upload_pack(
        &self,
        slot: Slot,
        repo: &Path,
        protocol_v2: bool,
        request: Vec<u8>,
    ) -> Result<Body, GitError> {
        let service = Service::UploadPack;
        let mut command = self.command(service, protocol_v2, None);
        command.arg(repo);
        let mut command = tokio::process::Command::from(command);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| spawn_error(service, e))?;
        let io_error = |what: &str| GitError::Io {
            command: service.command(),
            source: io::Error::other(format!("no {what} pipe")),
        };
        let mut stdin = child.stdin.take().ok_or_else(|| io_error("stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| io_error("stdout"))?;
        let stderr = child.stderr.take().ok_or_else(|| io_error("stderr"))?;
        tokio::spawn(async move {
            // A client that hangs up makes this fail; the process then ends on its own.
            if let Err(err) = stdin.write_all(&request).await {
                tracing::debug!(%err, "git upload-pack stopped reading its request");
            }
        });
        tokio::spawn(async move {
            // The slot is held until the process has ended.
            let _slot = slot;
            let mut message = Vec::new();
            let _ = stderr.take(STDERR_CAP).read_to_end(&mut message).await;
            match tokio::time::timeout(UPLOAD_TIMEOUT, child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => tracing::warn!(
                    %status,
                    stderr = %String::from_utf8_lossy(&message),
                    "git upload-pack failed"
                ),
                Ok(Err(err)) => tracing::warn!(%err, "waiting for git upload-pack failed"),
                Err(_) => {
                    tracing::warn!("git upload-pack timed out; killing it");
                    let _ = child.kill().await;
                }
            }
        });
        Ok(Body::from_stream(tokio_util::io::ReaderStream::new(stdout)))
    }

    /// Runs `receive-pack` on `request` and returns its report. Blocking: the caller runs it
    /// under the wiki's writer lock ([`robot_store::WikiRepo::receive_push`]). A refused push is
    /// not an error here: git reports it to the client in the returned report.
    pub fn receive_pack(
        &self,
        _slot: Slot,
        repo: &Path,
        budget: PushBudget,
        request: Vec<u8>,
    ) -> Result<Vec<u8>, GitError> {
        let service = Service::ReceivePack;
        let mut command = self.command(service, false, Some(budget));
        command
            .arg(repo)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| spawn_error(service, e))?;
        let Some(mut stdin) = child.stdin.take() else {
            return Err(GitError::Io {
                command: service.command(),
                source: io::Error::other("no stdin pipe"),
            });
        };
        // Feed the request from another thread while this one drains the output, so neither
        // side can fill a pipe and wait on the other.
        let feeder = std::thread::spawn(move || stdin.write_all(&request));
        let output = child.wait_with_output().map_err(|source| GitError::Io {
            command: service.command(),
            source,
        })?;
        if let Ok(Err(err)) = feeder.join() {
            tracing::debug!(%err, "git receive-pack stopped reading its request");
        }
        if !output.status.success() {
            return Err(failed(service, output.status, &output.stderr));
        }
        Ok(output.stdout)
    }

    /// `git [config…] <service> --stateless-rpc` with a scrubbed environment. Push rules are
    /// passed as configuration (`-c`), which also makes the advertisement announce them.
    fn command(&self, service: Service, protocol_v2: bool, budget: Option<PushBudget>) -> Command {
        let mut command = Command::new("git");
        command
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
            )
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
        if protocol_v2 && service == Service::UploadPack {
            command.env("GIT_PROTOCOL", "version=2");
        }
        if service == Service::ReceivePack {
            let hooks = format!("core.hooksPath={}", self.hooks_dir.display());
            for setting in [
                hooks.as_str(),
                // Every object is checked before it is accepted.
                "receive.fsckObjects=true",
                // History is never lost through a push: no deletes, no rewrites.
                "receive.denyDeletes=true",
                "receive.denyNonFastForwards=true",
                // Housekeeping is the operator's call, not a side effect of a push.
                "receive.autogc=false",
                "receive.advertisePushOptions=false",
            ] {
                command.arg("-c").arg(setting);
            }
            command.env(hook::ENV_BRANCH, MAIN_REF);
            if let Some(max_pages) = budget.and_then(|b| b.max_pages) {
                command.env(hook::ENV_MAX_PAGES, max_pages.to_string());
            }
        }
        command.arg(service.command()).arg("--stateless-rpc");
        command
    }
}

fn spawn_error(service: Service, err: io::Error) -> GitError {
    if err.kind() == io::ErrorKind::NotFound {
        GitError::NotInstalled
    } else {
        GitError::Io {
            command: service.command(),
            source: err,
        }
    }
}

fn failed(service: Service, status: std::process::ExitStatus, stderr: &[u8]) -> GitError {
    let kept = &stderr[..stderr.len().min(STDERR_CAP as usize)];
    GitError::Failed {
        command: service.command(),
        status,
        stderr: String::from_utf8_lossy(kept).trim().to_string(),
    }
}
