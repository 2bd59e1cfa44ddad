//! The servers under test as child processes: started with their output in a log file, waited
//! for until they answer, measured (resident memory of the process and its children) and
//! stopped when dropped, so a failed run leaves nothing behind.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// A running server.
pub struct Service {
    pub name: &'static str,
    pub port: u16,
    child: Child,
    log: PathBuf,
}

impl Service {
    /// Starts `command`, its stdout and stderr going to `{logs}/{name}.log`.
    pub fn start(
        name: &'static str,
        port: u16,
        mut command: Command,
        logs: &Path,
    ) -> Result<Service> {
        let log = logs.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}: {command:?}"))?;
        Ok(Service {
            name,
            port,
            child,
            log,
        })
    }

    /// Waits until `GET path` with `host` answers below 500, and returns how long that took from
    /// `since`. Fails with the end of the log when the process exits or `limit` passes.
    pub async fn wait_ready(
        &mut self,
        host: &str,
        path: &str,
        since: Instant,
        limit: Duration,
    ) -> Result<Duration> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        loop {
            if let Ok(reply) = client.get(&url).header("Host", host).send().await
                && reply.status().as_u16() < 500
            {
                return Ok(since.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before answering:\n{}",
                    self.name,
                    self.tail()
                );
            }
            if since.elapsed() > limit {
                bail!(
                    "{} did not answer within {limit:?}:\n{}",
                    self.name,
                    self.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resident memory of the process and all its descendants, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        tree_rss(self.child.id())
    }

    /// Samples [`Service::rss_bytes`] every 100 ms from another thread until the sampler is
    /// stopped, for the peak of a load.
    pub fn sample_rss(&self) -> RssSampler {
        let pid = self.child.id();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(tree_rss(pid));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak.max(tree_rss(pid))
        });
        RssSampler { stop, thread }
    }

    /// The last lines of the service's log.
    pub fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

/// A running [`Service::sample_rss`].
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    /// Stops sampling; the highest resident memory seen, in bytes.
    pub fn peak(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// Resident memory of `pid` and all its descendants, in bytes.
fn tree_rss(pid: u32) -> u64 {
    process_tree(pid)
        .into_iter()
        .map(|pid| rss_of(pid).unwrap_or(0))
        .sum()
}

impl Drop for Service {
    fn drop(&mut self) {
        // SIGTERM first so servers (nginx, gunicorn) take their workers with them.
        for pid in process_tree(self.child.id()).into_iter().rev() {
            let _ = Command::new("kill")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end and returns its stdout; fails naming `what` with its stderr.
pub fn stdout_of(command: &mut Command, what: &str) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("running {what}"))?;
    anyhow::ensure!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A TCP port free on loopback right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `pid` and every process descended from it, parents first.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = parent_of(child) {
                parents.push((child, parent));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let current = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == current)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    tree
}

/// The parent pid from `/proc/{pid}/stat` (the field after the parenthesised command name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// `VmRSS` of one process, in bytes.
fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_of_a_shell_includes_its_children_and_their_memory() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 5 & sleep 5 & wait"])
            .spawn()
            .expect("sh");
        std::thread::sleep(Duration::from_millis(200));
        let tree = process_tree(child.id());
        assert_eq!(tree.len(), 3, "sh and two sleeps: {tree:?}");
        assert!(tree.iter().all(|pid| rss_of(*pid).is_some_and(|b| b > 0)));
        let _ = child.kill();
        let _ = child.wait();
    }
}
