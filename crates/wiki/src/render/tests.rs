use super::*;

fn render_on(markdown: &str, page: Option<&str>) -> Rendered {
    let page = page.map(|p| PagePath::parse(p).expect("valid page"));
    let exists = |p: &PagePath| p.lookup_key() != "missing";
    render(
        markdown,
        &RenderOptions {
            page: page.as_ref(),
            page_exists: &exists,
        },
    )
}

fn r(markdown: &str) -> Rendered {
    render_on(markdown, Some("Here"))
}

#[test]
fn title_comes_from_frontmatter_then_first_h1() {
    assert_eq!(r("## Two\n# One\n# Later").title.as_deref(), Some("One"));
    assert_eq!(
        r("---\ntitle: Front\n---\n# One").title.as_deref(),
        Some("Front")
    );
    assert_eq!(r("## Only h2").title, None);
}

#[test]
fn toc_dedupes_and_skips_hidden_headings() {
    let rendered = r(
        "# A\n## A\n::: info\n# Fancy\n## Inside fancy\n:::\n>| # Fold\n>| ## In fold\n\n>! ## In spoiler\n\n## A",
    );
    let toc: Vec<(u8, &str, &str)> = rendered
        .toc
        .iter()
        .map(|e| (e.level, e.text.as_str(), e.anchor.as_str()))
        .collect();
    assert_eq!(
        toc,
        [
            (1, "A", "user-content-a"),
            (2, "A", "user-content-a-1"),
            (2, "A", "user-content-a-2"),
        ]
    );
    // Hidden headings still get (unique) ids so they can be linked to.
    assert!(
        rendered.html.contains("id=\"user-content-inside-fancy\""),
        "{}",
        rendered.html
    );
}

#[test]
fn frontmatter_is_extracted_and_only_at_the_start() {
    let rendered = r("---\ntitle: T\ntags: [x]\ncategory: C\n---\ntext");
    let fm = rendered.frontmatter.expect("frontmatter");
    assert_eq!(
        (
            fm.title.as_deref(),
            fm.tags.as_slice(),
            fm.category.as_deref()
        ),
        (Some("T"), &["x".to_owned()][..], Some("C"))
    );
    let later = r("text\n\n---\ntitle: T\n---\n");
    assert_eq!(later.frontmatter, None);
}

#[test]
fn wikilink_anchors_match_heading_ids() {
    let page = r("## Some Heading!\n\n[[Here#Some Heading!]] [[#Some Heading!]]");
    let anchor = &page.toc[0].anchor;
    assert!(
        page.html.contains(&format!("href=\"/Here#{anchor}\"")),
        "{}",
        page.html
    );
    assert!(
        page.html.contains(&format!("href=\"#{anchor}\"")),
        "{}",
        page.html
    );
    assert_eq!(heading_anchor("Some Heading!"), *anchor);
}

#[test]
fn wikilink_classes() {
    let html = r("[[Exists]] [[missing]] [[ . ]]").html;
    assert!(
        html.contains("<a href=\"/Exists\" class=\"wikilink\""),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/missing\" class=\"wikilink missing\""),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"wikilink invalid\">.</span>"),
        "{html}"
    );
}

#[test]
fn requirement_flags() {
    let plain = r("text `$x$` and\n\n```\n$$y$$\n```");
    assert!(!plain.requires_math && !plain.requires_mermaid);
    assert!(r("$x$").requires_math);
    assert!(r("```math\nx\n```").requires_math);
    assert!(r("```mermaid\ngraph TD\n```").requires_mermaid);
}

#[test]
fn dialect_never_applies_inside_code() {
    let html = r("`==x== [[P]] $y$`\n\n```\n>! not a spoiler\n::: info\n==x==\n```").html;
    assert!(
        !html.contains("<mark>") && !html.contains("wikilink") && !html.contains("<math"),
        "{html}"
    );
    assert!(
        !html.contains("<details") && !html.contains("fancy"),
        "{html}"
    );
}

#[test]
fn relative_urls_need_a_page() {
    assert!(
        render_on("![x](./a.png)", Some("A/B"))
            .html
            .contains("src=\"/A/B/a.png\"")
    );
    assert!(
        render_on("![x](./a.png)", None)
            .html
            .contains("src=\"./a.png\"")
    );
}

#[test]
fn raw_text_elements_are_shown_as_text() {
    let html = r("before <script>alert(1)\n\n# Still here").html;
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(
        html.contains("Still here</h1>") || html.contains("Still here<a"),
        "{html}"
    );
}

#[test]
fn first_heading_skips_frontmatter_and_fancy_titles() {
    assert_eq!(
        first_heading("---\ntitle: x\n---\n::: info\n# Fancy\n:::\n## *Real* one\n# Later")
            .as_deref(),
        Some("Real one")
    );
    assert_eq!(first_heading("no headings"), None);
    assert_eq!(
        first_heading("```\n# code\n```\nSetext\n==="),
        Some("Setext".to_owned())
    );
}
