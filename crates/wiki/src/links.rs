//! WikiLinks (`[[Page#Heading|Label]]`): extraction for backlinks, and rewriting of links when a
//! page is renamed. Both skip code (fenced, indented and inline) and leave every other byte of the
//! document exactly as it was.

use std::ops::Range;

use crate::PagePath;
use crate::syntax::{code_ranges, overlaps_code};

/// The longest WikiLink component comrak accepts; we use the same limit so that extraction and
/// rendering agree on what is a link.
const MAX_COMPONENT: usize = 1000;

/// The longest link destination [`rewrite_links`] looks at.
const MAX_DESTINATION: usize = 4096;

/// A `[[target#anchor|label]]` link found in markdown, with backslash escapes and HTML entities
/// decoded the way the renderer decodes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikiLink {
    /// The page named by the link (`Projects/Big Plan`, maybe with a leading `/`); empty for a
    /// link to a heading on the same page (`[[#Heading]]`).
    pub target: String,
    /// The heading after `#`, if any, as written (slugified only when rendered).
    pub anchor: Option<String>,
    /// The text after `|`, if any; without it the target is shown.
    pub label: Option<String>,
}

impl WikiLink {
    /// The page this link points to, resolved the way the renderer does (absolute, sanitised).
    /// `None` for same-page anchors, external URLs (`[[https://…]]`) and unusable names.
    pub fn page(&self) -> Option<PagePath> {
        if self.target.trim().is_empty() || is_external(&self.target) {
            return None;
        }
        PagePath::parse(&self.target).ok()
    }
}

/// Whether a WikiLink target is an external URL rather than a page name. Page names may contain
/// `:`, so only a URL scheme followed by `//`, or `mailto:`, counts.
pub(crate) fn is_external(target: &str) -> bool {
    let target = target.trim();
    if target
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"))
    {
        return true;
    }
    match target.split_once("://") {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// One WikiLink occurrence: the parsed link plus where its target path sits in the source.
struct Occurrence {
    link: WikiLink,
    /// Byte range of the target's page path, without the leading `/`, surrounding spaces or
    /// the `#anchor`.
    path: Range<usize>,
}

/// All WikiLinks in `markdown`, in document order, outside code.
pub fn wikilinks(markdown: &str) -> Vec<WikiLink> {
    let code = code_ranges(markdown);
    occurrences(markdown, &code).map(|o| o.link).collect()
}

fn occurrences<'t>(
    markdown: &'t str,
    code: &'t [Range<usize>],
) -> impl Iterator<Item = Occurrence> + 't {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = markdown.get(from..).and_then(|rest| rest.find("[[")) {
            let start = from + found;
            // `![[x]]` is an embed, which the renderer leaves as text.
            if start > 0 && markdown.as_bytes()[start - 1] == b'!' {
                from = start + 2;
                continue;
            }
            match parse_wikilink(markdown, start) {
                Some((end, occurrence)) if !overlaps_code(code, &(start..end)) => {
                    from = end;
                    return Some(occurrence);
                }
                _ => from = start + 1,
            }
        }
        None
    })
}

/// Parses `[[left]]` or `[[left|right]]` at `start` with comrak's rules: components may not
/// contain `[`, `]` or `|` unless backslash-escaped. Returns the end offset and the link.
fn parse_wikilink(text: &str, start: usize) -> Option<(usize, Occurrence)> {
    let bytes = text.as_bytes();
    let component_end = |mut i: usize| -> Option<usize> {
        let begin = i;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'[' | b']' | b'|' => return Some(i),
                b'\\' if bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation) => i += 2,
                _ => i += 1,
            }
            if i - begin > MAX_COMPONENT {
                return None;
            }
        }
        None
    };
    let left_start = start + 2;
    let left_end = component_end(left_start)?;
    let (right, end) = match bytes.get(left_end..left_end + 2) {
        Some(b"]]") => (None, left_end + 2),
        _ if bytes.get(left_end) == Some(&b'|') => {
            let right_end = component_end(left_end + 1)?;
            if bytes.get(right_end..right_end + 2) != Some(b"]]") {
                return None;
            }
            (Some(left_end + 1..right_end), right_end + 2)
        }
        _ => return None,
    };

    let left = &text[left_start..left_end];
    let lead = left.len() - left.trim_start().len();
    let trimmed = left.trim();
    let slash = usize::from(trimmed.starts_with('/'));
    let (path_text, anchor) = match trimmed.split_once('#') {
        Some((path, anchor)) => (path, Some(decode(anchor.trim()))),
        None => (trimmed, None),
    };
    let path_start = left_start + lead + slash;
    let path_end = left_start + lead + path_text.trim_end().len();
    let label = right.map(|r| decode(text[r].trim()));
    let link = WikiLink {
        target: decode(path_text.trim()),
        anchor,
        label,
    };
    let path = path_start..path_end.max(path_start);
    Some((end, Occurrence { link, path }))
}

/// Decodes backslash escapes and HTML entities, as comrak does for WikiLink text.
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    html_escape::decode_html_entities(&out).into_owned()
}

/// Rewrites every link to `from` (or to one of its sub-pages) so that it points at `to`.
///
/// Covers WikiLinks whose target resolves case-insensitively to `from` (a leading `/` is
/// optional and kept, as are the `#anchor` and `|label`), and markdown links, images and link
/// reference definitions whose URL is the page URL (`/Old_Name/…`, `/Old%20Name`). Code is never
/// touched and all other bytes are preserved. Returns `None` when nothing changed.
pub fn rewrite_links(markdown: &str, from: &PagePath, to: &PagePath) -> Option<String> {
    let code = code_ranges(markdown);
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();

    for occurrence in occurrences(markdown, &code) {
        let Some(page) = occurrence.link.page() else {
            continue;
        };
        if let Some(moved) = moved_page(&page, from, to) {
            edits.push((occurrence.path, escape_wikilink_target(&moved.to_string())));
        }
    }
    for url in link_destinations(markdown, &code) {
        if let Some(new_url) = rewrite_url(&markdown[url.clone()], from, to) {
            edits.push((url, new_url));
        }
    }

    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    for (range, replacement) in edits {
        if range.start < copied {
            continue;
        }
        out.push_str(&markdown[copied..range.start]);
        out.push_str(&replacement);
        copied = range.end;
    }
    out.push_str(&markdown[copied..]);
    (out != markdown).then_some(out)
}

/// `page` moved along with `from` → `to`, or `None` if `page` is not `from` or below it.
fn moved_page(page: &PagePath, from: &PagePath, to: &PagePath) -> Option<PagePath> {
    if !page.starts_with(from) {
        return None;
    }
    let rest = &page.segments()[from.segments().len()..];
    if rest.is_empty() {
        Some(to.clone())
    } else {
        to.join(&rest.join("/")).ok()
    }
}

/// Escapes the characters that would end a WikiLink component early.
fn escape_wikilink_target(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '[' | ']' | '|' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `/From/rest?query#frag` → `/To/rest?query#frag` when the URL path starts with the page URL
/// of `from` (compared as page names, so `/old_name` and `/Old%20Name` both match).
fn rewrite_url(url: &str, from: &PagePath, to: &PagePath) -> Option<String> {
    let (url, angle) = match url.strip_prefix('<').and_then(|u| u.strip_suffix('>')) {
        Some(inner) => (inner, true),
        None => (url, false),
    };
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let (path, suffix) = url.split_at(cut);
    let raw: Vec<&str> = path[1..].split('/').collect();
    let depth = from.segments().len();
    if raw.len() < depth {
        return None;
    }
    let head = PagePath::from_url_path(&raw[..depth].join("/")).ok()?;
    if head.segments().len() != depth || head.lookup_key() != from.lookup_key() {
        return None;
    }
    let mut new_url = to.url();
    for segment in &raw[depth..] {
        new_url.push('/');
        new_url.push_str(segment);
    }
    new_url.push_str(suffix);
    Some(if angle {
        format!("<{new_url}>")
    } else {
        new_url
    })
}

/// Byte ranges of link destinations outside code: inline links and images (`](url)`) and
/// reference definitions (`[label]: url` at the start of a line). Angle brackets are included.
fn link_destinations(markdown: &str, code: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = markdown.as_bytes();
    let mut found = Vec::new();
    for (index, _) in markdown.match_indices("](") {
        // Only absolute paths (`/…` or `</…>`) can be page URLs; skip the rest cheaply.
        let next = markdown[index + 2..].trim_start_matches([' ', '\t']);
        if !(next.starts_with('/') || next.starts_with("</")) {
            continue;
        }
        if let Some(range) = destination_at(bytes, index + 2)
            && !overlaps_code(code, &(index..range.end))
        {
            found.push(range);
        }
    }
    let mut line_start = 0;
    for line in markdown.split_inclusive('\n') {
        if let Some(range) = reference_definition(line)
            && !overlaps_code(code, &(line_start..line_start + range.end))
        {
            found.push(line_start + range.start..line_start + range.end);
        }
        line_start += line.len();
    }
    found
}

/// The destination starting at `i` (after optional spaces): `<…>` or a run of non-space
/// characters with balanced parentheses.
fn destination_at(bytes: &[u8], mut i: usize) -> Option<Range<usize>> {
    while bytes.get(i).is_some_and(|&b| b == b' ' || b == b'\t') {
        i += 1;
    }
    let start = i;
    if bytes.get(i) == Some(&b'<') {
        let close = bytes[i..].iter().position(|&b| b == b'>' || b == b'\n')?;
        return (bytes[i + close] == b'>').then_some(start..i + close + 1);
    }
    let mut depth = 0usize;
    while let Some(&b) = bytes.get(i) {
        // Real link destinations are short; the bound keeps pathological input linear.
        if i - start > MAX_DESTINATION {
            return None;
        }
        match b {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            _ if b.is_ascii_whitespace() || b.is_ascii_control() => break,
            _ => {}
        }
        i += 1;
    }
    let end = i.min(bytes.len());
    (end > start).then_some(start..end)
}

/// `   [label]: destination` (after optional blockquote markers) → the destination's range
/// within `line`.
fn reference_definition(line: &str) -> Option<Range<usize>> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while bytes.get(i).is_some_and(|&b| b == b' ' || b == b'>') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'[') || bytes.get(i + 1) == Some(&b'^') {
        return None;
    }
    let close = line[i..].find("]:")? + i;
    if line[i + 1..close].contains(['[', ']']) {
        return None;
    }
    destination_at(bytes, close + 2)
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
