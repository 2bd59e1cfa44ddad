//! Full build vs incremental update of the catalog of a generated 1,000-page wiki.
//!
//! `cargo bench -p robot-index` prints the timings and the ratio; std only, no harness.

use std::error::Error;
use std::time::{Duration, Instant};

use robot_index::{Catalog, CatalogCache, PageFilter};
use robot_store::{Author, Change, CommitRequest, RepoPath, Store, WikiRepo};

const PAGES: usize = 1_000;
const HISTORY: usize = 200;
const UPDATES: usize = 25;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn name(i: usize) -> String {
    format!("Section {}/Page {i}", i % 20)
}

fn page_text(i: usize, version: usize, rng: &mut Rng) -> String {
    let mut text = format!(
        "---\ntitle: Page {i} v{version}\ncategory: C{}\ntags: [t{}, t{}]\n---\n\n# Page {i}\n\n",
        i % 7,
        i % 11,
        i % 13
    );
    for line in 0..20 {
        text.push_str(&format!(
            "Line {line} of page {i} has some words and a link to [[{}]].\n",
            name(rng.below(PAGES + 50))
        ));
    }
    text.push_str("\n```\n[[Not A Link]]\n```\n");
    text
}

fn write(i: usize, version: usize, rng: &mut Rng) -> Result<Change, Box<dyn Error>> {
    Ok(Change::Write {
        path: RepoPath::parse(&format!("{}.md", name(i)))?,
        content: page_text(i, version, rng).into_bytes(),
    })
}

fn commit(wiki: &WikiRepo, changes: Vec<Change>) -> Result<(), Box<dyn Error>> {
    wiki.commit(CommitRequest {
        author: Author::new("Bench", "bench@example.org"),
        message: "edit".into(),
        base: None,
        changes,
    })?;
    Ok(())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mut rng = Rng(0x5EED);
    let seed = (0..PAGES)
        .map(|i| {
            (
                format!("{}.md", name(i)),
                page_text(i, 0, &mut rng).into_bytes(),
            )
        })
        .collect::<Vec<_>>();
    let author = Author::new("Bench", "bench@example.org");
    let wiki = store.create_wiki("bench", &seed, &author, "seed")?;
    for v in 1..=HISTORY {
        let i = rng.below(PAGES);
        commit(&wiki, vec![write(i, v, &mut rng)?])?;
    }
    println!("wiki: {PAGES} pages, {} commits", HISTORY + 1);

    let mut full = Vec::new();
    let mut catalog = Catalog::build(&wiki)?;
    for _ in 0..5 {
        let start = Instant::now();
        catalog = Catalog::build(&wiki)?;
        full.push(start.elapsed());
    }
    let full = median(full);

    let cache = CatalogCache::new();
    cache.catalog("bench", &wiki)?;
    let mut incremental = Vec::new();
    let mut files_only = Vec::new();
    for v in 0..UPDATES {
        let i = rng.below(PAGES);
        commit(&wiki, vec![write(i, HISTORY + 1 + v, &mut rng)?])?;
        let start = Instant::now();
        wiki.files(None)?;
        files_only.push(start.elapsed());
        let start = Instant::now();
        let updated = cache.catalog("bench", &wiki)?;
        incremental.push(start.elapsed());
        assert_eq!(updated.head, wiki.head()?);
    }
    assert_eq!(cache.stats().full, 1);
    assert_eq!(cache.stats().incremental, UPDATES as u64);
    let incremental = median(incremental);

    let start = Instant::now();
    let rounds = 10_000;
    for _ in 0..rounds {
        cache.catalog("bench", &wiki)?;
    }
    let hit = start.elapsed() / rounds;

    let latest = cache.catalog("bench", &wiki)?;
    assert_eq!(*latest, Catalog::build(&wiki)?);
    let time = |f: &dyn Fn() -> usize| {
        let runs: Vec<(Duration, usize)> = (0..21)
            .map(|_| {
                let start = Instant::now();
                let n = f();
                (start.elapsed(), n)
            })
            .collect();
        let n = runs[0].1;
        (median(runs.into_iter().map(|r| r.0).collect()), n)
    };
    let (orphans_t, orphans) = time(&|| latest.orphans().len());
    let (wanted_t, wanted) = time(&|| latest.missing_targets().len());
    let (list_t, listed) = time(&|| {
        latest
            .list(&PageFilter {
                prefix: Some("section 3/".into()),
                tag: Some("T5".into()),
                ..PageFilter::default()
            })
            .len()
    });
    let (graph_t, edges) = time(&|| latest.graph().1.len());
    drop(catalog);

    println!("full build:          {full:>12.3?} (median of 5)");
    println!(
        "incremental update:  {incremental:>12.3?} (median of {UPDATES}, one page edited, store file list warm)"
    );
    println!(
        "store files() alone: {:>12.3?} (the store's file list of the new head, built first)",
        median(files_only)
    );
    println!("unchanged (hit):     {hit:>12.3?} (head read + lookup)");
    println!("orphans:             {orphans_t:>12.3?} ({orphans} found)");
    println!("missing_targets:     {wanted_t:>12.3?} ({wanted} found)");
    println!("list(prefix + tag):  {list_t:>12.3?} ({listed} listed)");
    println!("graph:               {graph_t:>12.3?} ({edges} edges)");
    println!(
        "ratio full / incremental: {:.0}x",
        full.as_secs_f64() / incremental.as_secs_f64()
    );
    Ok(())
}
