//! Snapshot tests of the rendered HTML: one small input per dialect feature plus a kitchen-sink
//! page. A change in output shows up as a reviewed `.snap` diff.

mod support;

use insta::assert_snapshot;
use support::render_page;

fn html(markdown: &str) -> String {
    render_page(markdown).html
}

#[test]
fn commonmark_basics() {
    assert_snapshot!(html(
        "Some *emphasis*, **strong**, `code` and a [link](https://example.org \"title\").\n\n\
         Hard  \nbreak and a\\\nbackslash break.\n\n---\n\n1. one\n2. two\n   - nested\n\n> quote"
    ));
}

#[test]
fn setext_and_atx_headings() {
    assert_snapshot!(html(
        "# Title\n\nIntro\n\nSub Title\n---------\n\n## Sub Title\n\n### `code` *and* text"
    ));
}

#[test]
fn tables_with_alignment() {
    assert_snapshot!(html(
        "| left | center | right |\n|:-----|:------:|------:|\n| a | `b \\| c` | d |"
    ));
}

#[test]
fn task_lists() {
    assert_snapshot!(html("- [ ] open\n- [x] done\n- [X] also done\n- plain"));
}

#[test]
fn strikethrough_and_highlight() {
    assert_snapshot!(html("~~gone~~ and ==marked== text"));
}

#[test]
fn autolinks() {
    assert_snapshot!(html(
        "Visit https://example.org/path?q=1 or www.example.com or <mailto:me@example.org>."
    ));
}

#[test]
fn footnotes() {
    assert_snapshot!(html(
        "First[^a] and second[^b] and first again[^a].\n\n[^a]: Note A.\n[^b]: Note B\n\n    with a second paragraph."
    ));
}

#[test]
fn wikilinks() {
    assert_snapshot!(html(
        "[[Existing Page]] [[Existing Page|label]] [[Sub/Page#Some Heading]] \
         [[Sub/Page#Some Heading|both]] [[Missing]] [[#Local Heading]] [[/Absolute]] \
         [[https://example.org|external]] `[[in code]]`"
    ));
}

#[test]
fn heading_ids_and_anchors_dedupe() {
    assert_snapshot!(html(
        "# Usage\n\n## Usage\n\n## Usage\n\n## Ünïcode & Symbols!"
    ));
}

#[test]
fn alerts() {
    assert_snapshot!(html(
        "> [!NOTE]\n> Note text\n\n> [!tip]\n> Tip text\n\n> [!Important]\n> Important\n\n\
         > [!WARNING] Custom title\n> Warning\n\n> [!CAUTION]\n> Caution"
    ));
}

#[test]
fn fancy_blocks() {
    assert_snapshot!(html(
        "::: info\n# Did you know?\nInfo **body**\n:::\n\n::: yellow\nyellow is warning\n:::\n\n\
         ::: red\ndanger\n:::\n\n::: success\nok\n:::\n\n:::\nnone\n:::\n\n::: custom-Word\ncustom\n:::"
    ));
}

#[test]
fn spoiler() {
    assert_snapshot!(html(">! The butler\n>! did it.\n\n> normal quote"));
}

#[test]
fn fold() {
    assert_snapshot!(html(
        ">| # Details\n>| Hidden **content**\n>| - a list\n\n>| no title here"
    ));
}

#[test]
fn frontmatter_with_title() {
    assert_snapshot!(html(
        "---\ntitle: From Frontmatter\ntags: [one, two]\ncategory: Guides\n---\nBody text"
    ));
}

#[test]
fn frontmatter_with_h1_keeps_h1() {
    assert_snapshot!(html(
        "---\ntitle: Ignored As Heading\n---\n# Real Heading\n"
    ));
}

#[test]
fn math_inline_display_and_block() {
    assert_snapshot!(html(
        "Inline $e^{i\\pi} + 1 = 0$, not math: $5 and $ 6 $.\n\n$$\\sum_{n=1}^{\\infty} \\frac{1}{n^2}$$\n\n\
         ```math\na^2 + b^2 = c^2\n\\sqrt{x} < y\n```\n\nBroken: $\\frac{1$"
    ));
}

#[test]
fn mermaid() {
    assert_snapshot!(html("```mermaid\ngraph TD\n  A[Start] --> B{Is it?}\n```"));
}

#[test]
fn fenced_and_indented_code() {
    assert_snapshot!(html(
        "```rust\nfn main() { println!(\"<hi> & bye\"); }\n```\n\n~~~\nplain\n~~~\n\n    indented <code>"
    ));
}

#[test]
fn images_and_relative_urls() {
    assert_snapshot!(html(
        "![alt text](./diagram.png \"Diagram\") ![abs](/Other/pic.jpg) [doc](./files/a.pdf) [up](../x)"
    ));
}

#[test]
fn raw_html_is_sanitised() {
    assert_snapshot!(html(
        "<div class=\"box\" style=\"color:red\" onclick=\"x()\">\n\n*markdown* inside\n\n</div>\n\n\
         <kbd>Ctrl</kbd>+<kbd>C</kbd> <abbr title=\"HyperText\">HTML</abbr> <span id=\"editor\">x</span>\n\n\
         <details><summary>More</summary>hidden</details>"
    ));
}

#[test]
fn same_page_links_get_the_id_prefix() {
    assert_snapshot!(html(
        "# Install\n\nSee [install](#install) and <a href=\"#install\">raw</a>."
    ));
}

#[test]
fn kitchen_sink() {
    let rendered = render_page(include_str!("fixtures/kitchen_sink.md"));
    assert_snapshot!(rendered.html);
    assert_snapshot!(
        "kitchen_sink_meta",
        format!(
            "{:#?}",
            (
                rendered.toc,
                rendered.title,
                rendered.frontmatter,
                rendered.requires_math,
                rendered.requires_mermaid
            )
        )
    );
}
