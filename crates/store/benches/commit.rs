//! Criterion micro-benchmark of the commit path: one save (a page rewritten) in a wiki of 1,000
//! pages in 100 folders, through `WikiRepo::commit` with a quota set as the server sets one
//! (writer lock, quota check, tree edit, commit, ref compare-and-swap, page log), then the
//! catalog of the new head, as the next page lookup needs it. Every iteration is a new commit,
//! so the repository grows through the run as a real wiki does.
//!
//! Run: `cargo bench -p robot-store --bench commit`.

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use robot_store::{Change, CommitRequest, RepoPath, Store};

fn bench(c: &mut Criterion) {
    let temp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(temp.path().join("wikis")).expect("store");
    let wiki = support::seeded_wiki(&store).expect("wiki");
    let (author, paragraph) = (support::author(), support::paragraph());
    let page = RepoPath::parse("Folder 7/Page 7.md").expect("path");
    let mut round = 0u64;
    c.bench_function("commit: save one page of a 1,000-page wiki", |b| {
        b.iter(|| {
            round += 1;
            let outcome = wiki
                .commit(CommitRequest {
                    author: author.clone(),
                    message: format!("save {round}"),
                    base: None,
                    changes: vec![Change::Write {
                        path: page.clone(),
                        content: format!("# Page 7\n\nSave {round}.\n{paragraph}\n").into_bytes(),
                    }],
                })
                .expect("commit");
            black_box(wiki.files(None).expect("catalog"));
            outcome
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
