//! Maintenance packs a wiki beside its writers: nothing acknowledged is lost, git finds nothing
//! wrong, and loose objects stay far below git's own `gc.auto` threshold.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use robot_store::{CommitOutcome, LOOSE_OBJECTS_LIMIT, LogQuery, WikiRepo};

fn fsck(wiki: &WikiRepo) -> Result<(), Box<dyn std::error::Error>> {
    let out = Command::new("git")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("--git-dir")
        .arg(wiki.path())
        .args(["fsck", "--strict", "--no-progress", "--no-dangling"])
        .output()?;
    assert!(
        out.status.success(),
        "git fsck: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[test]
fn maintenance_packs_loose_objects_and_keeps_history_readable() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    // A page of a few kilobytes that an agent appends to: as loose objects every version is
    // stored whole; in a pack, as deltas.
    let mut page = String::new();
    for step in 0..300 {
        page.push_str(&format!(
            "- {step}: noted the state of item {step}, with its context and next steps.\n"
        ));
        commit(&wiki, "edit", None, vec![write("Page.md", &page)])?;
    }
    let before = wiki.object_counts()?;
    assert!(before.loose > 900, "{before:?}");
    assert!(wiki.maintenance_due()? == (before.loose > LOOSE_OBJECTS_LIMIT));
    let report = wiki.maintain()?;
    assert_eq!(report.after.loose, 0, "{report:?}");
    assert!(report.after.packs >= 1);
    assert!(
        report.bytes_after < report.bytes_before / 2,
        "packing shrinks the repository: {report:?}"
    );
    assert!(!wiki.maintenance_due()?);
    fsck(&wiki)?;
    assert_eq!(wiki.commit_count()?, 301);
    assert_eq!(read_str(&wiki, "Page.md")?.as_deref(), Some(page.as_str()));
    // Reading and writing go on as before, from the packs.
    let page_log = wiki.log(&LogQuery {
        path: Some(path("Page.md")),
        limit: 1000,
        ..LogQuery::default()
    })?;
    assert_eq!(page_log.len(), 300);
    commit(&wiki, "after", None, vec![write("Page.md", "after\n")])?;
    assert_eq!(read_str(&wiki, "Page.md")?.as_deref(), Some("after\n"));
    Ok(())
}

#[test]
fn writers_lose_nothing_while_maintenance_runs_beside_them() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    let stop = Arc::new(AtomicBool::new(false));
    let maintainer = {
        let (wiki, stop) = (Arc::clone(&wiki), Arc::clone(&stop));
        std::thread::spawn(move || -> Result<usize, String> {
            let mut runs = 0;
            while !stop.load(Ordering::SeqCst) {
                wiki.maintain().map_err(|e| e.to_string())?;
                runs += 1;
            }
            Ok(runs)
        })
    };
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let wiki = Arc::clone(&wiki);
            std::thread::spawn(move || -> Result<Vec<String>, String> {
                let mut acked = Vec::new();
                for step in 0..60 {
                    let page = format!("Writer{w}.md");
                    let outcome =
                        commit(&wiki, "w", None, vec![write(&page, &format!("{step}\n"))])
                            .map_err(|e| e.to_string())?;
                    if let CommitOutcome::Committed { id, .. } = outcome {
                        acked.push(id.to_string());
                    }
                    // Reads from other threads' fresh packs work too.
                    let other = format!("Writer{}.md", (w + 1) % 4);
                    wiki.read(&path(&other), None).map_err(|e| e.to_string())?;
                }
                Ok(acked)
            })
        })
        .collect();
    let mut acked = Vec::new();
    for writer in writers {
        acked.extend(writer.join().map_err(|_| "writer panicked")??);
    }
    stop.store(true, Ordering::SeqCst);
    let runs = maintainer.join().map_err(|_| "maintainer panicked")??;
    assert!(runs >= 1);
    assert_eq!(acked.len(), 240, "every write was acknowledged");
    let all: Vec<String> = wiki
        .log(&LogQuery {
            limit: usize::MAX,
            ..LogQuery::default()
        })?
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    for id in &acked {
        assert!(
            all.contains(id),
            "acknowledged commit {id} is in the history"
        );
    }
    for w in 0..4 {
        assert_eq!(
            read_str(&wiki, &format!("Writer{w}.md"))?.as_deref(),
            Some("59\n")
        );
    }
    wiki.maintain()?;
    fsck(&wiki)?;
    Ok(())
}
