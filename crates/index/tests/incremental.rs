//! The cache stays in step with git: incremental updates equal full rebuilds, whoever commits.

mod common;

use std::sync::Arc;

use common::*;
use robot_index::{Catalog, CatalogCache};
use robot_store::Store;

/// A small deterministic generator (xorshift64*), so failures replay from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// File names that collide by key (`A`/`a`, `B_c`/`B c`), nest, or are not pages at all.
const FILES: &[&str] = &[
    "Home.md",
    "A.md",
    "a.md",
    "B_c.md",
    "B c.md",
    "Dir/D.md",
    "dir/E.md",
    "Dir/D/Sub.md",
    "F.md",
    "G.md",
    "notes/v1.2.md",
    "img.png",
];
const TARGETS: &[&str] = &[
    "A",
    "b c",
    "B_C",
    "Dir/D",
    "dir/e",
    "F",
    "home",
    "Ghost",
    "Dir/D/Sub",
    "G",
];
const CONTENTS: &[&str] = &["same text", "[[A]] fixed", "# Fixed heading"];

fn content(rng: &mut Rng) -> String {
    if rng.below(4) == 0 {
        return rng.pick(CONTENTS).to_owned();
    }
    let mut text = String::new();
    if rng.below(2) == 0 {
        let tags = ["[x, Y]", "x, z", "[]", "solo"];
        text.push_str(&format!(
            "---\ntitle: T{}\ncategory: C{}\ntags: {}\n---\n",
            rng.below(3),
            rng.below(2),
            tags[rng.below(tags.len())]
        ));
    }
    if rng.below(2) == 0 {
        text.push_str(&format!("# Heading {}\n\n", rng.below(5)));
    }
    for _ in 0..rng.below(4) {
        text.push_str(&format!("see [[{}]] ", rng.pick(TARGETS)));
    }
    if rng.below(3) == 0 {
        text.push_str(&format!("\n\n`[[{}]]`\n", rng.pick(TARGETS)));
    }
    text.push_str(&format!("\nwords {}\n", rng.below(1000)));
    text
}

fn existing(wiki: &robot_store::WikiRepo) -> Fallible<Vec<String>> {
    Ok(wiki
        .files(None)?
        .iter()
        .map(|f| f.path.as_str().to_owned())
        .collect())
}

/// One random change through the store (or plain git); errors such as "target exists" are
/// expected now and then and simply skipped.
fn random_change(
    rng: &mut Rng,
    wiki: &robot_store::WikiRepo,
    repo_dir: &std::path::Path,
) -> TestResult {
    let files = existing(wiki)?;
    let any_file = |rng: &mut Rng| files.get(rng.below(files.len().max(1))).cloned();
    let result = match rng.below(11) {
        10 => match any_file(rng) {
            // Changed and changed back between two reads: same blob, newer last commit.
            Some(f) => {
                let before = wiki
                    .read(&path(&f), None)?
                    .map(|b| b.bytes)
                    .unwrap_or_default();
                commit(wiki, vec![write(&f, "temporary")])?;
                let restore = robot_store::Change::Write {
                    path: path(&f),
                    content: before,
                };
                commit(wiki, vec![restore]).map(drop)
            }
            None => Ok(()),
        },
        0..=3 => commit(wiki, vec![write(rng.pick(FILES), &content(rng))]).map(drop),
        4 => match any_file(rng) {
            Some(f) if files.len() > 1 => commit(wiki, vec![delete(&f)]).map(drop),
            _ => Ok(()),
        },
        5 => match any_file(rng) {
            Some(f) => commit(wiki, vec![mv(&f, rng.pick(FILES))]).map(drop),
            None => Ok(()),
        },
        6 => {
            let from = page(rng.pick(TARGETS));
            let to = page(rng.pick(TARGETS));
            wiki.rename_page(&from, &to, rng.below(2) == 0, &author(), "rename")
                .map(drop)
                .map_err(Into::into)
        }
        7 => {
            let changes = (0..3)
                .map(|_| write(rng.pick(FILES), &content(rng)))
                .collect();
            commit(wiki, changes).map(drop)
        }
        8 => {
            // Plain git, as a push would: top-level files only.
            let name = ["A.md", "F.md", "G.md", "Home.md"][rng.below(4)];
            let body = content(rng);
            let gone = rng.below(4) == 0 && files.iter().any(|f| f == name) && files.len() > 1;
            let change = if gone { None } else { Some(body.as_str()) };
            git_commit(
                repo_dir,
                &[(name, change)],
                1_000 + rng.below(1000) as i64,
                &[],
            )
            .map(drop)
        }
        _ => match any_file(rng) {
            // Put known content back: exercises reuse of parsed pages by blob id.
            Some(f) => commit(wiki, vec![write(&f, rng.pick(CONTENTS))]).map(drop),
            None => Ok(()),
        },
    };
    if let Err(e) = result {
        let text = e.to_string();
        assert!(
            text.contains("already exists")
                || text.contains("does not exist")
                || text.contains("invalid path")
                || text.contains("nothing to commit"),
            "unexpected error: {text}"
        );
    }
    Ok(())
}

#[test]
fn incremental_updates_equal_full_rebuilds_after_random_changes() -> TestResult {
    for seed in 1..=6u64 {
        let (dir, _store, wiki) = wiki(&[("Home.md", "[[A]]"), ("A.md", "[[Home]]")])?;
        let repo_dir = dir.path().join("wikis/w.git");
        let cache = CatalogCache::new();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for step in 0..40 {
            // Sometimes several commits land between two reads.
            for _ in 0..=rng.below(3) {
                random_change(&mut rng, &wiki, &repo_dir)?;
            }
            let incremental = cache.catalog("w", &wiki)?;
            let scratch = Catalog::build(&wiki)?;
            assert_eq!(
                *incremental, scratch,
                "seed {seed}, step {step}: incremental catalog differs from a full build"
            );
            assert_eq!(incremental.head, wiki.head()?);
        }
        let stats = cache.stats();
        assert_eq!(
            stats.full, 1,
            "seed {seed}: only the first call builds from scratch: {stats:?}"
        );
        assert!(stats.incremental > 20, "seed {seed}: {stats:?}");
    }
    Ok(())
}

#[test]
fn unchanged_head_is_a_cache_hit() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[("Home.md", "hi")])?;
    let cache = CatalogCache::new();
    let first = cache.catalog("w", &wiki)?;
    let second = cache.catalog("w", &wiki)?;
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(cache.stats().hits, 1);
    assert_eq!(cache.stats().full, 1);
    Ok(())
}

#[test]
fn a_commit_from_another_process_is_seen_on_the_next_call() -> TestResult {
    let (dir, _store, wiki) = wiki(&[("Home.md", "[[Elsewhere]]")])?;
    let cache = CatalogCache::new();
    assert_eq!(cache.catalog("w", &wiki)?.missing_targets().len(), 1);

    // A second Store on the same directory stands in for another server process.
    let other = Store::open(dir.path().join("wikis"))?;
    let other_wiki = other.wiki("w")?;
    commit(&other_wiki, vec![write("Elsewhere.md", "[[Home]]")])?;

    let seen = cache.catalog("w", &wiki)?;
    assert_eq!(seen.head, other_wiki.head()?);
    assert!(seen.missing_targets().is_empty());
    assert_eq!(strings(seen.links_to(&page("Home"))), ["Elsewhere"]);
    assert_eq!(cache.stats().incremental, 1);
    assert_eq!(*seen, Catalog::build(&wiki)?);
    Ok(())
}

#[test]
fn merges_and_rewritten_history_fall_back_to_a_full_build() -> TestResult {
    let (dir, _store, wiki) = wiki(&[("Home.md", "[[Side]]")])?;
    let repo_dir = dir.path().join("wikis/w.git");
    let cache = CatalogCache::new();
    let start = cache.catalog("w", &wiki)?;
    let base = git2::Oid::from_str(start.head.as_ref().ok_or("no head")?.as_str())?;

    let side = git_side_commit(&repo_dir, base, &[("Side.md", "side [[Home]]")], 5_000)?;
    git_commit(&repo_dir, &[("Main.md", Some("main"))], 6_000, &[])?;
    git_commit(
        &repo_dir,
        &[("Side.md", Some("side [[Home]]"))],
        7_000,
        &[side],
    )?;
    let merged = cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().full, 2, "a merge is rebuilt from scratch");
    assert_eq!(*merged, Catalog::build(&wiki)?);
    assert_eq!(
        merged.get(&page("Side")).map(|e| e.last_updated),
        Some(5_000),
        "the change is where it was made, as `git log -- Side.md` says: the merge only joins"
    );

    // Force the branch back to the start: the cached head is no ancestor any more.
    let repo = git2::Repository::open_bare(&repo_dir)?;
    repo.reference("refs/heads/main", base, true, "rewind")?;
    let rewound = cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().full, 3);
    assert_eq!(rewound, start);
    Ok(())
}

#[test]
fn forget_and_eviction_drop_catalogs() -> TestResult {
    let (_dir, store, wiki) = wiki(&[("Home.md", "hi")])?;
    let other = store.create_wiki(
        "x",
        &[("Home.md".to_owned(), b"x".to_vec())],
        &author(),
        "init",
    )?;
    let cache = CatalogCache::with_capacity(1);
    cache.catalog("w", &wiki)?;
    cache.catalog("x", &other)?;
    cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().evictions, 2);
    assert_eq!(cache.stats().full, 3);
    cache.forget("w");
    cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().full, 4);
    Ok(())
}

#[test]
fn concurrent_readers_get_consistent_snapshots_while_commits_land() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[("Home.md", "[[P0]]")])?;
    let cache = CatalogCache::new();
    let wiki = &*wiki;
    let cache = &cache;
    std::thread::scope(|s| -> Result<(), String> {
        let writer = s.spawn(move || -> Result<(), String> {
            for i in 1..=30 {
                let text = format!("[[P{}]]", i - 1);
                commit(wiki, vec![write(&format!("P{i}.md"), &text)]).map_err(|e| e.to_string())?;
            }
            Ok(())
        });
        let readers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(move || -> Result<(), String> {
                    for _ in 0..40 {
                        let catalog = cache.catalog("w", wiki).map_err(|e| e.to_string())?;
                        let head = catalog.head.clone().ok_or("no head")?;
                        let files = wiki.files(Some(&head)).map_err(|e| e.to_string())?;
                        let newest = files.len() - 1;
                        if catalog.len() != files.len() {
                            return Err(format!(
                                "{} pages for {} files",
                                catalog.len(),
                                files.len()
                            ));
                        }
                        // Each page links to the one before it: only the newest is an orphan.
                        let orphans = names(catalog.orphans());
                        let expected: Vec<String> = (newest > 0)
                            .then(|| format!("P{newest}"))
                            .into_iter()
                            .collect();
                        if orphans != expected {
                            return Err(format!("orphans {orphans:?} at {newest} pages"));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        writer.join().map_err(|_| "writer panicked")??;
        for reader in readers {
            reader.join().map_err(|_| "reader panicked")??;
        }
        Ok(())
    })?;
    assert_eq!(*cache.catalog("w", wiki)?, Catalog::build(wiki)?);
    assert_eq!(cache.stats().full, 1);
    Ok(())
}
