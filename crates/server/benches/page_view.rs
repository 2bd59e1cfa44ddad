//! Page-view hot path: a warm `GET /Page` through the whole router (tenancy, session, CSRF,
//! render cache, template) against a cold render of the same markdown.
//!
//! Run: `cargo bench -p robot-server --bench page_view`. Prints medians and their ratio, which is
//! what to compare across machines (absolute figures are noisy).

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use robot_platform::Slug;
use robot_server::wikis::{CreateWiki, create};
use robot_server::{AppState, ServerConfig, app};
use robot_wiki::{PagePath, RenderOptions, render};
use tower::ServiceExt as _;

const ROUNDS: usize = 300;

fn page_markdown() -> String {
    let mut md = String::from("# Benchmark page\n\n");
    for i in 0..40 {
        md.push_str(&format!(
            "## Section {i}\n\nSome *text* with a [[Home]] link, `code`, and a table:\n\n| a | b |\n|---|---|\n| {i} | x |\n\n> [!NOTE]\n> An alert.\n\n"
        ));
    }
    md
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = ServerConfig::new(
        "127.0.0.1:8080".parse()?,
        dir.path().join("data"),
        "localhost",
        url::Url::parse("http://localhost:8080")?,
    );
    let state = AppState::open(config).await?;
    let alice = state.db.create_user("alice", "Alice").await?;
    let slug = Slug::parse("bench")?;
    create(
        &state,
        CreateWiki {
            slug,
            owner: alice.clone(),
            display_name: None,
            description: String::new(),
            from_git: None,
        },
    )
    .await?;
    let repo = state.store.wiki("bench")?;
    let markdown = page_markdown();
    repo.commit(robot_store::CommitRequest {
        author: robot_store::Author {
            name: "Alice".into(),
            email: "a@x".into(),
        },
        message: "bench page".into(),
        base: None,
        changes: vec![robot_store::Change::Write {
            path: robot_store::RepoPath::parse("Bench.md")?,
            content: markdown.clone().into_bytes(),
        }],
    })?;
    let cookie = format!(
        "robot_session={}",
        robot_server::session::issue_token(&state, &alice)?
    );
    let router = app(state.clone());

    let page = PagePath::parse("Bench")?;
    let mut cold = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let rendered = render(
            &markdown,
            &RenderOptions {
                page: Some(&page),
                page_exists: &|_| true,
            },
        );
        std::hint::black_box(rendered);
        cold.push(start.elapsed());
    }

    let mut warm = Vec::with_capacity(ROUNDS);
    for round in 0..=ROUNDS {
        let req = Request::get("/Bench")
            .header(header::HOST, "bench.localhost:8080")
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let start = Instant::now();
        let response = router.clone().oneshot(req).await?;
        let body = to_bytes(response.into_body(), usize::MAX).await?;
        let elapsed = start.elapsed();
        assert!(body.len() > 1000, "page rendered");
        if round > 0 {
            warm.push(elapsed); // round 0 fills the render cache
        }
    }
    let (cold, warm) = (median(cold), median(warm));
    println!("markdown render (cold, no HTTP): median {cold:?}");
    println!("GET /Bench through the router (warm cache): median {warm:?}");
    println!(
        "ratio cold render / warm page view: {:.2}",
        cold.as_secs_f64() / warm.as_secs_f64()
    );
    Ok(())
}
