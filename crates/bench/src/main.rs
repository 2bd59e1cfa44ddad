//! `robot-bench`: the side-by-side benchmark suite. In one run on one machine it builds a corpus
//! of real markdown pages, loads the same git repository into robot.wtf and into stock An Otter
//! Wiki, puts nginx in front of robot.wtf's own page HTML as the static-file baseline, measures
//! page views, saves, search, MCP, history, blame, clone, memory and cold start with the same
//! clients, and writes the table with ratios to `docs/BENCHMARKS.md` plus SVG charts.
//!
//! Run it with `scripts/bench`, which installs wrk, nginx and the Python peers into a cache and
//! builds the release binary first.

mod corpus;
mod http;
mod mcp;
mod peers;
mod process;
mod report;
mod robot;
mod samples;
mod suite;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Measures robot.wtf beside An Otter Wiki and nginx and writes docs/BENCHMARKS.md.
#[derive(Parser, Debug)]
#[command(version)]
pub struct Args {
    /// The `robot` binary to measure (a release build).
    #[arg(long, env = "ROBOT_BIN")]
    pub robot: PathBuf,
    /// A virtualenv with `otterwiki`, `gunicorn` and the REST plugin `otterwiki-api`.
    #[arg(long)]
    pub otterwiki_venv: PathBuf,
    /// A virtualenv with the Python MCP server `otterwiki-mcp`.
    #[arg(long)]
    pub mcp_venv: PathBuf,
    /// Where BENCHMARKS.md and the charts go.
    #[arg(long, env = "ROBOT_BENCH_OUT", default_value = "docs")]
    pub out: PathBuf,
    /// Pages in the measured wiki.
    #[arg(long, default_value_t = 1_000)]
    pub pages: usize,
    /// Wikis created for the memory figure (the first 100 of them are written to and read).
    #[arg(long, default_value_t = 1_000)]
    pub wikis: usize,
    /// Seconds of each page-view and concurrent-write load.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Pages of the wiki whose passages are embedded for semantic and hybrid search.
    #[arg(long, default_value_t = 100)]
    pub semantic_pages: usize,
    /// The embedding model (as for `robot serve --model-dir`); without one semantic figures are
    /// skipped and the report says so.
    #[arg(long, env = "ROBOT_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
}

impl Args {
    pub fn load(&self) -> Duration {
        Duration::from_secs(self.seconds)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    suite::run(args).await
}
