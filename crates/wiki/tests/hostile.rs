//! Issue 17, finding 5: hostile markdown must render in time linear in its size. Each test feeds
//! one of the audit's inputs (at the audit's size or larger), checks the structure of the output
//! (nesting stays under the caps, every character the author wrote is still on the page) and
//! guards the wall clock generously, so the test cannot pass on a quadratic renderer yet does not
//! flake on a busy machine.

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use robot_wiki::{Rendered, sanitize_html};
use support::render_page;

/// The deepest element nesting any rendered page may have. The renderer caps markdown containers
/// well below this and the sanitiser caps HTML nesting at it; anything deeper is shown as text.
const MAX_DEPTH: usize = 128;

/// Wall-clock guard for one render in a debug build. Today's code needs minutes for these inputs;
/// the fixed renderer needs well under a second in release and a few seconds in debug.
const GUARD: Duration = Duration::from_secs(30);

/// Renders on a worker thread and fails (instead of hanging the suite) if it takes longer than
/// [`GUARD`].
fn render_guarded(markdown: String) -> Rendered {
    let (send, receive) = mpsc::channel();
    let size = markdown.len();
    thread::spawn(move || {
        let started = Instant::now();
        let rendered = render_page(&markdown);
        let _ = send.send((rendered, started.elapsed()));
    });
    match receive.recv_timeout(GUARD) {
        Ok((rendered, elapsed)) => {
            eprintln!("rendered {size} bytes in {elapsed:?}");
            rendered
        }
        Err(_) => panic!("rendering {size} bytes took longer than {GUARD:?}"),
    }
}

/// The deepest element nesting in sanitised HTML (well-formed, attribute values quoted).
fn max_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "br", "hr", "img", "input", "col", "source", "wbr", "area", "embed", "track",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 {
            continue;
        }
        let name = &html[start..start + name_len];
        let mut quoted = false;
        let mut end = start + name_len;
        while end < bytes.len() && (quoted || bytes[end] != b'>') {
            if bytes[end] == b'"' {
                quoted = !quoted;
            }
            end += 1;
        }
        let self_closing = end > 0 && bytes[end - 1] == b'/';
        if closing {
            depth = depth.saturating_sub(1);
        } else if !VOID.contains(&name) && !self_closing {
            depth += 1;
            max = max.max(depth);
        }
        i = end.min(bytes.len());
    }
    max
}

#[test]
fn finding_5_deep_blockquotes_render_in_linear_time() {
    // The audit's 195 KiB case (over 120 s before the fix), plus the same shape with spaces.
    for unit in [">", "> "] {
        let count = 200_000;
        let markdown = format!("{}deep", unit.repeat(count));
        let rendered = render_guarded(markdown);
        assert!(max_depth(&rendered.html) <= MAX_DEPTH);
        let quotes = rendered.html.matches("<blockquote>").count();
        let shown = rendered.html.matches("&gt;").count();
        assert!(quotes > 0 && quotes <= 64, "{quotes} block quotes");
        assert_eq!(
            quotes + shown,
            count,
            "every `>` is a quote or shown as text"
        );
        assert!(rendered.html.contains("deep"));
    }
}

#[test]
fn finding_5_deep_lists_and_mixed_containers_render_in_linear_time() {
    let count = 100_000;
    for unit in ["- ", "1. ", "> - ", "* > "] {
        let markdown = format!("{}item\n\n\n\n", unit.repeat(count));
        let rendered = render_guarded(markdown);
        assert!(
            max_depth(&rendered.html) <= MAX_DEPTH,
            "{unit:?}: depth {}",
            max_depth(&rendered.html)
        );
        assert!(rendered.html.contains("item"));
    }
}

#[test]
fn finding_5_indented_list_nesting_and_blank_lines_render_in_linear_time() {
    // Each line nests one list deeper by indentation, then blank lines, which match every open
    // list item, would cost the depth each.
    let mut markdown = String::new();
    for level in 0..600 {
        markdown.push_str(&" ".repeat(level * 2));
        markdown.push_str("- x\n");
    }
    markdown.push_str(&"\n".repeat(500_000));
    markdown.push_str("end\n");
    let rendered = render_guarded(markdown);
    assert!(max_depth(&rendered.html) <= MAX_DEPTH);
    assert_eq!(rendered.html.matches('x').count(), 600);
    assert!(rendered.html.contains("end"));
}

#[test]
fn finding_5_nested_divs_render_in_linear_time() {
    let count = 100_000;
    let markdown = format!("{}inside", "<div>".repeat(count));
    let rendered = render_guarded(markdown);
    let depth = max_depth(&rendered.html);
    assert!(depth <= MAX_DEPTH, "depth {depth}");
    let divs = rendered.html.matches("<div>").count();
    let shown = rendered.html.matches("&lt;div&gt;").count();
    assert_eq!(
        divs + shown,
        count,
        "every <div> is an element or shown as text"
    );
    assert!(rendered.html.contains("inside"));
}

#[test]
fn finding_5_nested_html_tricks_stay_capped() {
    // Shapes where a naive tag counter would see the nesting close while the HTML parser does
    // not: end tags hidden in attributes, comments and raw text, and formatting elements that the
    // parser re-opens in every later block.
    let cases = [
        "<div title=\"</div>\">",
        "<div><!-- </div> -->",
        "<div><script></div></script>",
        "<span><p></span>",
        "<p><b id=x></p>",
        "<body><div></body>",
        "<math><mrow>",
        "<p><table><tr><td></p>",
    ];
    for unit in cases {
        let markdown = format!("{}end", unit.repeat(20_000));
        let rendered = render_guarded(markdown);
        let depth = max_depth(&rendered.html);
        assert!(depth <= MAX_DEPTH, "{unit:?}: depth {depth}");
        assert!(rendered.html.contains("end"), "{unit:?}");
    }
}

#[test]
fn finding_5_deep_frontmatter_is_shown_as_text_and_the_body_renders() {
    // The audit's 97 KiB frontmatter of `[` (92 s in a debug build before the fix).
    for unit in ["[", "{", "- [", "a: {"] {
        let yaml = unit.repeat(97 * 1024 / unit.len());
        let markdown = format!("---\n{yaml}\n---\n\n# Body\n\ntext after\n");
        let rendered = render_guarded(markdown);
        let frontmatter = rendered.frontmatter.expect("frontmatter kept");
        assert!(frontmatter.fields.is_empty());
        assert_eq!(frontmatter.raw.trim_end(), yaml);
        assert_eq!(rendered.title.as_deref(), Some("Body"));
        assert!(rendered.html.contains("text after"));
    }
}

#[test]
fn finding_5_four_mib_worst_cases_render_in_linear_time() {
    const SIZE: usize = 4 << 20;
    for unit in [">", "> - ", "<div>", "<b id=x><p>"] {
        let markdown = unit.repeat(SIZE / unit.len());
        let rendered = render_guarded(markdown);
        assert!(max_depth(&rendered.html) <= MAX_DEPTH, "{unit:?}");
    }
}

#[test]
fn realistic_nesting_is_untouched() {
    let markdown = "> quote\n> > nested\n> > > deeper\n\n- a\n  - b\n    - c\n      1. d\n\n\
                    <div><div><span>html</span></div></div>\n";
    let rendered = render_page(markdown);
    assert!(!rendered.html.contains('\\'));
    assert!(!rendered.html.contains("&lt;"));
    assert_eq!(rendered.html.matches("<blockquote>").count(), 3);
    assert_eq!(rendered.html.matches("<div>").count(), 2);
}

/// Runs of nesting syntax, repeated so the generator builds deep and wide structures quickly.
fn hostile_soup() -> impl Strategy<Value = String> {
    let unit = prop_oneof![
        Just(">"),
        Just("> "),
        Just("- "),
        Just("1. "),
        Just("* "),
        Just("  "),
        Just("\n"),
        Just("<div>"),
        Just("</div>"),
        Just("<p>"),
        Just("<b>"),
        Just("</p>"),
        Just("<table><td>"),
        Just("<math>"),
        Just("<!--"),
        Just("-->"),
        Just("<script>"),
        Just("["),
        Just("]"),
        Just("("),
        Just("`"),
        Just("*"),
        Just("_"),
        Just("---\n"),
        Just("x"),
    ];
    prop::collection::vec((unit, 1..400usize), 1..12).prop_map(|runs| {
        runs.into_iter()
            .map(|(unit, count)| unit.repeat(count))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Finding 5: whatever the nesting, rendering does not panic, output nesting stays under the
    /// cap, output size stays linear in the input and the time within a generous bound. (At the
    /// cap the parser's table fix-ups can make a second sanitising pass escape a tag more, so
    /// idempotence is checked by `render_props` on realistic depths, not here.)
    #[test]
    fn finding_5_hostile_nesting_stays_bounded(input in hostile_soup()) {
        let started = Instant::now();
        let rendered = render_page(&input);
        let elapsed = started.elapsed();
        prop_assert!(elapsed < Duration::from_secs(5), "{} bytes took {:?}", input.len(), elapsed);
        prop_assert!(max_depth(&rendered.html) <= MAX_DEPTH);
        prop_assert!(rendered.html.len() <= 16 * input.len() + 4096,
            "{} bytes of HTML from {} bytes", rendered.html.len(), input.len());
        prop_assert!(max_depth(&sanitize_html(&rendered.html)) <= MAX_DEPTH);
    }
}
