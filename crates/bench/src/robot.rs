//! robot.wtf under test: the release binary serving a fresh data directory, driven through its
//! CLI (users, wikis, tokens, access, login links) exactly as an operator would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};

use crate::http::Http;
use crate::process::{Service, free_port, stdout_of};

pub struct Robot {
    pub service: Service,
    /// The CLI on the server's data directory.
    pub cli: Cli,
    base_url: String,
    /// From spawn to the first answer of `/-/healthz`.
    pub cold_start: Duration,
}

impl Robot {
    /// Starts `robot serve` (plus `extra` arguments) on a free port with no quotas or rate
    /// limits in the way of the load.
    pub async fn start(
        name: &'static str,
        bin: &Path,
        data: &Path,
        logs: &Path,
        extra: &[&str],
    ) -> Result<Robot> {
        let port = free_port()?;
        let base_url = format!("http://localhost:{port}");
        let mut command = Command::new(bin);
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--domain", "localhost", "--base-url", &base_url])
            .args(extra);
        unlimited(&mut command, data);
        let start = Instant::now();
        let mut service = Service::start(name, port, command, logs)?;
        let cold_start = service
            .wait_ready(
                &format!("localhost:{port}"),
                "/-/healthz",
                start,
                Duration::from_secs(60),
            )
            .await?;
        Ok(Robot {
            service,
            cli: Cli {
                bin: bin.to_path_buf(),
                data: data.to_path_buf(),
                base_url: base_url.clone(),
            },
            base_url,
            cold_start,
        })
    }

    pub fn port(&self) -> u16 {
        self.service.port
    }

    /// The `Host` header of a wiki.
    pub fn host(&self, slug: &str) -> String {
        format!("{slug}.localhost:{}", self.port())
    }

    /// Runs a CLI command on the server's data directory and returns its stdout.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        self.cli.run(args)
    }

    /// Mints an editor token on `slug` and returns its secret.
    pub fn token(&self, slug: &str) -> Result<String> {
        let out = self.cli(&["token", "create", slug, "--name", "bench"])?;
        let secret = out.trim();
        ensure!(
            !secret.is_empty() && !secret.contains(char::is_whitespace),
            "no token in {out:?}"
        );
        Ok(secret.to_string())
    }

    /// Redeems a one-time login link of `handle` and returns the `Cookie` header it earns.
    pub async fn login_cookie(&self, http: &Http, handle: &str) -> Result<String> {
        let out = self.cli(&["login-link", handle])?;
        let link = out.lines().last().unwrap_or_default().trim();
        let path = link
            .strip_prefix(&self.base_url)
            .with_context(|| format!("login link {link:?} is not on {}", self.base_url))?;
        let reply = http
            .request(
                reqwest::Method::GET,
                self.port(),
                &format!("localhost:{}", self.port()),
                path,
            )
            .send()
            .await?;
        let cookies: Vec<String> = reply
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(String::from)
            .collect();
        ensure!(
            !cookies.is_empty(),
            "login link answered {} without a cookie",
            reply.status()
        );
        Ok(cookies.join("; "))
    }
}

/// `robot` commands on one data directory; cloneable, so several can run at once.
#[derive(Debug, Clone)]
pub struct Cli {
    bin: PathBuf,
    data: PathBuf,
    base_url: String,
}

impl Cli {
    /// Runs `robot ARGS` and returns its stdout.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let mut command = Command::new(&self.bin);
        command.args(args).env("ROBOT_BASE_URL", &self.base_url);
        unlimited(&mut command, &self.data);
        stdout_of(&mut command, &format!("robot {args:?}"))
    }
}

/// Environment that lifts quotas and rate limits: the suite measures speed, not refusals.
fn unlimited(command: &mut Command, data: &Path) {
    command
        .env("ROBOT_DATA_DIR", data)
        .env("ROBOT_QUOTA_BYTES", (8u64 << 30).to_string())
        .env("ROBOT_QUOTA_PAGES", "1000000")
        .env("ROBOT_MAX_WIKIS_PER_USER", "100000");
    for rate in ["WRITE", "LOGIN", "CREATE", "TOKEN", "RENDER"] {
        command.env(format!("ROBOT_RATE_{rate}"), "off");
    }
}
