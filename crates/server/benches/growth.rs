//! A wiki that stays fast as it grows (issue 18): the same 1,000-page wiki measured fresh and
//! after 10,000 commits, through the whole router (no network), in one run.
//!
//! Run: `cargo bench -p robot-server --bench growth` (`GROWTH_COMMITS` changes the 10,000).
//! Prints, each at the fresh wiki and at the grown one, with their ratio:
//! - page views: p50 of a signed-in view of the private wiki, an anonymous view of the public
//!   one, and throughput of each with 8 concurrent clients;
//! - MCP `read_note` p50 next to the same client's `tools/list` round trip;
//! - sequential saves per second around commit 100 and around the last commit;
//! - the history page of a page with 1,000 revisions, and blame of a 1,000-line page;
//! - loose objects and packs of the repository at the end (the background maintainer packs).
//!
//! Pages are the evaluation corpus of `robot-search` (the README and CHANGELOG files of the
//! crates in `Cargo.lock`), so they are real markdown written by many people.

#[allow(dead_code)]
#[path = "../../search/eval/corpus.rs"]
mod corpus;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use robot_platform::Slug;
use robot_platform::policy::{AccessLevel, AccessSettings, TokenRole};
use robot_server::wikis::{CreateWiki, create};
use robot_server::{AppState, ServerConfig, app};
use robot_store::{Author, Change, CommitRequest, RepoPath, WikiRepo};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const PRIVATE: &str = "private.localhost:8080";
const PUBLIC: &str = "public.localhost:8080";
const SAMPLES: usize = 200;
const CONCURRENCY: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(3);

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Bench {
    router: Router,
    cookie: String,
    token: String,
    /// Page URLs sampled for views.
    urls: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Figures {
    view_private_p50: Duration,
    view_public_p50: Duration,
    view_private_rps: f64,
    view_public_rps: f64,
    read_note_p50: Duration,
    tools_list_p50: Duration,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let commits: usize = std::env::var("GROWTH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let mut config = ServerConfig::new(
        "127.0.0.1:8080".parse()?,
        dir.path().join("data"),
        "localhost",
        url::Url::parse("http://localhost:8080")?,
    );
    // A big wiki: past the default quota of a free wiki.
    config.limits.quota = robot_store::Quota {
        max_bytes: 4 << 30,
        max_pages: 100_000,
    };
    let state = AppState::open(config).await?;
    let alice = state.db.create_user("alice", "Alice").await?;
    let pages = corpus::pages()?;
    println!("corpus: {} pages", pages.len());
    for slug in ["private", "public"] {
        create(
            &state,
            CreateWiki {
                slug: Slug::parse(slug)?,
                owner: alice.clone(),
                display_name: None,
                description: String::new(),
                from_git: None,
            },
        )
        .await?;
        let repo = state.store.wiki(slug)?;
        let changes = pages
            .iter()
            .map(|p| {
                Ok(Change::Write {
                    path: RepoPath::parse(&format!("{}.md", p.path.replace(' ', "_")))?,
                    content: p.text.clone().into_bytes(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        blocking_commit(&repo, "import the corpus", changes).await?;
    }
    let public = Slug::parse("public")?;
    state
        .db
        .update_wiki(
            &public,
            "public",
            "",
            &AccessSettings {
                read: AccessLevel::Anonymous,
                write: AccessLevel::Approved,
                attachments: AccessLevel::Approved,
            },
        )
        .await?;
    let wiki = state
        .db
        .wiki_by_slug(&Slug::parse("private")?)
        .await?
        .ok_or("no wiki")?;
    let (_, token) = state
        .db
        .create_api_token(wiki.id, alice.id, "bench", TokenRole::Editor)
        .await?;
    // A browser keeps the CSRF cookie it was given on its first visit.
    let cookie = format!(
        "robot_session={}; robot_csrf={}",
        robot_server::session::issue_token(&state, &alice)?,
        robot_auth::random_token()
    );
    let step = (pages.len() / 50).max(1);
    let urls = pages
        .iter()
        .step_by(step)
        .map(|p| format!("/{}", p.path.replace(' ', "_")))
        .collect();
    let bench = Bench {
        router: app(state.clone()),
        cookie,
        token,
        urls,
    };

    let fresh = measure(&bench).await?;
    report("fresh (2 commits)", &fresh);

    // Agents write all day: `commits` saves spread over 100 pages of both wikis, one of which
    // (`Journal`) is rewritten 1,000 times and grows to 1,000 lines.
    let private = state.store.wiki("private")?;
    let public_repo = state.store.wiki("public")?;
    let author = Author::new("Agent", "agent@example.org");
    let mut journal = String::new();
    let mut early = Duration::ZERO;
    let mut late = Duration::ZERO;
    let window = 100.min(commits / 4).max(1);
    let started = Instant::now();
    for n in 0..commits {
        let (path, content) = if n % (commits / 1000).max(1) == 0 {
            journal.push_str(&format!(
                "- entry {n}: what happened, and what comes next\n"
            ));
            ("Journal.md".to_string(), journal.clone())
        } else {
            (
                format!("Notes/Topic_{}.md", n % 100),
                format!("# Topic {}\n\nRevision {n}.\n", n % 100),
            )
        };
        let t = Instant::now();
        for repo in [&private, &public_repo] {
            let repo = Arc::clone(repo);
            let (author, path, content) = (author.clone(), path.clone(), content.clone());
            tokio::task::spawn_blocking(move || {
                repo.commit(CommitRequest {
                    author,
                    message: format!("agent note {n}"),
                    base: None,
                    changes: vec![Change::Write {
                        path: RepoPath::parse(&path)?,
                        content: content.into_bytes(),
                    }],
                })
            })
            .await??;
        }
        let took = t.elapsed();
        if (100..100 + window).contains(&n) {
            early += took;
        }
        if n >= commits - window {
            late += took;
        }
    }
    println!(
        "grew both wikis by {commits} commits in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let saves = |total: Duration| (2 * window) as f64 / total.as_secs_f64();
    println!(
        "sequential saves/s: {:.0} around commit 100, {:.0} around commit {commits} (ratio {:.2})",
        saves(early),
        saves(late),
        saves(late) / saves(early)
    );
    // Let the maintainer catch up, as it would between bursts.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let grown = measure(&bench).await?;
    report(&format!("grown ({} commits)", commits + 2), &grown);
    println!("ratios grown / fresh (1.00 = no slower):");
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "  view p50 private {:.2}, public {:.2}; throughput private {:.2}, public {:.2}; read_note p50 {:.2}",
        ratio(grown.view_private_p50, fresh.view_private_p50),
        ratio(grown.view_public_p50, fresh.view_public_p50),
        grown.view_private_rps / fresh.view_private_rps,
        grown.view_public_rps / fresh.view_public_rps,
        ratio(grown.read_note_p50, fresh.read_note_p50),
    );
    println!(
        "  read_note p50 / tools/list p50 at {} commits: {:.2}",
        commits + 2,
        ratio(grown.read_note_p50, grown.tools_list_p50)
    );

    let history = p50(&bench, |b| get(b, PRIVATE, "/Journal/history", true)).await?;
    let blame = p50(&bench, |b| get(b, PRIVATE, "/Journal/blame", true)).await?;
    println!(
        "history page of Journal (1,000 revisions): p50 {history:?}; blame of Journal (1,000 lines): p50 {blame:?}"
    );
    for repo in [&private, &public_repo] {
        let repo = Arc::clone(repo);
        let counts = tokio::task::spawn_blocking(move || repo.object_counts()).await??;
        println!(
            "objects at the end: {} loose, {} packs (git's gc.auto threshold: 6,700 loose)",
            counts.loose, counts.packs
        );
    }
    Ok(())
}

async fn blocking_commit(repo: &Arc<WikiRepo>, message: &str, changes: Vec<Change>) -> Result<()> {
    let repo = Arc::clone(repo);
    let message = message.to_string();
    tokio::task::spawn_blocking(move || {
        repo.commit(CommitRequest {
            author: Author::new("Alice", "alice@example.org"),
            message,
            base: None,
            changes,
        })
    })
    .await??;
    Ok(())
}

async fn measure(b: &Bench) -> Result<Figures> {
    // Warm every sampled page (render cache, catalog, listing) first.
    for url in &b.urls {
        get(b, PRIVATE, url, true).await?;
        get(b, PUBLIC, url, false).await?;
    }
    let mut i = 0;
    let view_private_p50 = p50(b, |b| {
        i += 1;
        get(b, PRIVATE, &b.urls[i % b.urls.len()], true)
    })
    .await?;
    let mut i = 0;
    let view_public_p50 = p50(b, |b| {
        i += 1;
        get(b, PUBLIC, &b.urls[i % b.urls.len()], false)
    })
    .await?;
    let view_private_rps = throughput(b, PRIVATE, true).await?;
    let view_public_rps = throughput(b, PUBLIC, false).await?;
    let mut i = 0;
    let read_note_p50 = p50(b, |b| {
        i += 1;
        let path = b.urls[i % b.urls.len()]
            .trim_start_matches('/')
            .replace('_', " ");
        mcp(
            b,
            json!({"name": "read_note", "arguments": {"path": path}}),
            "tools/call",
        )
    })
    .await?;
    let tools_list_p50 = p50(b, |b| mcp(b, json!({}), "tools/list")).await?;
    Ok(Figures {
        view_private_p50,
        view_public_p50,
        view_private_rps,
        view_public_rps,
        read_note_p50,
        tools_list_p50,
    })
}

fn report(label: &str, f: &Figures) {
    println!("{label}:");
    println!(
        "  page view p50: private signed in {:?}, public anonymous {:?}",
        f.view_private_p50, f.view_public_p50
    );
    println!(
        "  page views/s with {CONCURRENCY} clients: private {:.0}, public {:.0}",
        f.view_private_rps, f.view_public_rps
    );
    println!(
        "  MCP p50: read_note {:?}, tools/list {:?}",
        f.read_note_p50, f.tools_list_p50
    );
}

async fn p50<'b, F, Fut>(b: &'b Bench, mut call: F) -> Result<Duration>
where
    F: FnMut(&'b Bench) -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = Instant::now();
        call(b).await?;
        samples.push(t.elapsed());
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}

async fn throughput(b: &Bench, host: &'static str, signed_in: bool) -> Result<f64> {
    let deadline = Instant::now() + LOAD_FOR;
    let mut tasks = Vec::new();
    for client in 0..CONCURRENCY {
        let router = b.router.clone();
        let cookie = b.cookie.clone();
        let urls = b.urls.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            while Instant::now() < deadline {
                let url = &urls[(client + done) % urls.len()];
                let mut req = Request::get(url.as_str())
                    .header(header::HOST, host)
                    .header(header::ACCEPT, "text/html");
                if signed_in {
                    req = req.header(header::COOKIE, &cookie);
                }
                let response = router.clone().oneshot(req.body(Body::empty())?).await?;
                if response.status() != StatusCode::OK {
                    return Err(format!("{url}: {}", response.status()).into());
                }
                to_bytes(response.into_body(), usize::MAX).await?;
                done += 1;
            }
            Ok::<usize, Box<dyn std::error::Error + Send + Sync>>(done)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(total as f64 / LOAD_FOR.as_secs_f64())
}

async fn get(b: &Bench, host: &str, url: &str, signed_in: bool) -> Result<usize> {
    let mut req = Request::get(url)
        .header(header::HOST, host)
        .header(header::ACCEPT, "text/html");
    if signed_in {
        req = req.header(header::COOKIE, &b.cookie);
    }
    let response = b.router.clone().oneshot(req.body(Body::empty())?).await?;
    if response.status() != StatusCode::OK {
        return Err(format!("{host}{url}: {}", response.status()).into());
    }
    Ok(to_bytes(response.into_body(), usize::MAX).await?.len())
}

async fn mcp(b: &Bench, params: Value, method: &str) -> Result<usize> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let req = Request::post("/mcp")
        .header(header::HOST, PRIVATE)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .header(header::AUTHORIZATION, format!("Bearer {}", b.token))
        .body(Body::from(body.to_string()))?;
    let response = b.router.clone().oneshot(req).await?;
    if response.status() != StatusCode::OK {
        return Err(format!("mcp {method}: {}", response.status()).into());
    }
    let bytes = to_bytes(response.into_body(), usize::MAX).await?;
    let reply: Value = serde_json::from_slice(&bytes)?;
    if reply["result"]["isError"].as_bool() == Some(true) || reply.get("error").is_some() {
        return Err(format!("mcp {method}: {reply}").into());
    }
    Ok(bytes.len())
}
