//! The markdown container-nesting cap: a pre-pass that keeps comrak linear on hostile input.
//!
//! Comrak checks every open container (block quote, list item) on every line, and some of its
//! per-line work grows with the nesting depth, so `>>>>…` or `- - - …` tens of thousands deep
//! (or a deep list followed by many blank lines, which continue every open list item) costs time
//! quadratic in the input. The HTML for such nesting then makes the sanitiser's parser quadratic
//! too.
//!
//! [`cap_nesting`] bounds the depth before comrak sees the text: on each line it estimates how
//! deep the line's containers go and backslash-escapes the first container marker beyond
//! [`MAX_CONTAINER_DEPTH`], so that marker and everything after it become text in the container at
//! the cap. Nothing disappears: `\>` renders as `>`. Lines are never added or removed, so line
//! numbers (used for spoiler/fold marks and code ranges) stay valid.
//!
//! The estimate may only over-count: a line nested `d` containers deep needs at least one `>` or
//! list marker, or two columns of indentation (a list item's continuation), per container, and
//! the estimate counts exactly those. Realistic pages stay far below the cap and are untouched.

use std::borrow::Cow;

/// How deep block quotes and list items may nest. Realistic pages use a handful of levels. Every
/// line (a blank one too) costs comrak time proportional to the open depth, so the cap is kept
/// low.
pub(crate) const MAX_CONTAINER_DEPTH: usize = 16;

/// Caps container nesting in `markdown` (see the module docs). Borrows when nothing is capped,
/// which is every realistic page.
pub(crate) fn cap_nesting(markdown: &str) -> Cow<'_, str> {
    let mut capped: Option<String> = None;
    let mut done = 0;
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        if let Some(at) = over_cap_marker(line) {
            let out = capped.get_or_insert_with(|| String::with_capacity(markdown.len() + 64));
            out.push_str(&markdown[done..offset + at]);
            out.push('\\');
            done = offset + at;
        }
        offset += line.len();
    }
    match capped {
        None => Cow::Borrowed(markdown),
        Some(mut out) => {
            out.push_str(&markdown[done..]);
            Cow::Owned(out)
        }
    }
}

/// The byte offset of the container marker that would take `line` past the cap, if any. For an
/// ordered marker (`12.`) that is the offset of its `.`/`)`, the character a backslash escapes.
fn over_cap_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut column = 0usize;
    let mut depth = 0usize;
    let mut after_marker = false;
    loop {
        // Whitespace: two columns per list item it could continue; after a marker, one column
        // belongs to the marker itself.
        let run_start = column;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' => column += 1,
                b'\t' => column += 4 - column % 4,
                _ => break,
            }
            i += 1;
        }
        let run = column - run_start;
        depth += run.saturating_sub(usize::from(after_marker)) / 2;
        let (escape_at, len) = marker(&line[i..])?;
        depth += 1;
        if depth > MAX_CONTAINER_DEPTH {
            return Some(i + escape_at);
        }
        i += len;
        column += len;
        after_marker = true;
    }
}

/// A container marker at the start of `rest`: (offset of the character to escape, length).
fn marker(rest: &str) -> Option<(usize, usize)> {
    let bytes = rest.as_bytes();
    let ends_marker = |at: usize| bytes.get(at).is_none_or(|b| b.is_ascii_whitespace());
    match *bytes.first()? {
        b'>' => Some((0, 1)),
        b'-' | b'+' | b'*' if ends_marker(1) && !is_thematic_break(rest) => Some((0, 1)),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let delimiter = matches!(bytes.get(digits), Some(b'.' | b')'));
            (digits <= 9 && delimiter && ends_marker(digits + 1)).then_some((digits, digits + 1))
        }
        _ => None,
    }
}

/// `- - -`, `***`, …: a rule, not a list item, so its characters are not markers.
fn is_thematic_break(rest: &str) -> bool {
    let line = rest.trim_end_matches(['\n', '\r']);
    let Some(first) = line.bytes().next() else {
        return false;
    };
    line.bytes().all(|b| b == first || b == b' ' || b == b'\t')
        && line.bytes().filter(|&b| b == first).count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(unit: &str, count: usize) -> String {
        format!("{}x\n", unit.repeat(count))
    }

    #[test]
    fn realistic_nesting_is_borrowed() {
        let md = "> a\n> > b\n\n- x\n  - y\n    1. z\n\n- - -\n* * * *\n";
        assert!(matches!(cap_nesting(md), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_the_first_marker_past_the_cap() {
        let cap = MAX_CONTAINER_DEPTH;
        let md = deep(">", 40);
        let expected = format!("{}\\{}x\n", ">".repeat(cap), ">".repeat(40 - cap));
        assert_eq!(cap_nesting(&md), expected);

        let md = deep("1. ", 40);
        assert!(cap_nesting(&md).starts_with(&format!("{}1\\. 1. ", "1. ".repeat(cap))));

        let md = deep("- ", 40);
        assert!(cap_nesting(&md).starts_with(&format!("{}\\- - ", "- ".repeat(cap))));
    }

    #[test]
    fn indentation_counts_towards_the_depth() {
        let spaces = " ".repeat(2 * MAX_CONTAINER_DEPTH);
        let line = format!("{spaces}- x\n");
        assert_eq!(cap_nesting(&line), format!("{spaces}\\- x\n"));
        let tabs = "\t".repeat(MAX_CONTAINER_DEPTH / 2);
        let line = format!("{tabs}- x\n");
        assert_eq!(cap_nesting(&line), format!("{tabs}\\- x\n"));
        let shallower = format!("{}- x\n", " ".repeat(2 * MAX_CONTAINER_DEPTH - 2));
        assert!(matches!(cap_nesting(&shallower), Cow::Borrowed(_)));
    }

    #[test]
    fn keeps_lines_and_every_character() {
        let md = format!("{}{}", deep(">", 100), deep("> - ", 100));
        let capped = cap_nesting(&md);
        assert_eq!(capped.lines().count(), md.lines().count());
        assert_eq!(capped.replace('\\', ""), md);
    }
}
