//! Runs git's server side: `upload-pack` (clone, fetch) and `receive-pack` (push) in the
//! stateless-RPC mode smart HTTP carries, one process per request.
//!
//! Each process gets a scrubbed environment (no system or user git config, no prompts), so what
//! a push may do is decided here and nowhere else. Every entry point takes or holds a [`Slot`]:
//! a bounded pool, of which one wiki may hold only a share ([`super::slots`]), so a burst of
//! clones queues instead of forking the machine to a halt, and one wiki's clones cannot starve
//! the others. A clone's answer goes through a [relay](super::relay) that cuts off a client
//! which stops reading, so a stalled client gives its slot back after the idle timeout.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use robot_store::{MAIN_REF, PushBudget};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::service::Service;
use super::slots::{Busy, Slots};
use super::{hook, relay};
use crate::config::GitConfig;

pub use super::slots::Slot;

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

/// Starts git processes for smart HTTP requests.
#[derive(Debug, Clone)]
pub struct GitRunner {
    hooks_dir: PathBuf,
    slots: Arc<Slots>,
    idle_timeout: Duration,
}

impl GitRunner {
    /// Installs the push hooks under `hooks_dir` (rewritten on every start, so an upgrade brings
    /// its own rules), with `config`'s process slots and idle timeout.
    pub fn install(hooks_dir: &Path, config: &GitConfig) -> io::Result<GitRunner> {
        Ok(GitRunner {
            hooks_dir: hook::install(hooks_dir)?,
            slots: Arc::new(Slots::new(config.processes, config.processes_per_wiki)),
            idle_timeout: config.idle_timeout,
        })
    }

    /// Longest a client may stop sending its request or reading the answer.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// Waits (up to [`SLOT_WAIT`]) for the right to run a git process for the wiki `wiki`.
    pub async fn slot(&self, wiki: &str) -> Result<Slot, GitError> {
        self.slots
            .acquire(wiki, SLOT_WAIT)
            .await
            .map_err(|Busy| GitError::Busy)
    }

    /// The ref advertisement `info/refs` answers with (without the smart-HTTP service header).
    pub async fn advertise(
        &self,
        wiki: &str,
        service: Service,
        repo: &Path,
        protocol_v2: bool,
    ) -> Result<Vec<u8>, GitError> {
        let _slot = self.slot(wiki).await?;
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

    /// Runs `upload-pack` on `request` and streams its answer (a pack can be large). A task of
    /// its own relays the answer and reaps the process; it kills git when the client stops
    /// reading for the idle timeout, hangs up, or the clone runs past [`UPLOAD_TIMEOUT`].
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
        let message = tokio::spawn(async move {
            let mut message = Vec::new();
            let _ = stderr.take(STDERR_CAP).read_to_end(&mut message).await;
            message
        });
        let (sender, answer) = relay::channel();
        let idle = self.idle_timeout;
        tokio::spawn(async move {
            // The slot is held until the process has ended.
            let _slot = slot;
            let relayed = tokio::time::timeout(UPLOAD_TIMEOUT, sender.relay(stdout, idle)).await;
            let cut_off = match relayed {
                Ok(Ok(())) => None,
                Ok(Err(err)) => Some(err.to_string()),
                Err(_) => Some(format!("the clone ran past {UPLOAD_TIMEOUT:?}")),
            };
            if let Some(why) = cut_off {
                tracing::info!(why, "cutting off git upload-pack");
                let _ = child.kill().await;
                return;
            }
            match tokio::time::timeout(UPLOAD_TIMEOUT, child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => {
                    let message = message.await.unwrap_or_default();
                    tracing::warn!(
                        %status,
                        stderr = %String::from_utf8_lossy(&message),
                        "git upload-pack failed"
                    );
                }
                Ok(Err(err)) => tracing::warn!(%err, "waiting for git upload-pack failed"),
                Err(_) => {
                    tracing::warn!("git upload-pack did not exit after its answer; killing it");
                    let _ = child.kill().await;
                }
            }
        });
        Ok(answer)
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
            // The pack is refused while it streams in once it is larger than the quota leaves
            // (0 would mean no limit). The hook then checks what the push wrote in all.
            let room = budget.and_then(|b| b.max_bytes);
            let max_input = room.map(|room| format!("receive.maxInputSize={}", room.max(1)));
            for setting in [
                hooks.as_str(),
                // Every pack is kept as it came (indexed, never exploded into loose objects),
                // so a push writes about its own size: a small pack of similar objects would
                // otherwise unpack into many times its size.
                "receive.unpackLimit=1",
                // Every object is checked before it is accepted.
                "receive.fsckObjects=true",
                // History is never lost through a push: no deletes, no rewrites.
                "receive.denyDeletes=true",
                "receive.denyNonFastForwards=true",
                // Housekeeping is the operator's call, not a side effect of a push.
                "receive.autogc=false",
                "receive.advertisePushOptions=false",
            ]
            .into_iter()
            .chain(max_input.as_deref())
            {
                command.arg("-c").arg(setting);
            }
            command.env(hook::ENV_BRANCH, MAIN_REF);
            if let Some(max_pages) = budget.and_then(|b| b.max_pages) {
                command.env(hook::ENV_MAX_PAGES, max_pages.to_string());
            }
            if let Some(room) = room {
                command.env(hook::ENV_MAX_NEW_BYTES, room.to_string());
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
