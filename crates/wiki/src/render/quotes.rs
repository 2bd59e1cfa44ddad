//! Spoilers (`>! text`) and folds (`>| # Title` … `>| text`): block quotes with a marker.
//!
//! Comrak does not know these markers, so before parsing we rewrite each marker `>!`/`>|` at the
//! start of a (non-code) line to `> `, which has the same length: every other byte keeps its
//! position, the content is parsed as ordinary block-quote markdown (lists, code, headings), and
//! the line numbers tell the formatter which block quotes were spoilers or folds.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::syntax::{code_ranges, overlaps_code};

/// Which kind of marked block quote starts on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuoteKind {
    /// `>!`: hidden until clicked.
    Spoiler,
    /// `>|`: collapsed, with the first `# heading` as its summary.
    Fold,
}

/// Lines (1-based) whose marker was rewritten, by kind.
#[derive(Debug, Default)]
pub(crate) struct QuoteMarks {
    spoiler: HashSet<usize>,
    fold: HashSet<usize>,
}

impl QuoteMarks {
    /// The kind of marked quote on `line`, if any.
    pub(crate) fn kind(&self, line: usize) -> Option<QuoteKind> {
        if self.spoiler.contains(&line) {
            Some(QuoteKind::Spoiler)
        } else if self.fold.contains(&line) {
            Some(QuoteKind::Fold)
        } else {
            None
        }
    }
}

/// The marker (`>!` or `>|` followed by whitespace or end of line) at the start of a line, after
/// indentation; returns its byte offset in the line and its kind.
fn marker(line: &str) -> Option<(usize, QuoteKind)> {
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let rest = &line[indent..];
    let kind = if rest.starts_with(">!") {
        QuoteKind::Spoiler
    } else if rest.starts_with(">|") {
        QuoteKind::Fold
    } else {
        return None;
    };
    let after = rest.as_bytes().get(2);
    matches!(after, None | Some(b' ' | b'\t' | b'\r' | b'\n')).then_some((indent, kind))
}

/// Rewrites spoiler and fold markers outside code to plain block-quote markers.
pub(crate) fn mark_quotes(markdown: &str) -> (Cow<'_, str>, QuoteMarks) {
    let mut marks = QuoteMarks::default();
    if !markdown.split('\n').any(|line| marker(line).is_some()) {
        return (Cow::Borrowed(markdown), marks);
    }
    let code = code_ranges(markdown);
    let mut out = String::with_capacity(markdown.len());
    let mut offset = 0;
    for (index, line) in markdown.split_inclusive('\n').enumerate() {
        match marker(line) {
            Some((at, kind)) if !overlaps_code(&code, &(offset..offset + at + 2)) => {
                out.push_str(&line[..at]);
                out.push_str("> ");
                out.push_str(&line[at + 2..]);
                match kind {
                    QuoteKind::Spoiler => marks.spoiler.insert(index + 1),
                    QuoteKind::Fold => marks.fold.insert(index + 1),
                };
            }
            _ => out.push_str(line),
        }
        offset += line.len();
    }
    (Cow::Owned(out), marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_markers_outside_code_only() {
        let md = ">! secret\n>!\n>| # Title\n>| body\n>!not\n```\n>! code\n```\n  >! indented\n";
        let (text, marks) = mark_quotes(md);
        assert_eq!(
            text,
            ">  secret\n> \n>  # Title\n>  body\n>!not\n```\n>! code\n```\n  >  indented\n"
        );
        assert_eq!(text.len(), md.len());
        assert_eq!(marks.kind(1), Some(QuoteKind::Spoiler));
        assert_eq!(marks.kind(3), Some(QuoteKind::Fold));
        assert_eq!(marks.kind(5), None);
        assert_eq!(marks.kind(7), None);
        assert_eq!(marks.kind(9), Some(QuoteKind::Spoiler));
    }

    #[test]
    fn images_in_quotes_are_not_spoilers() {
        let (text, _) = mark_quotes(">![alt](x.png)\n");
        assert!(matches!(text, Cow::Borrowed(_)));
    }
}
