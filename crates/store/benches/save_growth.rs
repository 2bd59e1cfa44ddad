//! Sequential saves as a wiki ages (issue 18): one writer rewrites pages of a 1,000-page wiki
//! 10,000 times while a maintainer thread packs the repository whenever the store says it is
//! due, as the server's maintainer does. Prints saves/s per block of 1,000 commits, with the
//! median and p99 of one save, so a slowdown shows where it starts.
//!
//! Run: `cargo bench -p robot-store --bench save_growth` (`SAVE_GROWTH_COMMITS` changes the
//! 10,000; `SAVE_GROWTH_MAINTAIN=0` leaves the repository unpacked, to compare).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use robot_store::{Change, CommitRequest, RepoPath, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let commits: usize = std::env::var("SAVE_GROWTH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let maintain = std::env::var("SAVE_GROWTH_MAINTAIN").map_or(true, |v| v != "0");
    let temp = tempfile::tempdir()?;
    let store = Store::open(temp.path().join("wikis"))?;
    let wiki = support::seeded_wiki(&store)?;
    let (author, paragraph) = (support::author(), support::paragraph());

    let done = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicU64::new(0));
    let busy_ms = Arc::new(AtomicU64::new(0));
    let maintainer = maintain.then(|| {
        let (wiki, done, runs, busy_ms) = (
            Arc::clone(&wiki),
            Arc::clone(&done),
            Arc::clone(&runs),
            Arc::clone(&busy_ms),
        );
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if wiki.maintenance_due().unwrap_or(false) {
                    if let Ok(report) = wiki.maintain() {
                        runs.fetch_add(1, Ordering::Relaxed);
                        busy_ms.fetch_add(report.took.as_millis() as u64, Ordering::Relaxed);
                    }
                } else {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
    });

    println!(
        "{commits} sequential saves, maintenance {}",
        if maintain { "on" } else { "off" }
    );
    println!("commits        saves/s   p50 save   p99 save   packs run (git ms)");
    let block = 1_000.min(commits);
    let mut samples = Vec::with_capacity(block);
    let mut block_start = Instant::now();
    for n in 0..commits {
        let page = RepoPath::parse(&format!("Folder {}/Page {}.md", n % 100, n % 1_000))?;
        let started = Instant::now();
        wiki.commit(CommitRequest {
            author: author.clone(),
            message: format!("save {n}"),
            base: None,
            changes: vec![Change::Write {
                path: page,
                content: format!("# Page\n\nSave {n}.\n{paragraph}\n").into_bytes(),
            }],
        })?;
        samples.push(started.elapsed());
        if samples.len() == block {
            let rate = block as f64 / block_start.elapsed().as_secs_f64();
            samples.sort();
            println!(
                "{:>5}-{:<5} {:>9.0} {:>10.2?} {:>10.2?}   {} ({} ms)",
                n + 1 - block,
                n + 1,
                rate,
                samples[block / 2],
                samples[block * 99 / 100],
                runs.load(Ordering::Relaxed),
                busy_ms.load(Ordering::Relaxed),
            );
            samples.clear();
            block_start = Instant::now();
        }
    }
    done.store(true, Ordering::Relaxed);
    if let Some(maintainer) = maintainer {
        let _ = maintainer.join();
    }
    let counts = wiki.object_counts()?;
    println!(
        "at the end: {} loose objects, {} packs",
        counts.loose, counts.packs
    );
    Ok(())
}
