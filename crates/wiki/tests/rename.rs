//! Rename rewriting across whole documents: after moving a page no link to the old name is
//! left outside code, the number of links is unchanged, and moving back restores the text when
//! the links were written in the page's own spelling.

use proptest::prelude::*;
use robot_wiki::{PagePath, rewrite_links, wikilinks};

fn p(s: &str) -> PagePath {
    PagePath::parse(s).expect("valid page")
}

fn links_to(markdown: &str, page: &PagePath) -> usize {
    wikilinks(markdown)
        .iter()
        .filter_map(|l| l.page())
        .filter(|target| target.starts_with(page))
        .count()
}

fn document() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("[[Old Page]]".to_owned()),
        Just("[[old_page|label]]".to_owned()),
        Just("[[/Old Page/Child#Heading|x]]".to_owned()),
        Just("[a](/Old_Page) ".to_owned()),
        Just("![i](/Old_Page/a/pic.png)".to_owned()),
        Just("`[[Old Page]]`".to_owned()),
        Just("\n```\n[[Old Page]]\n```\n".to_owned()),
        Just("[[Other]]".to_owned()),
        Just("[[Old Pages]]".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("> ".to_owned()),
        Just("- ".to_owned()),
        "[a-z ]{0,10}",
    ];
    prop::collection::vec(part, 0..20).prop_map(|parts| parts.concat())
}

#[test]
fn round_trip_restores_canonical_spelling() {
    let md = "# Notes\n\nSee [[Old Page]], [[Old Page#Intro|the intro]] and [[/Old Page/Child]].\n\
              ![pic](/Old_Page/a/pic.png) [doc](/Old_Page)\n\n```\n[[Old Page]]\n```\n";
    let (old, new) = (p("Old Page"), p("Archive/New Page"));
    let moved = rewrite_links(md, &old, &new).expect("links changed");
    assert_eq!(
        moved,
        "# Notes\n\nSee [[Archive/New Page]], [[Archive/New Page#Intro|the intro]] and [[/Archive/New Page/Child]].\n\
         ![pic](/Archive/New_Page/a/pic.png) [doc](/Archive/New_Page)\n\n```\n[[Old Page]]\n```\n"
    );
    assert_eq!(rewrite_links(&moved, &new, &old).as_deref(), Some(md));
}

proptest! {
    #[test]
    fn rename_leaves_no_links_behind(md in document()) {
        let (old, new) = (p("Old Page"), p("Fresh"));
        let before = wikilinks(&md).len();
        let renamed = rewrite_links(&md, &old, &new).unwrap_or_else(|| md.clone());
        prop_assert_eq!(links_to(&renamed, &old), 0);
        prop_assert_eq!(wikilinks(&renamed).len(), before);
        prop_assert_eq!(links_to(&renamed, &new), links_to(&md, &old));
        prop_assert_eq!(rewrite_links(&renamed, &old, &new), None);
    }
}
