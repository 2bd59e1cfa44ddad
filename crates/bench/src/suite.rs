//! The run: start everything, measure section by section, write the report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Args;
use crate::corpus::{self, Corpus, JOURNAL, JOURNAL_REVISIONS};
use crate::http::{Http, ok};
use crate::mcp::{McpClient, args};
use crate::peers::{self, OtterWiki, PEER_KEY};
use crate::process::Service;
use crate::report::{self, Better, Row, RunInfo};
use crate::robot::Robot;
use crate::samples::{Samples, ms, sequential};
use crate::wrk::{self, LoadSpec};

const MB: f64 = 1024.0 * 1024.0;
/// Connections of every page-view load.
const CONNECTIONS: usize = 8;
/// Concurrent writers in the write-load figures.
const WRITERS: usize = 8;
/// Wikis written to in the spread-writers figure, and "active" in the memory figure.
const ACTIVE_WIKIS: usize = 100;

/// Everything the sections share.
struct Run {
    args: Args,
    http: Http,
    rows: Vec<Row>,
    notes: Vec<String>,
    started: Instant,
    work: PathBuf,
    logs: PathBuf,
}

impl Run {
    fn progress(&self, what: &str) {
        eprintln!("[{:>6.1} s] {what}", self.started.elapsed().as_secs_f64());
    }

    fn push(&mut self, row: Row) {
        self.rows.push(row);
    }
}

/// The wikis and credentials on robot.wtf.
struct RobotSide {
    robot: Robot,
    /// The `Cookie` header of the signed-in owner.
    cookie: String,
    /// An editor token of the private wiki `bench`.
    token: String,
}

pub async fn run(args: Args) -> Result<()> {
    let dir = tempfile::tempdir().context("work directory")?;
    let work = dir.path().to_path_buf();
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs)?;
    let mut run = Run {
        args,
        http: Http::new()?,
        rows: Vec::new(),
        notes: Vec::new(),
        started: Instant::now(),
        work,
        logs,
    };
    let result = measure(&mut run).await;
    if let Err(err) = &result {
        eprintln!("the suite failed: {err:#}\nlogs: {}", run.logs.display());
        // Keep the logs of a failed run for whoever has to find out why.
        let kept = dir.keep();
        eprintln!("kept {}", kept.display());
    }
    result
}

async fn measure(run: &mut Run) -> Result<()> {
    run.progress(&format!("building a {}-page corpus", run.args.pages));
    let corpus = corpus::build(&run.work.join("corpus"), run.args.pages, true)?;

    run.progress("starting robot.wtf and importing the corpus twice (private and public wiki)");
    let side = start_robot(run, &corpus).await?;
    let robot_idle = side.robot.service.rss_bytes();

    run.progress("starting An Otter Wiki and its MCP server");
    let otter_repo = run.work.join("otterwiki-repo");
    corpus::git(
        &run.work,
        &[
            "clone",
            "-q",
            &corpus.repo.display().to_string(),
            &otter_repo.display().to_string(),
        ],
    )?;
    let otter =
        OtterWiki::start(&run.args.otterwiki_venv, &otter_repo, &run.work, &run.logs).await?;
    let otter_mcp = peers::start_mcp(&run.args.mcp_venv, &otter, &run.work, &run.logs).await?;
    let otter_idle = otter.service.rss_bytes();

    let viewed = format!("/{}", corpus.viewed);
    let public_html = run
        .http
        .page(side.robot.port(), &side.robot.host("public"), &viewed, None)
        .await?;
    let nginx = peers::start_nginx(&public_html, &run.work, &run.logs).await?;

    run.progress("page views (wrk)");
    page_views(run, &side, &otter, &nginx, &viewed, public_html.len()).await?;
    drop(nginx);

    run.progress("saves");
    saves(run, &side, &otter).await?;

    run.progress("full-text search");
    search(run, &side, &otter, &corpus).await?;

    run.progress("MCP round trips");
    mcp(run, &side, &otter_mcp, &corpus).await?;

    run.progress("history, diff and blame of a page with 1,000 revisions");
    history(run, &side, &otter).await?;

    run.progress("git clone");
    clone(run, &side, &otter).await?;

    let robot_loaded = side.robot.service.rss_bytes();
    let otter_loaded = otter.service.rss_bytes() + otter_mcp.rss_bytes();
    drop(otter_mcp);
    let otter_cold = otter.cold_start;
    drop(otter);

    run.progress(&format!(
        "creating {} wikis; writers spread over {ACTIVE_WIKIS} of them",
        run.args.wikis
    ));
    many_wikis(run, &side).await?;
    let robot_many = side.robot.service.rss_bytes();
    memory(
        run,
        robot_idle,
        otter_idle,
        robot_loaded,
        otter_loaded,
        robot_many,
    );

    run.progress("cold start");
    let fresh_start = side.robot.cold_start;
    let RobotSide { robot, .. } = side;
    drop(robot);
    let data = run.work.join("robot-data");
    let restarted = Robot::start(
        "robot-restarted",
        &run.args.robot,
        &data,
        &run.logs,
        &["--no-semantic"],
    )
    .await?;
    run.push(
        Row::new(
            "Start",
            "cold start to first answer, fresh",
            "ms",
            Better::Lower,
            ms(fresh_start),
        )
        .otterwiki(ms(otter_cold)),
    );
    run.push(Row::new(
        "Start",
        format!("cold start to first answer, {} wikis", run.args.wikis + 2),
        "ms",
        Better::Lower,
        ms(restarted.cold_start),
    ));
    drop(restarted);

    run.progress("semantic and hybrid search");
    semantic(run, &corpus).await?;

    write_report(run, &corpus)
}

async fn start_robot(run: &mut Run, corpus: &Corpus) -> Result<RobotSide> {
    let data = run.work.join("robot-data");
    // The measured server runs keyword search only, as An Otter Wiki does: embedding two
    // 1,000-page wikis in the background would take the whole run. Semantic search is measured
    // at the end on its own server (see `semantic`).
    let robot = Robot::start(
        "robot",
        &run.args.robot,
        &data,
        &run.logs,
        &["--no-semantic"],
    )
    .await?;
    let repo = corpus.repo.display().to_string();
    robot.cli(&["user", "add", "bench"])?;
    for slug in ["bench", "public"] {
        let started = Instant::now();
        robot.cli(&[
            "wiki",
            "create",
            slug,
            "--owner",
            "bench",
            "--from-git",
            &repo,
        ])?;
        run.progress(&format!(
            "imported {slug} in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    robot.cli(&["wiki", "access", "public", "--read", "anonymous"])?;
    robot.cli(&["wiki", "git", "public", "on"])?;
    let token = robot.token("bench")?;
    let cookie = robot.login_cookie(&run.http, "bench").await?;
    Ok(RobotSide {
        robot,
        cookie,
        token,
    })
}

async fn page_views(
    run: &mut Run,
    side: &RobotSide,
    otter: &OtterWiki,
    nginx: &Service,
    viewed: &str,
    html_bytes: usize,
) -> Result<()> {
    let load =
        |url: String, headers: Vec<String>, duration: Duration| warm_load(&url, &headers, duration);
    let robot_url = format!("http://127.0.0.1:{}{viewed}", side.robot.port());
    let public = load(
        robot_url.clone(),
        vec![format!("Host: {}", side.robot.host("public"))],
        run.args.load(),
    )?;
    let private = load(
        robot_url,
        vec![
            format!("Host: {}", side.robot.host("bench")),
            format!("Cookie: {}", side.cookie),
        ],
        run.args.load(),
    )?;
    let otter_load = load(
        format!("http://127.0.0.1:{}{viewed}", otter.service.port),
        Vec::new(),
        run.args.load(),
    )?;
    let static_load = load(
        format!("http://127.0.0.1:{}/page.html", nginx.port),
        Vec::new(),
        run.args.load(),
    )?;

    let wikis = [
        ("public wiki, anonymous", public, ">= 0.5× nginx", 0.5),
        ("private wiki, signed in", private, ">= 0.25× nginx", 0.25),
    ];
    for (label, robot, target, share) in wikis {
        run.rows.extend(view_rows(
            label,
            robot,
            otter_load,
            static_load,
            target,
            share,
        ));
    }
    run.notes.push(format!(
        "Page views: `wrk -t2 -c{CONNECTIONS} -d{}s --latency` after a 1 s warm-up, on the page `{viewed}` \
         ({} bytes of HTML from robot.wtf). nginx serves exactly those bytes as a static file. An Otter \
         Wiki runs under gunicorn with 2 sync workers and anonymous read access; it has no private \
         wikis, so both robot.wtf rows compare with its one figure.",
        run.args.seconds,
        html_bytes
    ));
    Ok(())
}

/// `wrk` with [`CONNECTIONS`] on `url` for `duration`, after a one-second warm-up that is not
/// counted: An Otter Wiki's two workers may race to fill its page cache (a UNIQUE constraint
/// error, one 500) on the first concurrent views, so only the measured run must be free of
/// errors.
fn warm_load(url: &str, headers: &[String], duration: Duration) -> Result<wrk::Load> {
    let spec = |duration| LoadSpec {
        url,
        headers,
        connections: CONNECTIONS,
        duration,
    };
    let _ = wrk::run(&spec(Duration::from_secs(1)));
    wrk::run(&spec(duration))
}

/// Throughput (with its target share of nginx), p50 and p99 of one page-view load, beside An
/// Otter Wiki's and nginx's.
fn view_rows(
    label: &str,
    robot: wrk::Load,
    otter: wrk::Load,
    nginx: wrk::Load,
    target: &str,
    share_of_nginx: f64,
) -> [Row; 3] {
    let section = "Page views (wrk, 8 connections)";
    let versus_nginx = robot.requests_per_second / nginx.requests_per_second;
    let latency = |what: &str, pick: fn(&wrk::Load) -> Duration| {
        Row::new(
            section,
            format!("{label}: {what}"),
            "ms",
            Better::Lower,
            ms(pick(&robot)),
        )
        .otterwiki(ms(pick(&otter)))
        .nginx(ms(pick(&nginx)))
    };
    [
        Row::new(
            section,
            format!("{label}: requests/s"),
            "req/s",
            Better::Higher,
            robot.requests_per_second,
        )
        .otterwiki(otter.requests_per_second)
        .nginx(nginx.requests_per_second)
        .target(target, versus_nginx >= share_of_nginx),
        latency("p50", |l| l.p50),
        latency("p99", |l| l.p99),
    ]
}

/// A writer of one page through a REST API: robot.wtf and the REST plugin of An Otter Wiki take
/// the same `PUT /api/v1/pages/{path}` with `content` and the `revision` last written.
#[derive(Clone)]
struct RestWriter {
    http: Http,
    port: u16,
    host: String,
    token: String,
}

impl RestWriter {
    async fn put(&self, page: &str, content: String, revision: Option<&str>) -> Result<String> {
        let mut body = json!({"content": content, "commit_message": "bench save"});
        if let Some(revision) = revision {
            body["revision"] = Value::String(revision.to_string());
        }
        let reply = self
            .http
            .request(
                Method::PUT,
                self.port,
                &self.host,
                &format!("/api/v1/pages/{page}"),
            )
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let reply: Value = ok(reply, &format!("PUT {page} on {}", self.host))
            .await?
            .json()
            .await?;
        reply["revision"]
            .as_str()
            .map(String::from)
            .with_context(|| format!("no revision in {reply}"))
    }

    /// The page's current revision, or `None` when it does not exist.
    async fn revision(&self, page: &str) -> Result<Option<String>> {
        let reply = self
            .http
            .request(
                Method::GET,
                self.port,
                &self.host,
                &format!("/api/v1/pages/{page}"),
            )
            .bearer_auth(&self.token)
            .send()
            .await?;
        if reply.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body: Value = ok(reply, &format!("GET {page} on {}", self.host))
            .await?
            .json()
            .await?;
        Ok(body["revision"].as_str().map(String::from))
    }

    /// Saves `page` `n` times in a row, each on the revision the last save returned.
    async fn sequential(&self, page: &str, n: usize) -> Result<Samples> {
        let mut revision: Option<String> = None;
        let mut times = Vec::with_capacity(n);
        let start = Instant::now();
        for i in 0..n + 3 {
            let one = Instant::now();
            revision = Some(
                self.put(
                    page,
                    format!("# Save {i}\n\nText of save {i}.\n"),
                    revision.as_deref(),
                )
                .await?,
            );
            if i >= 3 {
                times.push(one.elapsed());
            }
        }
        Ok(Samples::from_times(times, start.elapsed()))
    }
}

/// What a write load achieved.
struct WriteLoad {
    acked_per_second: f64,
    refused: usize,
}

/// `WRITERS` writers for `duration`, writer `w` saving its own page on `targets[(w + i) % len]`.
/// A refused or failed save is counted, not fatal (An Otter Wiki's workers fail on each other's
/// `index.lock`); the writer then reads the page's current revision and goes on.
async fn concurrent_writes(targets: Vec<RestWriter>, duration: Duration) -> Result<WriteLoad> {
    let acked = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + duration;
    let targets = Arc::new(targets);
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (acked, refused, targets) = (acked.clone(), refused.clone(), targets.clone());
        tasks.push(tokio::spawn(async move {
            let mut revisions: HashMap<usize, String> = HashMap::new();
            let page = format!("Writer-{w}");
            let mut i = 0usize;
            while Instant::now() < deadline {
                let t = (w + i * WRITERS) % targets.len();
                let revision = revisions.get(&t).cloned();
                let content = format!("# Writer {w}\n\nSave {i}.\n");
                match targets[t].put(&page, content, revision.as_deref()).await {
                    Ok(written) => {
                        revisions.insert(t, written);
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        match targets[t].revision(&page).await? {
                            Some(current) => revisions.insert(t, current),
                            None => revisions.remove(&t),
                        };
                    }
                }
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    let start = Instant::now();
    for task in tasks {
        task.await??;
    }
    let elapsed = start.elapsed().as_secs_f64().max(duration.as_secs_f64());
    Ok(WriteLoad {
        acked_per_second: acked.load(Ordering::Relaxed) as f64 / elapsed,
        refused: refused.load(Ordering::Relaxed),
    })
}

fn robot_writer(run: &Run, side: &RobotSide, slug: &str, token: &str) -> RestWriter {
    RestWriter {
        http: run.http.clone(),
        port: side.robot.port(),
        host: side.robot.host(slug),
        token: token.to_string(),
    }
}

fn otter_writer(run: &Run, otter: &OtterWiki) -> RestWriter {
    RestWriter {
        http: run.http.clone(),
        port: otter.service.port,
        host: otter.host(),
        token: PEER_KEY.to_string(),
    }
}

async fn saves(run: &mut Run, side: &RobotSide, otter: &OtterWiki) -> Result<()> {
    let robot = robot_writer(run, side, "bench", &side.token);
    let peer = otter_writer(run, otter);
    let robot_one = robot.sequential("Bench-save", 100).await?;
    let otter_one = peer.sequential("Bench-save", 50).await?;
    let section = "Saves (REST PUT with the revision last written)";
    let p50_advantage = ms(otter_one.p50()) / ms(robot_one.p50());
    run.push(
        Row::new(
            section,
            "one writer: p50",
            "ms",
            Better::Lower,
            ms(robot_one.p50()),
        )
        .otterwiki(ms(otter_one.p50()))
        .target(">= 20× An Otter Wiki", p50_advantage >= 20.0),
    );
    run.push(
        Row::new(
            section,
            "one writer: p99",
            "ms",
            Better::Lower,
            ms(robot_one.p99()),
        )
        .otterwiki(ms(otter_one.p99())),
    );
    run.push(
        Row::new(
            section,
            "one writer: saves/s",
            "/s",
            Better::Higher,
            robot_one.per_second(),
        )
        .otterwiki(otter_one.per_second())
        .target(
            ">= 20× An Otter Wiki",
            robot_one.per_second() / otter_one.per_second() >= 20.0,
        ),
    );
    let robot_eight = concurrent_writes(vec![robot], run.args.load()).await?;
    let otter_eight = concurrent_writes(vec![peer], run.args.load()).await?;
    let (robot_acked, otter_acked) = (robot_eight.acked_per_second, otter_eight.acked_per_second);
    run.push(
        Row::new(
            section,
            "8 writers, one wiki: acknowledged saves/s",
            "/s",
            Better::Higher,
            robot_acked,
        )
        .otterwiki(otter_acked)
        .target(">= 10× An Otter Wiki", robot_acked / otter_acked >= 10.0),
    );
    run.push(
        Row::new(
            section,
            "8 writers, one wiki: saves refused or failed",
            "",
            Better::Lower,
            robot_eight.refused as f64,
        )
        .otterwiki(otter_eight.refused as f64),
    );
    run.notes.push(
        "Saves: robot.wtf's REST API and An Otter Wiki's REST plugin (the one the Python platform \
         ran), both `PUT /api/v1/pages/{page}` with the revision the writer last got back, so every \
         save is an optimistic-concurrency write of a whole page. Concurrent writers each save their \
         own page; only saves answered 2xx count."
            .to_string(),
    );
    Ok(())
}

async fn search(run: &mut Run, side: &RobotSide, otter: &OtterWiki, corpus: &Corpus) -> Result<()> {
    let query = |port: u16, host: String, token: String, http: Http, queries: Vec<String>| {
        move |i: usize| {
            let http = http.clone();
            let host = host.clone();
            let token = token.clone();
            let q = queries[i % queries.len()].clone();
            async move {
                let reply = http
                    .request(Method::GET, port, &host, "/api/v1/search")
                    .query(&[("q", q.as_str())])
                    .bearer_auth(&token)
                    .send()
                    .await?;
                let body: Value = ok(reply, &format!("search {q:?}")).await?.json().await?;
                ensure!(
                    body["results"].as_array().is_some_and(|r| !r.is_empty()),
                    "no results for {q:?}: {body}"
                );
                Ok(())
            }
        }
    };
    let robot = sequential(
        corpus.queries.len(),
        corpus.queries.len() * 3,
        query(
            side.robot.port(),
            side.robot.host("bench"),
            side.token.clone(),
            run.http.clone(),
            corpus.queries.clone(),
        ),
    )
    .await?;
    let peer = sequential(
        2,
        corpus.queries.len(),
        query(
            otter.service.port,
            otter.host(),
            PEER_KEY.to_string(),
            run.http.clone(),
            corpus.queries.clone(),
        ),
    )
    .await?;
    let section = "Full-text search (REST, 1,000 pages)";
    run.push(
        Row::new(
            section,
            "full-text search: p50",
            "ms",
            Better::Lower,
            ms(robot.p50()),
        )
        .otterwiki(ms(peer.p50()))
        .target("< 5 ms", robot.p50() < Duration::from_millis(5)),
    );
    run.push(
        Row::new(
            section,
            "full-text search: p99",
            "ms",
            Better::Lower,
            ms(robot.p99()),
        )
        .otterwiki(ms(peer.p99())),
    );
    run.notes.push(format!(
        "Search: `GET /api/v1/search?q=` on both (An Otter Wiki through its REST plugin), {} queries \
         (crate names and common phrases), each with results; robot.wtf's queries are warmed once.",
        corpus.queries.len()
    ));
    Ok(())
}

async fn mcp(run: &mut Run, side: &RobotSide, otter_mcp: &Service, corpus: &Corpus) -> Result<()> {
    let robot =
        McpClient::connect(side.robot.port(), &side.robot.host("bench"), &side.token).await?;
    let peer = McpClient::connect(
        otter_mcp.port,
        &format!("127.0.0.1:{}", otter_mcp.port),
        PEER_KEY,
    )
    .await?;
    let page = corpus.viewed.as_str();
    let read = |_| ("read_note", args([("path", page)]));
    let robot_read = calls(&robot, 50, 500, read).await?;
    let peer_read = calls(&peer, 10, 100, read).await?;
    let content = |i: usize| format!("# Note {i}\n\nWritten over MCP, round {i}.\n");
    let robot_write = calls(&robot, 3, 50, |i| {
        let path = format!("Mcp-robot/Note-{i}");
        (
            "write_note",
            args([("path", path.as_str()), ("content", content(i).as_str())]),
        )
    })
    .await?;
    let peer_write = calls(&peer, 3, 50, |i| {
        let path = format!("Mcp-peer/Note-{i}");
        (
            "write_note",
            args([("path", path.as_str()), ("content", content(i).as_str())]),
        )
    })
    .await?;
    let queries = &corpus.queries;
    let search = |i: usize| {
        (
            "search_notes",
            args([("query", queries[i % queries.len()].as_str())]),
        )
    };
    let robot_search = calls(&robot, queries.len(), queries.len() * 2, search).await?;
    let peer_search = calls(&peer, 2, queries.len(), search).await?;
    let section = "MCP round trips (official Rust SDK client)";
    run.push(
        Row::new(
            section,
            "read_note p50 (warm)",
            "ms",
            Better::Lower,
            ms(robot_read.p50()),
        )
        .otterwiki(ms(peer_read.p50()))
        .target("< 1 ms", robot_read.p50() < Duration::from_millis(1)),
    );
    run.push(
        Row::new(
            section,
            "read_note p99",
            "ms",
            Better::Lower,
            ms(robot_read.p99()),
        )
        .otterwiki(ms(peer_read.p99())),
    );
    run.push(
        Row::new(
            section,
            "write_note p50 (new page)",
            "ms",
            Better::Lower,
            ms(robot_write.p50()),
        )
        .otterwiki(ms(peer_write.p50())),
    );
    run.push(
        Row::new(
            section,
            "search_notes p50",
            "ms",
            Better::Lower,
            ms(robot_search.p50()),
        )
        .otterwiki(ms(peer_search.p50())),
    );
    run.notes.push(
        "MCP: rmcp (the official Rust SDK) over streamable HTTP with a bearer token, one client per \
         server; the Python system's MCP server (otterwiki-mcp, stateless) calls An Otter Wiki's \
         REST plugin for every tool."
            .to_string(),
    );
    Ok(())
}

/// Times `n` calls of the tool `call(i)` names (after `warmup` untimed), each required to
/// return text.
async fn calls(
    client: &McpClient,
    warmup: usize,
    n: usize,
    call: impl Fn(usize) -> (&'static str, Value),
) -> Result<Samples> {
    sequential(warmup, n, |i| {
        let (tool, arguments) = call(i);
        async move {
            let text = client.call(tool, arguments).await?;
            ensure!(!text.trim().is_empty(), "{tool} returned no text");
            Ok(())
        }
    })
    .await
}

async fn history(run: &mut Run, side: &RobotSide, otter: &OtterWiki) -> Result<()> {
    let log = corpus::git(
        &run.work.join("corpus"),
        &["log", "--format=%H", "--", &format!("{JOURNAL}.md")],
    )?;
    let revisions: Vec<&str> = log.lines().collect();
    ensure!(
        revisions.len() == JOURNAL_REVISIONS,
        "the journal has {} revisions",
        revisions.len()
    );
    let (newest, older) = (revisions[0], revisions[revisions.len() / 2]);
    let pages = [
        (
            "history of the page (1,000 revisions)",
            format!("/{JOURNAL}/history"),
        ),
        (
            "diff across 500 revisions",
            format!("/{JOURNAL}/diff/{older}/{newest}"),
        ),
        (
            "blame of the page (1,000 lines)",
            format!("/{JOURNAL}/blame"),
        ),
    ];
    let section = "History (a page with 1,000 revisions)";
    for (what, path) in pages {
        let robot_times = time_pages(
            &run.http,
            side.robot.port(),
            &side.robot.host("bench"),
            &path,
            Some(&side.cookie),
            20,
        )
        .await?;
        let peer_times =
            time_pages(&run.http, otter.service.port, &otter.host(), &path, None, 3).await?;
        let mut row = Row::new(
            section,
            format!("{what}: p50"),
            "ms",
            Better::Lower,
            ms(robot_times.p50()),
        )
        .otterwiki(ms(peer_times.p50()));
        if what.starts_with("history") {
            row = row.target("< 50 ms", robot_times.p50() < Duration::from_millis(50));
        } else if what.starts_with("blame") {
            row = row.target("< 100 ms", robot_times.p50() < Duration::from_millis(100));
        }
        run.push(row);
    }
    Ok(())
}

async fn time_pages(
    http: &Http,
    port: u16,
    host: &str,
    path: &str,
    cookie: Option<&str>,
    n: usize,
) -> Result<Samples> {
    sequential(1, n, |_| async move {
        http.page(port, host, path, cookie).await?;
        Ok(())
    })
    .await
}

async fn clone(run: &mut Run, side: &RobotSide, otter: &OtterWiki) -> Result<()> {
    let target = run.work.join("clones");
    let clone_from = |url: String| {
        let target = target.clone();
        move |i: usize| {
            let url = url.clone();
            let dest = target.join(format!("c{i}-{}", url.len()));
            async move {
                let out = tokio::process::Command::new("git")
                    .args(["clone", "-q", &url, &dest.display().to_string()])
                    .output()
                    .await?;
                ensure!(
                    out.status.success(),
                    "git clone {url}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let _ = std::fs::remove_dir_all(&dest);
                Ok(())
            }
        }
    };
    // curl (under git) resolves `*.localhost` to loopback itself.
    let robot = sequential(
        1,
        3,
        clone_from(format!(
            "http://public.localhost:{}/.git",
            side.robot.port()
        )),
    )
    .await?;
    let peer = sequential(
        1,
        3,
        clone_from(format!("http://127.0.0.1:{}/.git", otter.service.port)),
    )
    .await?;
    run.push(
        Row::new(
            "Git",
            "clone of the wiki (1,000 pages, 1,001 commits)",
            "ms",
            Better::Lower,
            ms(robot.p50()),
        )
        .otterwiki(ms(peer.p50())),
    );
    Ok(())
}

async fn many_wikis(run: &mut Run, side: &RobotSide) -> Result<()> {
    let total = run.args.wikis;
    let started = Instant::now();
    let slugs: Vec<String> = (0..total).map(|i| format!("w{i:04}")).collect();
    for chunk in slugs.chunks(2) {
        // Two CLI processes at a time, one per core.
        let handles: Vec<_> = chunk
            .iter()
            .map(|slug| {
                let (cli, slug) = (side.robot.cli.clone(), slug.clone());
                std::thread::spawn(move || {
                    cli.run(&["wiki", "create", &slug, "--owner", "bench"])
                        .map(drop)
                })
            })
            .collect();
        for handle in handles {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a wiki creation thread panicked"))??;
        }
    }
    let created = started.elapsed();
    run.progress(&format!(
        "created {total} wikis in {:.1} s",
        created.as_secs_f64()
    ));
    let active = &slugs[..ACTIVE_WIKIS.min(total)];
    let mut writers = Vec::new();
    for slug in active {
        let token = side.robot.token(slug)?;
        // Active means read too: the home page of each.
        run.http
            .page(
                side.robot.port(),
                &side.robot.host(slug),
                "/",
                Some(&side.cookie),
            )
            .await?;
        writers.push(robot_writer(run, side, slug, &token));
    }
    let spread = concurrent_writes(writers, run.args.load()).await?;
    ensure!(
        spread.refused == 0,
        "{} saves refused on robot.wtf",
        spread.refused
    );
    run.push(Row::new(
        "Saves (REST PUT with the revision last written)",
        format!(
            "8 writers spread over {} wikis: acknowledged saves/s",
            active.len()
        ),
        "/s",
        Better::Higher,
        spread.acked_per_second,
    ));
    run.notes.push(format!(
        "Many wikis: {total} wikis created with `robot wiki create` (seeded with the template pages) \
         while the server runs, {:.1} s in all; the first {} each get a token, a page view and then \
         the spread writers.",
        created.as_secs_f64(),
        active.len()
    ));
    Ok(())
}

fn memory(
    run: &mut Run,
    robot_idle: u64,
    otter_idle: u64,
    robot_loaded: u64,
    otter_loaded: u64,
    robot_many: u64,
) {
    let section = "Memory (resident, process and children)";
    let mb = |b: u64| b as f64 / MB;
    run.push(
        Row::new(
            section,
            "idle after start and import",
            "MB",
            Better::Lower,
            mb(robot_idle),
        )
        .otterwiki(mb(otter_idle)),
    );
    run.push(
        Row::new(
            section,
            "after the loads above (Otter: + its MCP server)",
            "MB",
            Better::Lower,
            mb(robot_loaded),
        )
        .otterwiki(mb(otter_loaded)),
    );
    run.push(
        Row::new(
            section,
            format!(
                "{} wikis, {ACTIVE_WIKIS} of them active",
                run.args.wikis + 2
            ),
            "MB",
            Better::Lower,
            mb(robot_many),
        )
        .target("< 200 MB", mb(robot_many) < 200.0),
    );
}

async fn semantic(run: &mut Run, big: &Corpus) -> Result<()> {
    let Some(model) = run
        .args
        .model_dir
        .clone()
        .filter(|m| m.join("config.json").is_file())
    else {
        run.notes.push(
            "Semantic and hybrid search were not measured: no embedding model (ROBOT_MODEL_DIR)."
                .into(),
        );
        return Ok(());
    };
    let corpus = corpus::build(
        &run.work.join("semantic-corpus"),
        run.args.semantic_pages,
        false,
    )?;
    let data = run.work.join("semantic-data");
    let model_dir = model.display().to_string();
    let robot = Robot::start(
        "robot-semantic",
        &run.args.robot,
        &data,
        &run.logs,
        &["--model-dir", &model_dir],
    )
    .await?;
    robot.cli(&["user", "add", "bench"])?;
    robot.cli(&[
        "wiki",
        "create",
        "semantic",
        "--owner",
        "bench",
        "--from-git",
        &corpus.repo.display().to_string(),
    ])?;
    let token = robot.token("semantic")?;
    let host = robot.host("semantic");
    let started = Instant::now();
    let chunks = loop {
        let reply = run
            .http
            .request(Method::GET, robot.port(), &host, "/api/v1/reindex/status")
            .bearer_auth(&token)
            .send()
            .await?;
        let status: Value = ok(reply, "reindex status").await?.json().await?;
        let index = &status["index"];
        if index["pending_vectors"].as_u64() == Some(0)
            && index["vectors_current"].as_bool() == Some(true)
        {
            break index["chunks"].as_u64().unwrap_or(0);
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!(
                "embedding {} pages took over 10 minutes: {status}",
                corpus.pages.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let embedded_in = started.elapsed();
    run.progress(&format!(
        "embedded {chunks} passages in {:.1} s",
        embedded_in.as_secs_f64()
    ));
    let section = "Semantic search (REST, all-MiniLM-L6-v2)";
    for mode in ["semantic", "hybrid"] {
        let queries = corpus.queries.clone();
        let http = run.http.clone();
        let (port, host, token) = (robot.port(), host.clone(), token.clone());
        let samples = sequential(3, queries.len() * 2, move |i| {
            let q = queries[i % queries.len()].clone();
            let (http, host, token) = (http.clone(), host.clone(), token.clone());
            async move {
                let reply = http
                    .request(Method::GET, port, &host, "/api/v1/semantic-search")
                    .query(&[("q", q.as_str()), ("mode", mode)])
                    .bearer_auth(&token)
                    .send()
                    .await?;
                ok(reply, &format!("{mode} search {q:?}")).await?;
                Ok(())
            }
        })
        .await?;
        run.push(Row::new(
            section,
            format!("{mode} p50 (query embedding included)"),
            "ms",
            Better::Lower,
            ms(samples.p50()),
        ));
        run.push(Row::new(
            section,
            format!("{mode} p99"),
            "ms",
            Better::Lower,
            ms(samples.p99()),
        ));
    }
    let passages_per_second = chunks as f64 / embedded_in.as_secs_f64();
    run.push(Row::new(
        section,
        format!("embedding a {}-page wiki", corpus.pages.len()),
        "passages/s",
        Better::Higher,
        passages_per_second,
    ));
    run.push(Row::new(
        "Memory (resident, process and children)",
        format!(
            "with the embedding model, {}-page wiki embedded",
            corpus.pages.len()
        ),
        "MB",
        Better::Lower,
        robot.service.rss_bytes() as f64 / MB,
    ));
    run.notes.push(format!(
        "Semantic and hybrid search run on their own server with the embedding model, on a wiki of \
         the first {} pages ({chunks} passages) once all are embedded; An Otter Wiki has no semantic \
         search.",
        corpus.pages.len()
    ));
    run.progress(&format!(
        "signed-in page views while a {}-page wiki embeds",
        big.pages.len()
    ));
    embedding_under_load(run, &robot, &corpus, big).await
}

/// Signed-in views of a page of the embedded `small` wiki, first idle, then while the `big`
/// corpus, imported as a second wiki on the same server, is being embedded; with the server's
/// peak memory meanwhile.
async fn embedding_under_load(
    run: &mut Run,
    robot: &Robot,
    small: &Corpus,
    big: &Corpus,
) -> Result<()> {
    let cookie = robot.login_cookie(&run.http, "bench").await?;
    let url = format!("http://127.0.0.1:{}/{}", robot.port(), small.viewed);
    let headers = vec![
        format!("Host: {}", robot.host("semantic")),
        format!("Cookie: {cookie}"),
    ];
    let idle = warm_load(&url, &headers, run.args.load())?;

    robot.cli(&[
        "wiki",
        "create",
        "embedding",
        "--owner",
        "bench",
        "--from-git",
        &big.repo.display().to_string(),
    ])?;
    let token = robot.token("embedding")?;
    let status = || async {
        let reply = run
            .http
            .request(
                Method::GET,
                robot.port(),
                &robot.host("embedding"),
                "/api/v1/reindex/status",
            )
            .bearer_auth(&token)
            .send()
            .await?;
        let status: Value = ok(reply, "reindex status").await?.json().await?;
        Ok::<_, anyhow::Error>(status["index"].clone())
    };
    // Under way: its passages are indexed and waiting for vectors.
    let started = Instant::now();
    loop {
        let index = status().await?;
        if index["pending_vectors"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(120),
            "the {}-page wiki never started embedding: {index}",
            big.pages.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sampler = robot.service.sample_rss();
    let busy = wrk::run(&LoadSpec {
        url: &url,
        headers: &headers,
        connections: CONNECTIONS,
        duration: run.args.load(),
    })?;
    let peak = sampler.peak();
    let after = status().await?;
    ensure!(
        after["pending_vectors"].as_u64().unwrap_or(0) > 0,
        "the wiki finished embedding during the load, so the load did not overlap it: {after}"
    );

    let section = "Semantic search (REST, all-MiniLM-L6-v2)";
    let what = format!("while a {}-page wiki embeds", big.pages.len());
    let share = busy.requests_per_second / idle.requests_per_second;
    run.push(Row::new(
        section,
        "signed-in page views, idle",
        "req/s",
        Better::Higher,
        idle.requests_per_second,
    ));
    run.push(
        Row::new(
            section,
            format!("signed-in page views {what}"),
            "req/s",
            Better::Higher,
            busy.requests_per_second,
        )
        .target(format!(">= 0.8× idle ({share:.2}×)"), share >= 0.8),
    );
    let peak_mb = peak as f64 / MB;
    run.push(
        Row::new(
            "Memory (resident, process and children)",
            format!("peak {what}"),
            "MB",
            Better::Lower,
            peak_mb,
        )
        .target("< 300 MB", peak_mb < 300.0),
    );
    run.notes.push(format!(
        "Embedding under load: signed-in views (`wrk`, {CONNECTIONS} connections) of one page of \
         the embedded wiki, idle and then while the {}-page corpus, imported as a second wiki, \
         embeds on the same server (one embedding thread, the default on two cores); memory \
         sampled every 100 ms during that load.",
        big.pages.len()
    ));
    Ok(())
}

fn write_report(run: &mut Run, corpus: &Corpus) -> Result<()> {
    let info = RunInfo {
        date: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: machine(),
        commit: commit(),
        versions: versions(&run.args),
        corpus: format!(
            "{} pages (README and CHANGELOG files of the crates in Cargo.lock) plus a `{JOURNAL}` \
             page with {JOURNAL_REVISIONS} revisions, in one git repository both systems import",
            corpus.pages.len()
        ),
        duration_secs: run.started.elapsed().as_secs_f64(),
        notes: run.notes.clone(),
    };
    let speedups: Vec<(String, f64)> = run
        .rows
        .iter()
        .filter_map(|r| r.otterwiki.map(|o| (r.what.clone(), r.advantage(o))))
        .collect();
    let views: Vec<(String, f64)> = run
        .rows
        .iter()
        .filter(|r| r.unit == "req/s")
        .flat_map(|r| {
            let mut bars = vec![(
                format!("robot.wtf, {}", r.what.trim_end_matches(": requests/s")),
                r.robot,
            )];
            if r.what.starts_with("public") {
                bars.extend(r.otterwiki.map(|v| ("An Otter Wiki".to_string(), v)));
                bars.extend(
                    r.nginx
                        .map(|v| ("nginx, same HTML as a static file".to_string(), v)),
                );
            }
            bars
        })
        .collect();
    let charts = [
        (
            "benchmarks-vs-otterwiki.svg",
            "How many times faster (or smaller) robot.wtf is than An Otter Wiki",
        ),
        ("benchmarks-page-views.svg", "Page views per second"),
    ];
    std::fs::create_dir_all(&run.args.out)?;
    std::fs::write(
        run.args.out.join(charts[0].0),
        report::bar_chart(
            charts[0].1,
            "× An Otter Wiki (log scale; the dashed line is parity)",
            &speedups,
            true,
        ),
    )?;
    std::fs::write(
        run.args.out.join(charts[1].0),
        report::bar_chart(
            charts[1].1,
            "requests per second (log scale)",
            &views,
            false,
        ),
    )?;
    let markdown = report::markdown(&run.rows, &info, &charts);
    std::fs::write(run.args.out.join("BENCHMARKS.md"), markdown)?;
    println!("{}", report::text_table(&run.rows));
    println!(
        "written to {}",
        run.args.out.join("BENCHMARKS.md").display()
    );
    Ok(())
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_string()
        })
        .unwrap_or_else(|e| format!("({program}: {e})"))
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "{} cores ({model}), {memory}, {}; load generator and every server on the same machine",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        command_line("uname", &["-sr"])
    )
}

fn commit() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.display().to_string();
    let hash = command_line("git", &["-C", &root, "rev-parse", "--short", "HEAD"]);
    let dirty = !command_line(
        "git",
        &["-C", &root, "status", "--porcelain", "--untracked-files=no"],
    )
    .is_empty();
    if dirty {
        format!("{hash} (with uncommitted changes)")
    } else {
        hash
    }
}

fn versions(args: &Args) -> String {
    let python = |venv: &Path, package: &str| {
        command_line(
            &venv.join("bin/python").display().to_string(),
            &[
                "-c",
                &format!("import importlib.metadata as m; print(m.version('{package}'))"),
            ],
        )
    };
    format!(
        "An Otter Wiki {} (gunicorn {}), otterwiki-mcp {}, {}, {}, {}",
        python(&args.otterwiki_venv, "otterwiki"),
        python(&args.otterwiki_venv, "gunicorn"),
        python(&args.mcp_venv, "otterwiki-mcp"),
        command_line("nginx", &["-v"]),
        command_line("wrk", &["-v"])
            .lines()
            .next()
            .unwrap_or_default(),
        command_line("git", &["--version"]),
    )
}
