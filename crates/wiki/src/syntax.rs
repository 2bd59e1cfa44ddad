//! The comrak options that define our markdown dialect, and a scanner that finds the byte ranges
//! of a document that are code (where WikiLinks and dialect syntax must never be touched).
//!
//! Both the renderer and the link tools use the same options, so "is this code?" gets the same
//! answer everywhere.

use std::ops::Range;

use comrak::nodes::NodeValue;
use comrak::{Arena, Options, parse_document};

/// Comrak options for the wiki dialect: CommonMark + GFM plus the extensions comrak implements
/// natively (highlight, alerts, math, WikiLinks with the title after the pipe, `:::` blocks,
/// front matter). Raw HTML is let through here and sanitised afterwards.
pub(crate) fn options() -> Options<'static> {
    let mut options = Options::default();
    let ext = &mut options.extension;
    ext.strikethrough = true;
    ext.table = true;
    ext.autolink = true;
    ext.tasklist = true;
    ext.footnotes = true;
    ext.front_matter_delimiter = Some("---".to_owned());
    ext.alerts = true;
    ext.math_dollars = true;
    ext.math_code = true;
    ext.wikilinks_title_after_pipe = true;
    ext.wikilinks_ignore_embeds = true;
    ext.highlight = true;
    ext.block_directive = true;
    options.render.r#unsafe = true;
    options.render.tasklist_classes = true;
    options
}

/// Sorted, non-overlapping byte ranges of `markdown` that are code: fenced and indented code
/// blocks, front matter, raw HTML blocks, and inline code spans.
pub(crate) fn code_ranges(markdown: &str) -> Vec<Range<usize>> {
    let line_starts = line_starts(markdown);
    let line_range = |line: usize| -> Range<usize> {
        let start = line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(markdown.len());
        let end = line_starts.get(line).copied().unwrap_or(markdown.len());
        start..end
    };

    // Block-level positions (whole lines) from comrak are exact; its inline columns are not
    // when tabs are involved, so code spans are found by our own scanner below.
    let mut code_line = vec![false; line_starts.len() + 1];
    let arena = Arena::new();
    // Capping keeps every line where it is, so comrak's line numbers still index `markdown`.
    let capped = crate::render::nesting::cap_nesting(markdown);
    let root = parse_document(&arena, &capped, &options());
    for node in root.descendants() {
        let data = node.data();
        if matches!(
            data.value,
            NodeValue::CodeBlock(_) | NodeValue::FrontMatter(_) | NodeValue::HtmlBlock(_)
        ) {
            let (first, last) = (data.sourcepos.start.line, data.sourcepos.end.line);
            for flag in code_line.iter_mut().take(last + 1).skip(first) {
                *flag = true;
            }
        }
    }

    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut group_start: Option<usize> = None;
    for (line, &is_code) in code_line.iter().enumerate().skip(1) {
        let range = line_range(line);
        let blank = markdown[range.clone()].trim().is_empty();
        if is_code {
            if let Some(start) = group_start.take() {
                code_spans(markdown, start..range.start, &mut ranges);
            }
            push_merged(&mut ranges, range);
        } else if blank {
            if let Some(start) = group_start.take() {
                code_spans(markdown, start..range.start, &mut ranges);
            }
        } else if group_start.is_none() {
            group_start = Some(range.start);
        }
    }
    if let Some(start) = group_start {
        code_spans(markdown, start..markdown.len(), &mut ranges);
    }
    ranges
}

/// Byte offset of the start of every line.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len() || i == 0)
        .collect()
}

fn push_merged(ranges: &mut Vec<Range<usize>>, range: Range<usize>) {
    if let Some(last) = ranges.last_mut()
        && last.end >= range.start
    {
        last.end = last.end.max(range.end);
        return;
    }
    ranges.push(range);
}

/// Finds CommonMark code spans in one block of text: a run of N backticks opens a span that the
/// next run of exactly N backticks closes; a run with no partner is literal. The first backtick
/// of a run after a backslash is escaped (outside code only). Linear: one cursor per run length.
fn code_spans(text: &str, block: Range<usize>, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    // (start, length, escaped-first-backtick)
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = block.start;
    let mut backslashes = 0usize;
    while i < block.end {
        if bytes[i] == b'`' {
            let start = i;
            while i < block.end && bytes[i] == b'`' {
                i += 1;
            }
            runs.push((start, i - start, backslashes % 2 == 1));
            backslashes = 0;
            continue;
        }
        backslashes = if bytes[i] == b'\\' {
            backslashes + 1
        } else {
            0
        };
        i += 1;
    }
    if runs.is_empty() {
        return;
    }
    let mut by_len: std::collections::HashMap<usize, (Vec<usize>, usize)> = Default::default();
    for (index, &(_, len, _)) in runs.iter().enumerate() {
        by_len.entry(len).or_default().0.push(index);
    }
    let mut index = 0;
    while index < runs.len() {
        let (start, len, escaped) = runs[index];
        let (open_start, open_len) = if escaped {
            (start + 1, len - 1)
        } else {
            (start, len)
        };
        let closer = by_len.get_mut(&open_len).and_then(|(indices, cursor)| {
            while *cursor < indices.len() && indices[*cursor] <= index {
                *cursor += 1;
            }
            indices.get(*cursor).copied()
        });
        match closer {
            Some(close) if open_len > 0 => {
                let (close_start, close_len, _) = runs[close];
                push_merged(ranges, open_start..close_start + close_len);
                index = close + 1;
            }
            _ => index += 1,
        }
    }
}

/// Whether `range` overlaps any of the sorted `code` ranges.
pub(crate) fn overlaps_code(code: &[Range<usize>], range: &Range<usize>) -> bool {
    let after = code.partition_point(|c| c.end <= range.start);
    code.get(after).is_some_and(|c| c.start < range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_texts(md: &str) -> Vec<&str> {
        code_ranges(md).into_iter().map(|r| &md[r]).collect()
    }

    #[test]
    fn finds_inline_and_block_code() {
        let md = "a `b` c ``d ` e`` \\`f` g\n\n```\nx\n```\n\n    indented\n\ntext `un\nclosed\n";
        assert_eq!(
            code_texts(md),
            ["`b`", "``d ` e``", "```\nx\n```\n", "    indented\n"]
        );
    }

    #[test]
    fn code_in_containers_and_tabs() {
        let md = "- item\n\n  ```\n  [[code]]\n  ```\n\n> \t`tab` x\n";
        assert_eq!(code_texts(md), ["  ```\n  [[code]]\n  ```\n", "`tab`"]);
    }

    #[test]
    fn overlap_check() {
        let code = vec![2..4, 10..12];
        assert!(overlaps_code(&code, &(3..5)));
        assert!(!overlaps_code(&code, &(4..10)));
        assert!(overlaps_code(&code, &(0..20)));
    }
}
