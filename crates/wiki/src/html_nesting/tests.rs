use super::*;

fn depth_of(html: &str) -> usize {
    let mut model = Model::default();
    let capped = cap_html_nesting(html);
    let mut pos = 0;
    let mut max = 0;
    while let Some(offset) = capped[pos..].find('<') {
        let at = pos + offset;
        pos = at + 1;
        match markup_at(&capped, at) {
            Markup::Start {
                name,
                self_closing,
                end,
            } => {
                assert!(
                    model.start(name, self_closing),
                    "capped output over the cap"
                );
                max = max.max(model.stack.len());
                pos = end;
            }
            Markup::End { name, end } => {
                assert!(model.end(name), "capped output over the cap");
                pos = end;
            }
            Markup::Inert { end } => pos = end,
            Markup::Cdata | Markup::Text => {}
        }
    }
    max
}

#[test]
fn realistic_html_is_borrowed() {
    let html = "<div class=\"x\"><p>a <b>b</b> <a href=\"#\">c</a></p><ul><li>1<li>2</ul>\
                <table><tr><td>x<td>y</table><script>if (a < b) {}</script>\
                <math><mrow><mi>x</mi><mspace width=\"1em\"/></mrow></math></div>";
    assert!(matches!(cap_html_nesting(html), Cow::Borrowed(_)));
}

#[test]
fn deep_nesting_is_escaped_past_the_cap() {
    let html = "<div>".repeat(200);
    let capped = cap_html_nesting(&html);
    assert_eq!(capped.matches("<div>").count(), MAX_HTML_DEPTH);
    assert_eq!(capped.matches("&#60;div>").count(), 200 - MAX_HTML_DEPTH);
}

#[test]
fn closed_elements_do_not_count() {
    let html = "<div></div>".repeat(1000) + &"<p>a<p>b<li>c<li>d".repeat(100);
    assert!(matches!(cap_html_nesting(&html), Cow::Borrowed(_)));
}

#[test]
fn hidden_end_tags_do_not_close() {
    for unit in [
        "<div title=\"</div>\">",
        "<div><!-- </div> -->",
        "<div><!-- </div> --!>",
        "<div><script></div></script>",
        "<div><style></div></style>",
        "<span><p></span>",
        "<body><div></body>",
        "<td><div></td>",
        "<form><div></form>",
        "<math><mtext><div/>",
        "<math><input>",
        "<math><html>",
    ] {
        let depth = depth_of(&unit.repeat(500));
        assert!(depth <= MAX_HTML_DEPTH, "{unit}: {depth}");
        assert!(
            depth >= 50,
            "{unit}: the model closed elements the parser keeps open ({depth})"
        );
    }
}

#[test]
fn ambiguous_markup_is_made_text() {
    // The parser would keep these `<div>`s open (script double-escaping, a bogus comment in
    // HTML); escaping makes the hidden `</div>` a real end tag for model and parser alike.
    for unit in [
        "<div><script><!--<script></script></div>--></script>",
        "<div><![CDATA[</div>]]>",
    ] {
        let capped = cap_html_nesting(unit);
        assert!(capped.contains("&#60;"), "{unit}");
        assert!(depth_of(&unit.repeat(500)) <= 2, "{unit}");
    }
}

#[test]
fn comments_are_dropped_and_lone_brackets_escaped() {
    let capped = cap_html_nesting("a<!-- x -->b<!x>c<?y>d</ z>e< f<<!---->div>");
    assert_eq!(capped, "abcde&#60; f&#60;div>");
}

#[test]
fn raw_text_content_is_inert() {
    let capped = cap_html_nesting("<script><div></script><div>");
    assert_eq!(capped, "<script>&#60;div></script><div>");
    let capped = cap_html_nesting("<plaintext></plaintext><b>");
    assert_eq!(capped, "<plaintext>&#60;/plaintext>&#60;b>");
}

#[test]
fn dangling_formatting_is_bounded() {
    let html = "<p><b id=x></p>".repeat(100);
    let capped = cap_html_nesting(&html);
    assert_eq!(capped.matches("<b id=x>").count(), MAX_DANGLING_FORMATTING);
}
