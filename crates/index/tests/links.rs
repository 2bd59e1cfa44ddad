//! The link graph: links and backlinks, orphans, wanted pages, renames.

mod common;

use common::*;
use robot_index::CatalogCache;

#[test]
fn links_resolve_case_insensitively_and_ignore_code() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        (
            "Home.md",
            "[[projects/big_plan]] [[Notes|shown]] [[notes#Part]] [[#Local]] [[https://x.org]]",
        ),
        (
            "Projects/Big Plan.md",
            "[[/HOME]] and [[Missing Page]] and [[missing_page|again]]",
        ),
        (
            "Notes.md",
            "`[[Inline Code]]`\n\n```\n[[Fenced]]\n```\n\n    [[Indented]]\n\n[[Notes]]\n",
        ),
        ("Lonely.md", "---\nsee: \"[[Home]]\"\n---\nno links"),
    ])?;
    let catalog = fresh(&wiki)?;
    assert_eq!(
        strings(catalog.links_from(&page("home"))),
        ["Notes", "Projects/Big Plan"]
    );
    assert_eq!(
        strings(catalog.links_from(&page("Projects/Big_Plan"))),
        ["Home", "Missing Page"]
    );
    assert_eq!(strings(catalog.links_from(&page("Notes"))), ["Notes"]);
    assert_eq!(
        strings(catalog.links_to(&page("HOME"))),
        ["Projects/Big Plan"]
    );
    assert_eq!(strings(catalog.links_to(&page("notes"))), ["Home", "Notes"]);
    assert_eq!(
        strings(catalog.links_to(&page("missing page"))),
        ["Projects/Big Plan"]
    );
    assert!(catalog.links_from(&page("Nowhere")).is_empty());
    assert!(catalog.links_to(&page("Lonely")).is_empty());

    let (nodes, edges) = catalog.graph();
    assert_eq!(
        nodes,
        [
            "Home",
            "Lonely",
            "Missing Page",
            "Notes",
            "Projects/Big Plan"
        ]
    );
    let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        edges,
        [
            edge("Home", "Notes"),
            edge("Home", "Projects/Big Plan"),
            edge("Notes", "Notes"),
            edge("Projects/Big Plan", "Home"),
            edge("Projects/Big Plan", "Missing Page"),
        ]
    );
    Ok(())
}

#[test]
fn orphans_and_wanted_pages() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        ("Home.md", "[[A]] [[Wanted]]"),
        ("A.md", "[[b]] [[Wanted]] [[Also wanted]]"),
        ("B.md", "[[B]] [[wanted]]"),
        ("Self.md", "[[Self]] [[Also_Wanted]]"),
        ("Island.md", "nothing"),
    ])?;
    let catalog = fresh(&wiki)?;
    assert_eq!(names(catalog.orphans()), ["Island", "Self"]);
    assert_eq!(
        catalog.missing_targets(),
        [("Wanted".to_owned(), 3), ("Also Wanted".to_owned(), 2)]
    );

    // Creating a wanted page resolves it for every linker without touching them.
    let cache = CatalogCache::new();
    cache.catalog("w", &wiki)?;
    commit(&wiki, vec![write("wanted.md", "[[Island]]")])?;
    let updated = cache.catalog("w", &wiki)?;
    assert_eq!(updated, fresh(&wiki)?);
    assert_eq!(updated.missing_targets(), [("Also Wanted".to_owned(), 2)]);
    assert_eq!(strings(updated.links_from(&page("Home"))), ["A", "wanted"]);
    assert_eq!(names(updated.orphans()), ["Self"]);
    Ok(())
}

#[test]
fn rename_with_backlink_rewrite_updates_the_graph() -> TestResult {
    let (_dir, _store, wiki) = wiki(&[
        ("Home.md", "[[Old Name]] [[Other]]"),
        ("Other.md", "see [[old_name#Part|here]]"),
        ("Old Name.md", "# Old\n[[Home]]"),
    ])?;
    let cache = CatalogCache::new();
    let before = cache.catalog("w", &wiki)?;
    assert_eq!(
        strings(before.links_to(&page("Old Name"))),
        ["Home", "Other"]
    );

    wiki.rename_page(
        &page("Old Name"),
        &page("New/Name"),
        true,
        &author(),
        "rename",
    )?;
    let after = cache.catalog("w", &wiki)?;
    assert_eq!(cache.stats().incremental, 1);
    assert_eq!(after, fresh(&wiki)?);
    assert_eq!(
        strings(after.links_to(&page("New/Name"))),
        ["Home", "Other"]
    );
    assert!(after.links_to(&page("Old Name")).is_empty());
    assert!(after.get(&page("Old Name")).is_none());
    let moved = after.get(&page("new/name")).ok_or("renamed page missing")?;
    assert_eq!(moved.title, "Old");
    assert_eq!(after.head.as_ref(), Some(&moved.last_commit));
    assert_eq!(strings(after.links_from(&page("New/Name"))), ["Home"]);
    assert!(after.missing_targets().is_empty());

    // Without the rewrite the old links dangle: the graph says so.
    wiki.rename_page(
        &page("New/Name"),
        &page("Third"),
        false,
        &author(),
        "rename again",
    )?;
    let third = cache.catalog("w", &wiki)?;
    assert_eq!(third, fresh(&wiki)?);
    assert_eq!(third.missing_targets(), [("New/Name".to_owned(), 2)]);
    assert_eq!(names(third.orphans()), ["Third"]);
    Ok(())
}
