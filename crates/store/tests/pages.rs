//! Page-level operations: resolve, rename with backlinks, delete, attachments.

mod common;

use common::*;
use robot_store::{ChangeStatus, LogQuery, Revision, StoreError};
use robot_wiki::PagePath;

fn page(s: &str) -> PagePath {
    PagePath::parse(s).unwrap_or_else(|e| panic!("bad page {s}: {e}"))
}

#[test]
fn pages_resolve_case_insensitively_preferring_exact_names() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        ("home.md", "h\n"),
        ("sub/big_plan.md", "p\n"),
        ("sub/big_plan/diagram.png", "png"),
        ("Twin.md", "exact\n"),
        ("twin.md", "lower\n"),
    ])?;
    assert_eq!(
        wiki.resolve_page(&page("Home"), None)?
            .map(|p| p.to_string()),
        Some("home.md".into())
    );
    assert_eq!(
        wiki.resolve_page(&page("Sub/Big Plan"), None)?
            .map(|p| p.to_string()),
        Some("sub/big_plan.md".into())
    );
    assert_eq!(
        wiki.resolve_page(&page("Twin"), None)?
            .map(|p| p.to_string()),
        Some("Twin.md".into())
    );
    assert_eq!(
        wiki.resolve_page(&page("twin"), None)?
            .map(|p| p.to_string()),
        Some("twin.md".into())
    );
    assert_eq!(wiki.resolve_page(&page("Missing"), None)?, None);
    assert_eq!(
        wiki.is_dir(&page("SUB"), None)?.map(|p| p.to_string()),
        Some("sub".into())
    );
    assert_eq!(
        wiki.is_dir(&page("Sub/Big Plan"), None)?
            .map(|p| p.to_string()),
        Some("sub/big_plan".into())
    );
    assert_eq!(wiki.is_dir(&page("Home"), None)?, None);
    Ok(())
}

#[test]
fn rename_moves_page_folder_and_backlinks_in_one_commit() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        (
            "Home.md",
            "See [[Old Page]] and [link](/Old_Page) and ![img](/Old_Page/pic.png).\n",
        ),
        ("Old Page.md", "The page, linking [[Old Page/Child]].\n"),
        ("Old Page/Child.md", "Child of [[Old Page]].\n"),
        ("Old Page/pic.png", "png"),
        ("Unrelated.md", "Nothing here.\n"),
    ])?;
    let before = wiki.commit_count()?;
    let outcome = wiki.rename_page(
        &page("Old Page"),
        &page("New/Name"),
        true,
        &author(),
        "Renamed Old Page to New/Name.",
    )?;
    assert!(outcome.is_committed());
    assert_eq!(
        wiki.commit_count()?,
        before + 1,
        "one commit for everything"
    );

    let names: Vec<_> = wiki
        .files(None)?
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(
        names,
        vec![
            "Home.md",
            "New/Name.md",
            "New/Name/Child.md",
            "New/Name/pic.png",
            "Unrelated.md"
        ]
    );
    let home = read_str(&wiki, "Home.md")?.ok_or("home missing")?;
    assert!(home.contains("[[New/Name]]"), "{home}");
    assert!(home.contains("(/New/Name)"), "{home}");
    assert!(home.contains("(/New/Name/pic.png)"), "{home}");
    let child = read_str(&wiki, "New/Name/Child.md")?.ok_or("child missing")?;
    assert!(
        child.contains("[[New/Name]]"),
        "sub-pages are rewritten at their new place: {child}"
    );
    assert_eq!(
        read_str(&wiki, "Unrelated.md")?.as_deref(),
        Some("Nothing here.\n")
    );

    let info = wiki.commit_info(&Revision::head())?;
    assert_eq!(info.message, "Renamed Old Page to New/Name.");
    assert!(
        info.files
            .iter()
            .any(|f| f.status == ChangeStatus::Renamed && f.path == "New/Name/pic.png")
    );

    // History of the renamed page follows it back.
    let log = wiki.log(&LogQuery {
        path: Some(path("New/Name.md")),
        follow_renames: true,
        skip: 0,
        limit: 10,
    })?;
    assert_eq!(log.len(), 2);
    Ok(())
}

#[test]
fn rename_without_backlinks_and_refusals() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        ("Home.md", "[[A]]\n"),
        ("A.md", "a\n"),
        ("B.md", "b\n"),
        ("sub/x.md", "x\n"),
    ])?;
    assert!(matches!(
        wiki.rename_page(&page("A"), &page("b"), false, &author(), "m"),
        Err(StoreError::PageExists(_))
    ));
    assert!(matches!(
        wiki.rename_page(&page("Nope"), &page("C"), false, &author(), "m"),
        Err(StoreError::NotFound(_))
    ));
    wiki.rename_page(&page("A"), &page("C"), false, &author(), "m")?;
    assert_eq!(
        read_str(&wiki, "Home.md")?.as_deref(),
        Some("[[A]]\n"),
        "links untouched without rewrite"
    );
    assert_eq!(read_str(&wiki, "C.md")?.as_deref(), Some("a\n"));
    // A case-only rename of the same page is allowed.
    wiki.rename_page(&page("C"), &page("c"), false, &author(), "case")?;
    assert_eq!(read_str(&wiki, "c.md")?.as_deref(), Some("a\n"));
    // Moving under an existing folder keeps that folder's spelling instead of making a twin.
    wiki.rename_page(&page("c"), &page("Sub/Page"), false, &author(), "into sub")?;
    assert_eq!(read_str(&wiki, "sub/Page.md")?.as_deref(), Some("a\n"));
    Ok(())
}

#[test]
fn delete_page_with_and_without_attachments() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        ("Home.md", "h\n"),
        ("Doc.md", "d\n"),
        ("Doc/a.png", "a"),
        ("Doc/Sub.md", "s\n"),
        ("Keep.md", "k\n"),
        ("Keep/b.png", "b"),
    ])?;
    wiki.delete_page(&page("keep"), false, &author(), "Keep deleted.")?;
    assert_eq!(read_str(&wiki, "Keep.md")?, None);
    assert_eq!(
        read_str(&wiki, "Keep/b.png")?.as_deref(),
        Some("b"),
        "attachments stay without recursive"
    );

    let before = wiki.commit_count()?;
    wiki.delete_page(&page("Doc"), true, &author(), "Doc deleted.")?;
    assert_eq!(wiki.commit_count()?, before + 1);
    let names: Vec<_> = wiki
        .files(None)?
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(names, vec!["Home.md", "Keep/b.png"]);
    assert!(matches!(
        wiki.delete_page(&page("Doc"), true, &author(), "again"),
        Err(StoreError::NotFound(_))
    ));
    // A folder without a page can still be removed recursively.
    wiki.delete_page(&page("Keep"), true, &author(), "folder")?;
    assert_eq!(wiki.files(None)?.len(), 1);
    Ok(())
}

#[test]
fn attachments_list_files_with_their_last_change() -> TestResult {
    let (_dir, _store, wiki) = seeded_wiki(&[
        ("Page.md", "p\n"),
        ("page/one.png", "1"),
        ("page/two.pdf", "22"),
        ("page/Sub.md", "sub page, not an attachment\n"),
        ("page/deeper/three.png", "not directly in the folder"),
        ("Other/x.png", "x"),
    ])?;
    let seed = wiki.head()?.ok_or("no head")?;
    let touched = committed(commit(
        &wiki,
        "Updated attachment: two.pdf",
        None,
        vec![write("page/two.pdf", "222")],
    )?);
    commit(&wiki, "elsewhere", None, vec![write("Other/y.png", "y")])?;

    let list = wiki.attachments(&page("Page"))?;
    let summary: Vec<_> = list
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.path.as_str(),
                a.size,
                a.last_change.as_ref().map(|c| c.id.clone()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("one.png", "page/one.png", 1, Some(seed)),
            ("two.pdf", "page/two.pdf", 3, Some(touched)),
        ]
    );
    assert_eq!(
        list[1].last_change.as_ref().map(|c| c.message.as_str()),
        Some("Updated attachment: two.pdf")
    );
    assert!(wiki.attachments(&page("Nope"))?.is_empty());
    Ok(())
}
