//! The systems robot.wtf is measured against, run here from their own packages: stock An Otter
//! Wiki (gunicorn, from a venv made by `scripts/bench`) with the REST plugin the Python platform
//! ran beside it, the Python MCP server over that REST API, and nginx serving robot.wtf's own
//! page HTML as a static file.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::process::{Service, free_port};

/// The bearer key of the REST plugin and the static token of the MCP server.
pub const PEER_KEY: &str = "bench-peer-key-0123456789abcdef0123456789";

/// An Otter Wiki serving `repo` in place, two sync workers (one per core), anonymous access.
pub struct OtterWiki {
    pub service: Service,
    pub cold_start: Duration,
}

impl OtterWiki {
    pub async fn start(venv: &Path, repo: &Path, work: &Path, logs: &Path) -> Result<OtterWiki> {
        let settings = work.join("otterwiki-settings.cfg");
        std::fs::write(
            &settings,
            format!(
                "REPOSITORY = {repo:?}\nSECRET_KEY = 'bench-secret-key-0123456789abcdef'\n\
                 SITE_NAME = 'bench'\nREAD_ACCESS = 'ANONYMOUS'\nWRITE_ACCESS = 'ANONYMOUS'\n\
                 ATTACHMENT_ACCESS = 'ANONYMOUS'\nRETAIN_PAGE_NAME_CASE = True\n\
                 GIT_WEB_SERVER = True\nSQLALCHEMY_DATABASE_URI = 'sqlite:///{}'\n",
                work.join("otterwiki.sqlite").display()
            ),
        )?;
        // Stock An Otter Wiki refuses the REST plugin's writes for want of a CSRF token; the
        // plugin authenticates by bearer key, so its blueprint is exempted, nothing else.
        std::fs::write(
            work.join("bench_otterwiki.py"),
            "from otterwiki.server import app, csrf\n\
             csrf.exempt(app.blueprints[\"otterwiki_api\"])\n",
        )?;
        let port = free_port()?;
        let mut command = Command::new(venv.join("bin/gunicorn"));
        // `--preload`: the app (and its database tables) is set up once in the master; two
        // workers booting on a fresh database otherwise race to create the tables and one dies.
        command
            .args([
                "--workers",
                "2",
                "--preload",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .args([
                "--chdir",
                &work.display().to_string(),
                "bench_otterwiki:app",
            ])
            .env("OTTERWIKI_SETTINGS", &settings)
            .env("OTTERWIKI_API_KEY", PEER_KEY);
        let start = Instant::now();
        let mut service = Service::start("otterwiki", port, command, logs)?;
        let cold_start = service
            .wait_ready(
                &format!("127.0.0.1:{port}"),
                "/",
                start,
                Duration::from_secs(90),
            )
            .await
            .context("An Otter Wiki did not start")?;
        Ok(OtterWiki {
            service,
            cold_start,
        })
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.service.port)
    }
}

/// The Python platform's MCP server (stateless streamable HTTP) over An Otter Wiki's REST API.
pub async fn start_mcp(venv: &Path, wiki: &OtterWiki, work: &Path, logs: &Path) -> Result<Service> {
    let port = free_port()?;
    let mut command = Command::new(venv.join("bin/python"));
    command
        .args(["-m", "otterwiki_mcp.server"])
        .current_dir(work)
        .env(
            "OTTERWIKI_API_URL",
            format!("http://127.0.0.1:{}", wiki.service.port),
        )
        .env("OTTERWIKI_API_KEY", PEER_KEY)
        .env("MCP_PORT", port.to_string())
        .env("MCP_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("MCP_AUTH_TOKEN", PEER_KEY);
    let start = Instant::now();
    let mut service = Service::start("otterwiki-mcp", port, command, logs)?;
    service
        .wait_ready(
            &format!("127.0.0.1:{port}"),
            "/mcp",
            start,
            Duration::from_secs(60),
        )
        .await
        .context("the Python MCP server did not start")?;
    Ok(service)
}

/// nginx serving `html` as `/page.html`: the static-file baseline for page views.
pub async fn start_nginx(html: &str, work: &Path, logs: &Path) -> Result<Service> {
    let root = work.join("nginx");
    std::fs::create_dir_all(root.join("html"))?;
    std::fs::write(root.join("html/page.html"), html)?;
    let port = free_port()?;
    let config = root.join("nginx.conf");
    // `user root` only matters when run as root (as CI does): the workers must read a private
    // temporary directory. Otherwise nginx ignores it with a warning.
    std::fs::write(
        &config,
        format!(
            "user root;\nworker_processes 2;\ndaemon off;\npid {pid};\nerror_log stderr;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; sendfile on; keepalive_requests 1000000;\n\
               types {{ text/html html; }}\n\
               client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};\n\
               uwsgi_temp_path {tmp}; scgi_temp_path {tmp};\n\
               server {{ listen 127.0.0.1:{port}; root {html}; }} }}\n",
            pid = root.join("nginx.pid").display(),
            tmp = root.display(),
            html = root.join("html").display(),
        ),
    )?;
    let mut command = Command::new("nginx");
    command.args([
        "-c",
        &config.display().to_string(),
        "-p",
        &root.display().to_string(),
    ]);
    let start = Instant::now();
    let mut service = Service::start("nginx", port, command, logs)?;
    service
        .wait_ready("127.0.0.1", "/page.html", start, Duration::from_secs(10))
        .await
        .context("nginx did not start (install it: apt-get install nginx-light)")?;
    Ok(service)
}
