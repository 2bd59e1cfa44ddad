//! The page catalog: titles, frontmatter, sizes, last changes and list filters.

mod common;

use common::*;
use robot_index::{Catalog, PageFilter};

fn filter() -> PageFilter {
    PageFilter::default()
}

#[test]
fn entries_carry_frontmatter_title_size_words_and_last_change() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        (
            "Projects/Big_Plan.md",
            "---\ntitle: The Plan\ncategory: Work\ntags: [alpha, Beta]\nowner: ada\n---\n\n# Heading\n\nthree more words\n",
        ),
        (
            "notes.md",
            "---\ntags: x, y ,, z\n---\nIntro\n\n## First Heading\n",
        ),
        ("Plain.md", "no heading here"),
        ("lower case.md", "text"),
        ("Projects/Big_Plan/diagram.png", "png"),
        ("notes/v1.2.md", "not a page name"),
    ])?;
    let catalog = fresh(&wiki)?;
    assert_eq!(
        names(catalog.pages()),
        ["lower case", "notes", "Plain", "Projects/Big Plan"]
    );
    let plan = catalog
        .get(&page("projects/big plan"))
        .ok_or("plan missing")?;
    assert_eq!(plan.file.as_str(), "Projects/Big_Plan.md");
    assert_eq!(plan.title, "The Plan");
    assert_eq!(plan.category.as_deref(), Some("Work"));
    assert_eq!(plan.tags, ["alpha", "Beta"]);
    assert_eq!(
        plan.frontmatter,
        [
            ("title".to_owned(), "The Plan".to_owned()),
            ("category".to_owned(), "Work".to_owned()),
            ("tags".to_owned(), "alpha, Beta".to_owned()),
            ("owner".to_owned(), "ada".to_owned()),
        ]
    );
    assert_eq!(plan.words, 5);
    assert_eq!(plan.blob_id.len(), 40);
    assert_eq!(plan.last_author, "Ada Lovelace");
    assert_eq!(Some(&plan.last_commit), catalog.head.as_ref());

    let notes = catalog.get(&page("Notes")).ok_or("notes missing")?;
    assert_eq!(notes.tags, ["x", "y", "z"]);
    assert_eq!(notes.title, "First Heading");
    assert_eq!(notes.category, None);
    assert_eq!(
        catalog.get(&page("Plain")).map(|e| e.title.as_str()),
        Some("Plain")
    );
    assert_eq!(
        catalog.get(&page("lower_case")).map(|e| e.title.as_str()),
        Some("Lower Case")
    );
    assert_eq!(
        catalog.get(&page("Plain")).map(|e| e.size),
        Some("no heading here".len() as u64)
    );
    Ok(())
}

#[test]
fn list_filters_by_prefix_category_and_tag() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        (
            "Projects/Big Plan.md",
            "---\ncategory: Work\ntags: [Plan, q1]\n---\n",
        ),
        (
            "Projects/small_thing.md",
            "---\ncategory: work\ntags: q2\n---\n",
        ),
        ("Projects.md", "---\ncategory: Index\n---\n"),
        (
            "Personal/Diary.md",
            "---\ncategory: Life\ntags: [plan]\n---\n",
        ),
        ("Home.md", "# Home"),
    ])?;
    let catalog = fresh(&wiki)?;
    let list = |f: PageFilter| names(catalog.list(&f));

    assert_eq!(list(filter()).len(), 5);
    assert_eq!(
        list(PageFilter {
            prefix: Some("projects/".into()),
            ..filter()
        }),
        ["Projects/Big Plan", "Projects/small thing"]
    );
    assert_eq!(
        list(PageFilter {
            prefix: Some(" /PROJECTS/Big_".into()),
            ..filter()
        }),
        ["Projects/Big Plan"]
    );
    assert_eq!(
        list(PageFilter {
            prefix: Some("Proj".into()),
            ..filter()
        }),
        ["Projects", "Projects/Big Plan", "Projects/small thing"]
    );
    assert_eq!(
        list(PageFilter {
            category: Some(" WORK ".into()),
            ..filter()
        }),
        ["Projects/Big Plan", "Projects/small thing"]
    );
    assert_eq!(
        list(PageFilter {
            tag: Some("PLAN".into()),
            ..filter()
        }),
        ["Personal/Diary", "Projects/Big Plan"]
    );
    assert_eq!(
        list(PageFilter {
            prefix: Some("projects".into()),
            tag: Some("plan".into()),
            category: Some("work".into()),
            updated_since: None,
        }),
        ["Projects/Big Plan"]
    );
    assert!(
        list(PageFilter {
            category: Some("none".into()),
            ..filter()
        })
        .is_empty()
    );
    // Blank strings are "not given", as with empty query parameters.
    assert_eq!(
        list(PageFilter {
            prefix: Some(" ".into()),
            tag: Some(String::new()),
            ..filter()
        })
        .len(),
        5
    );
    Ok(())
}

#[test]
fn updated_since_uses_the_last_commit_touching_each_file() -> TestResult {
    let (dir, _store, wiki) = wiki(&[("Seed.md", "seed")])?;
    let repo_dir = dir.path().join("wikis/w.git");
    git_commit(
        &repo_dir,
        &[("Old.md", Some("old")), ("Both.md", Some("v1"))],
        1_000,
        &[],
    )?;
    git_commit(&repo_dir, &[("New.md", Some("new"))], 2_000, &[])?;
    git_commit(&repo_dir, &[("Both.md", Some("v2"))], 3_000, &[])?;
    let catalog = fresh(&wiki)?;
    let since = |t: i64| {
        names(catalog.list(&PageFilter {
            updated_since: Some(t),
            ..filter()
        }))
    };
    assert_eq!(since(0), ["Both", "New", "Old", "Seed"]);
    assert_eq!(
        since(1_000).len(),
        4,
        "the seed commit is newer than these times"
    );
    let old = catalog.get(&page("Old")).ok_or("Old missing")?;
    assert_eq!(
        (old.last_updated, old.last_author.as_str()),
        (1_000, "Grace Hopper")
    );
    assert_eq!(
        catalog.get(&page("Both")).map(|e| e.last_updated),
        Some(3_000)
    );
    assert_eq!(
        catalog.get(&page("New")).map(|e| e.last_updated),
        Some(2_000)
    );
    let seed_time = catalog
        .get(&page("Seed"))
        .map(|e| e.last_updated)
        .ok_or("Seed")?;
    assert!(seed_time > 3_000);
    assert_eq!(since(seed_time), ["Seed"]);
    assert_eq!(since(2_001), ["Both", "Seed"]);
    assert_eq!(since(2_000), ["Both", "New", "Seed"]);
    Ok(())
}

#[test]
fn files_with_the_same_key_resolve_to_one_page() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        ("Big_Plan.md", "[[a]]"),
        ("Big Plan.md", "[[b]]"),
        ("big plan.md", "[[c]]"),
    ])?;
    let catalog = fresh(&wiki)?;
    assert_eq!(catalog.len(), 1);
    let winner = catalog.get(&page("big plan")).ok_or("missing")?;
    assert_eq!(
        winner.file.as_str(),
        "Big Plan.md",
        "the exact spelling wins"
    );
    assert_eq!(strings(catalog.links_from(&page("Big Plan"))), ["b"]);
    // Removing the winner promotes the next file, incrementally as from scratch.
    let cache = robot_index::CatalogCache::new();
    cache.catalog("w", &wiki)?;
    commit(&wiki, vec![delete("Big Plan.md")])?;
    let updated = cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().incremental, 1);
    assert_eq!(updated, fresh(&wiki)?);
    let winner = updated.get(&page("big plan")).ok_or("missing")?;
    assert_eq!(
        winner.file.as_str(),
        "big plan.md",
        "an exact spelling of its own name"
    );
    assert_eq!(strings(updated.links_from(&page("Big Plan"))), ["c"]);
    assert_eq!(strings(updated.links_to(&page("c"))), ["big plan"]);
    assert!(updated.links_to(&page("b")).is_empty());
    Ok(())
}

#[test]
fn an_empty_wiki_has_an_empty_catalog() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[])?;
    let catalog = Catalog::build(&wiki)?;
    assert!(catalog.is_empty());
    assert_eq!(catalog.head, None);
    assert!(catalog.orphans().is_empty());
    Ok(())
}
