use super::*;

fn p(s: &str) -> PagePath {
    PagePath::parse(s).expect("valid page name")
}

fn link(target: &str, anchor: Option<&str>, label: Option<&str>) -> WikiLink {
    WikiLink {
        target: target.to_owned(),
        anchor: anchor.map(str::to_owned),
        label: label.map(str::to_owned),
    }
}

#[test]
fn extracts_all_forms() {
    let md = "[[Page]] [[Page|Title]] [[Page#Some Heading]] [[ /Sub/Page#H | T ]] [[#Local]]";
    assert_eq!(
        wikilinks(md),
        vec![
            link("Page", None, None),
            link("Page", None, Some("Title")),
            link("Page", Some("Some Heading"), None),
            link("/Sub/Page", Some("H"), Some("T")),
            link("", Some("Local"), None),
        ]
    );
}

#[test]
fn extraction_skips_code() {
    let md = "`[[InCode]]` [[Real]]\n\n```\n[[Fenced]]\n```\n\n    [[Indented]]\n\n~~~md\n[[Tilde]]\n~~~\n";
    assert_eq!(wikilinks(md), vec![link("Real", None, None)]);
}

#[test]
fn extraction_decodes_escapes_and_rejects_broken_syntax() {
    assert_eq!(wikilinks("[[A \\[b\\]]]"), vec![link("A [b]", None, None)]);
    assert_eq!(wikilinks("[[A &amp; B]]"), vec![link("A & B", None, None)]);
    assert!(wikilinks("[[no end] [[x|y|z]] [[a]b]]").is_empty());
    assert!(wikilinks("![[embedded.png]]").is_empty());
}

#[test]
fn resolves_pages() {
    assert_eq!(link("/Sub/page", None, None).page(), Some(p("Sub/page")));
    assert_eq!(link("https://example.org", None, None).page(), None);
    assert_eq!(link("mailto:a@b.c", None, None).page(), None);
    assert_eq!(link("", Some("x"), None).page(), None);
    assert_eq!(
        link("Meeting: notes", None, None).page(),
        Some(p("Meeting: notes"))
    );
}

fn rename(md: &str, from: &str, to: &str) -> Option<String> {
    rewrite_links(md, &p(from), &p(to))
}

#[test]
fn rewrite_keeps_label_anchor_and_slash() {
    assert_eq!(
        rename("see [[Old]]!", "Old", "New").as_deref(),
        Some("see [[New]]!")
    );
    assert_eq!(
        rename(
            "[[Old|my label]] [[/Old#Sec One|x]] [[ Old ]]",
            "Old",
            "New/Place"
        )
        .as_deref(),
        Some("[[New/Place|my label]] [[/New/Place#Sec One|x]] [[ New/Place ]]")
    );
}

#[test]
fn rewrite_is_case_and_underscore_insensitive() {
    assert_eq!(
        rename(
            "[[old name]] [[OLD_NAME]] [[Old Names]]",
            "Old Name",
            "Fresh"
        )
        .as_deref(),
        Some("[[Fresh]] [[Fresh]] [[Old Names]]")
    );
}

#[test]
fn rewrite_moves_subpages() {
    assert_eq!(
        rename("[[Old/Child#h|c]] [[Older/Child]]", "Old", "Archive/Old").as_deref(),
        Some("[[Archive/Old/Child#h|c]] [[Older/Child]]")
    );
}

#[test]
fn rewrite_markdown_links_and_images() {
    let md = "[a](/Old_Name) [b](/Old%20Name/Sub?x=1#top) ![i](/old_name/a/pic.png \"t\")\n\
              [c](</Old Name>) [d](/Old_Names) [e](Old_Name) [f](//Old_Name) [g](https://x/Old_Name)\n\
              \n[ref]: /Old_Name#frag\n";
    let expected = "[a](/New_Page) [b](/New_Page/Sub?x=1#top) ![i](/New_Page/a/pic.png \"t\")\n\
              [c](</New_Page>) [d](/Old_Names) [e](Old_Name) [f](//Old_Name) [g](https://x/Old_Name)\n\
              \n[ref]: /New_Page#frag\n";
    assert_eq!(
        rename(md, "Old Name", "New Page").as_deref(),
        Some(expected)
    );
}

#[test]
fn rewrite_never_touches_code() {
    let md = "`[[Old]]` and `[x](/Old)`\n\n```\n[[Old]] [x](/Old)\n```\n\n    [[Old]]\n";
    assert_eq!(rename(md, "Old", "New"), None);
    let mixed = "`[[Old]]` [[Old]]\n";
    assert_eq!(
        rename(mixed, "Old", "New").as_deref(),
        Some("`[[Old]]` [[New]]\n")
    );
}

#[test]
fn rewrite_without_change_is_none() {
    assert_eq!(rename("nothing [[Other]] here", "Old", "New"), None);
    assert_eq!(rename("", "Old", "New"), None);
}

#[test]
fn rewrite_escapes_brackets_in_new_names() {
    assert_eq!(
        rename("[[Old]]", "Old", "New [draft]").as_deref(),
        Some("[[New \\[draft\\]]]")
    );
    let renamed = rename("[[Old]]", "Old", "New [draft]").unwrap_or_default();
    assert_eq!(wikilinks(&renamed)[0].page(), Some(p("New [draft]")));
}

#[test]
fn rewrite_preserves_everything_else_byte_for_byte() {
    let md = "# Title\r\n\r\nText with [[Old]] and *emphasis*  \r\n> [[old|q]]\r\n";
    let out = rename(md, "Old", "New").unwrap_or_default();
    assert_eq!(
        out,
        "# Title\r\n\r\nText with [[New]] and *emphasis*  \r\n> [[New|q]]\r\n"
    );
}

#[test]
fn rename_round_trip_restores_text() {
    let md = "[[Old]] [[Old/Sub|s]] [x](/Old/a/f.txt)\n";
    let there = rename(md, "Old", "Elsewhere").unwrap_or_default();
    let back = rename(&there, "Elsewhere", "Old").unwrap_or_default();
    assert_eq!(back, md);
}
