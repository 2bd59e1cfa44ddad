//! Concurrent writers: nothing is lost, history stays linear, stale bases merge or conflict.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use robot_store::{CommitId, CommitOutcome, Store, StoreError};

#[test]
fn many_writers_distinct_files_lose_nothing() -> TestResult {
    const THREADS: usize = 16;
    const EACH: usize = 25;
    let (_dir, _store, wiki) = seeded_wiki(&[("Home.md", "home\n")])?;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let wiki = wiki.clone();
            let barrier = barrier.clone();
            thread::spawn(move || -> Result<Vec<CommitId>, StoreError> {
                barrier.wait();
                (0..EACH)
                    .map(|i| {
                        let outcome = commit(
                            &wiki,
                            &format!("t{t} #{i}"),
                            None,
                            vec![write(&format!("t{t}/f{i}.md"), "x\n")],
                        )?;
                        Ok(committed(outcome))
                    })
                    .collect()
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for h in handles {
        acknowledged.extend(h.join().map_err(|_| "writer panicked")??);
    }
    assert_eq!(acknowledged.len(), THREADS * EACH);

    let log = history(&wiki)?;
    assert_eq!(
        log.len(),
        THREADS * EACH + 1,
        "exactly one commit per write"
    );
    assert!(
        log.iter().all(|c| c.parents.len() <= 1),
        "history is linear"
    );
    for pair in log.windows(2) {
        assert_eq!(
            pair[0].parents.first(),
            Some(&pair[1].id),
            "each commit sits on the previous one"
        );
    }
    let in_log: HashSet<_> = log.iter().map(|c| c.id.clone()).collect();
    assert!(
        acknowledged.iter().all(|id| in_log.contains(id)),
        "every acknowledged commit is on main"
    );
    let files = wiki.files(None)?;
    assert_eq!(files.len(), THREADS * EACH + 1, "every file present");
    assert_eq!(wiki.commit_count()?, THREADS * EACH + 1);
    Ok(())
}

/// A file of `n` numbered lines separated by filler, so edits to different numbered lines never
/// touch adjacent lines (git treats adjacent edits as overlapping).
fn spaced_lines(n: usize, edited: &[(usize, &str)]) -> String {
    let mut out = String::new();
    for i in 0..n {
        let line = edited
            .iter()
            .find(|(j, _)| *j == i)
            .map_or_else(|| format!("line {i}"), |(_, s)| s.to_string());
        out.push_str(&format!("{line}\nfiller a\nfiller b\nfiller c\n"));
    }
    out
}

#[test]
fn stale_edits_to_different_lines_all_merge() -> TestResult {
    const THREADS: usize = 8;
    let (_dir, _store, wiki) = seeded_wiki(&[("Page.md", &spaced_lines(THREADS, &[]))])?;
    let base = wiki.head()?.ok_or("no head")?;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (wiki, barrier, base) = (wiki.clone(), barrier.clone(), base.clone());
            thread::spawn(move || {
                let edit = format!("edited by {t}");
                let content = spaced_lines(THREADS, &[(t, &edit)]);
                barrier.wait();
                commit(
                    &wiki,
                    &format!("edit {t}"),
                    Some(base),
                    vec![write("Page.md", &content)],
                )
            })
        })
        .collect();
    let mut merged = 0;
    for h in handles {
        match h.join().map_err(|_| "writer panicked")?? {
            CommitOutcome::Committed { merged: m, .. } => merged += usize::from(m),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        merged,
        THREADS - 1,
        "all but the first were merged onto a newer head"
    );
    let edits: Vec<(usize, String)> = (0..THREADS)
        .map(|t| (t, format!("edited by {t}")))
        .collect();
    let expected = spaced_lines(
        THREADS,
        &edits
            .iter()
            .map(|(t, s)| (*t, s.as_str()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        read_str(&wiki, "Page.md")?.as_deref(),
        Some(expected.as_str()),
        "no edit lost"
    );
    assert_eq!(history(&wiki)?.len(), THREADS + 1);
    Ok(())
}

#[test]
fn stale_edits_to_the_same_line_conflict_for_the_losers() -> TestResult {
    const THREADS: usize = 8;
    let (_dir, _store, wiki) = seeded_wiki(&[("Page.md", &spaced_lines(2, &[]))])?;
    let base = wiki.head()?.ok_or("no head")?;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (wiki, barrier, base) = (wiki.clone(), barrier.clone(), base.clone());
            thread::spawn(move || {
                let content = spaced_lines(2, &[(0, &format!("winner is {t}"))]);
                barrier.wait();
                (
                    content.clone(),
                    commit(
                        &wiki,
                        &format!("edit {t}"),
                        Some(base),
                        vec![write("Page.md", &content)],
                    ),
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for h in handles {
        match h.join().map_err(|_| "writer panicked")? {
            (content, Ok(CommitOutcome::Committed { merged: false, .. })) => winners.push(content),
            (_, Err(StoreError::Conflict { paths, .. })) => {
                assert_eq!(paths, vec!["Page.md".to_string()]);
                conflicts += 1;
            }
            (_, other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one write wins");
    assert_eq!(conflicts, THREADS - 1);
    assert_eq!(
        read_str(&wiki, "Page.md")?.as_deref(),
        Some(winners[0].as_str()),
        "the acknowledged write is kept"
    );
    assert_eq!(history(&wiki)?.len(), 2);
    Ok(())
}

/// Two `Store`s on one root have separate writer mutexes, like two processes: only the
/// compare-and-swap on the branch keeps them from overwriting each other.
#[test]
fn two_stores_on_one_root_lose_nothing() -> TestResult {
    const THREADS_PER_STORE: usize = 4;
    const EACH: usize = 25;
    let dir = tempfile::tempdir()?;
    let a = Store::open(dir.path())?;
    let b = Store::open(dir.path())?;
    a.create_wiki(
        "w",
        &[("Home.md".into(), b"home\n".to_vec())],
        &author(),
        "init",
    )?;
    let wikis = [a.wiki("w")?, b.wiki("w")?];
    let barrier = Arc::new(Barrier::new(THREADS_PER_STORE * 2));
    let mut handles = Vec::new();
    for (s, wiki) in wikis.iter().enumerate() {
        for t in 0..THREADS_PER_STORE {
            let (wiki, barrier) = (wiki.clone(), barrier.clone());
            handles.push(thread::spawn(
                move || -> Result<Vec<CommitId>, StoreError> {
                    barrier.wait();
                    (0..EACH)
                        .map(|i| {
                            Ok(committed(commit(
                                &wiki,
                                "w",
                                None,
                                vec![write(&format!("s{s}/t{t}/{i}.md"), "x")],
                            )?))
                        })
                        .collect()
                },
            ));
        }
    }
    let mut acknowledged = Vec::new();
    for h in handles {
        acknowledged.extend(h.join().map_err(|_| "writer panicked")??);
    }
    let log = history(&wikis[0])?;
    assert_eq!(log.len(), 2 * THREADS_PER_STORE * EACH + 1);
    assert!(log.iter().all(|c| c.parents.len() <= 1));
    let in_log: HashSet<_> = log.iter().map(|c| c.id.clone()).collect();
    assert!(acknowledged.iter().all(|id| in_log.contains(id)));
    assert_eq!(
        wikis[1].files(None)?.len(),
        2 * THREADS_PER_STORE * EACH + 1
    );
    Ok(())
}

const CHILD_ROOT: &str = "ROBOT_STORE_TEST_CHILD_ROOT";
const CHILD_NAME: &str = "ROBOT_STORE_TEST_CHILD_NAME";
const CROSS_EACH: usize = 40;

/// Run by `real_processes_lose_nothing` in child processes; does nothing when run directly.
#[test]
#[ignore = "helper run in a child process by real_processes_lose_nothing"]
fn child_writer() -> TestResult {
    let (Ok(root), Ok(name)) = (std::env::var(CHILD_ROOT), std::env::var(CHILD_NAME)) else {
        return Ok(());
    };
    let wiki = Store::open(root)?.wiki("w")?;
    for i in 0..CROSS_EACH {
        let id = committed(commit(
            &wiki,
            "child",
            None,
            vec![write(&format!("{name}/{i}.md"), "x")],
        )?);
        // libtest may print its own "test child_writer ... " on the same line; the parent
        // looks for the marker anywhere in a line.
        println!("ACK {id}");
    }
    Ok(())
}

#[test]
fn real_processes_lose_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let wiki = store.create_wiki(
        "w",
        &[("Home.md".into(), b"home\n".to_vec())],
        &author(),
        "init",
    )?;
    let exe = std::env::current_exe()?;
    let children: Vec<_> = ["p1", "p2"]
        .iter()
        .map(|name| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "child_writer",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ROOT, dir.path())
                .env(CHILD_NAME, name)
                .stdout(std::process::Stdio::piped())
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    let mut acknowledged = Vec::new();
    for i in 0..CROSS_EACH {
        acknowledged.push(
            committed(commit(
                &wiki,
                "parent",
                None,
                vec![write(&format!("parent/{i}.md"), "x")],
            )?)
            .to_string(),
        );
    }
    for child in children {
        let out = child.wait_with_output()?;
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        acknowledged.extend(
            stdout
                .lines()
                .filter_map(|l| l.split_once("ACK "))
                .map(|(_, id)| id.trim().to_string()),
        );
    }
    assert_eq!(acknowledged.len(), 3 * CROSS_EACH);
    let log = history(&wiki)?;
    assert_eq!(log.len(), 3 * CROSS_EACH + 1);
    assert!(log.iter().all(|c| c.parents.len() <= 1));
    let in_log: HashSet<_> = log.iter().map(|c| c.id.to_string()).collect();
    assert!(acknowledged.iter().all(|id| in_log.contains(id)));
    Ok(())
}
