//! The server packs a wiki in the background once its loose objects pass the store's limit,
//! whatever surface wrote them, and every write stays readable.

mod common;

use std::time::{Duration, Instant};

use common::{make_wiki, world};
use robot_store::{Author, Change, CommitRequest, LOOSE_OBJECTS_LIMIT, RepoPath};

#[tokio::test]
async fn loose_objects_are_packed_in_the_background_after_commits() {
    let w = world().await;
    make_wiki(&w.state, "notes", &w.alice).await;
    let wiki = w.state.store.wiki("notes").expect("wiki");
    let writer = wiki.clone();
    tokio::task::spawn_blocking(move || {
        // Each commit adds a blob, a tree and a commit: well past the limit.
        for step in 0..(LOOSE_OBJECTS_LIMIT / 3 + 100) {
            writer
                .commit(CommitRequest {
                    author: Author::new("Ada", "ada@example.org"),
                    message: format!("step {step}"),
                    base: None,
                    changes: vec![Change::Write {
                        path: RepoPath::parse("Log.md").expect("path"),
                        content: format!("entry {step}\n").into_bytes(),
                    }],
                })
                .expect("commit");
        }
    })
    .await
    .expect("join");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counts = {
            let wiki = wiki.clone();
            tokio::task::spawn_blocking(move || wiki.object_counts())
                .await
                .expect("join")
                .expect("counts")
        };
        if counts.loose <= LOOSE_OBJECTS_LIMIT && counts.packs >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {counts:?} after 30 s: the maintainer did not pack"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = wiki
        .read(&RepoPath::parse("Log.md").expect("path"), None)
        .expect("read")
        .expect("file");
    assert_eq!(
        String::from_utf8_lossy(&text.bytes),
        format!("entry {}\n", LOOSE_OBJECTS_LIMIT / 3 + 99)
    );
}
