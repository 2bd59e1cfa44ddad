//! Sections of a page: an ATX heading and everything after it up to the next heading of the same
//! or a higher level (sub-sections included). Headings inside fenced code and inside the YAML
//! frontmatter are ignored; setext headings are not supported.
//!
//! Sections are named by their heading text or by a `A > B` path of headings, matched
//! case-insensitively; a path may be given from any ancestor (`B > C` names `A > B > C`).

use serde::Serialize;

use super::error::{NotesError, NotesResult};
use super::frontmatter;

/// One heading of a page and the extent of its section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: usize,
    /// The heading text, trimmed, closing `#`s removed.
    pub title: String,
    /// Titles of this heading and its ancestors joined with ` > `.
    pub path: String,
    /// Byte offset of the heading line.
    #[serde(skip)]
    pub start: usize,
    /// Byte offset just after the heading line.
    #[serde(skip)]
    pub body_start: usize,
    /// Byte offset where the section ends (next heading of the same or a higher level, or EOF).
    #[serde(skip)]
    pub end: usize,
}

/// Every heading of `content`, in document order.
pub fn headings(content: &str) -> Vec<Heading> {
    let mut found: Vec<Heading> = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    let mut offset = frontmatter::split(content).1;
    for line in content[offset..].split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if let Some((ch, len)) = fence_marker(line) {
            fence = match fence {
                None => Some((ch, len)),
                Some((open, open_len)) if open == ch && len >= open_len => None,
                still => still,
            };
            continue;
        }
        if fence.is_some() {
            continue;
        }
        let Some((level, title)) = parse_heading(line) else {
            continue;
        };
        while stack.last().is_some_and(|(l, _)| *l >= level) {
            stack.pop();
        }
        stack.push((level, title.clone()));
        let path = stack
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" > ");
        found.push(Heading {
            level,
            title,
            path,
            start,
            body_start: offset,
            end: content.len(),
        });
    }
    for i in 0..found.len() {
        let level = found[i].level;
        if let Some(next) = found[i + 1..].iter().find(|h| h.level <= level) {
            found[i].end = next.start;
        }
    }
    found
}

/// A fence line: optional indentation, then at least three backticks or tildes.
fn fence_marker(line: &str) -> Option<(u8, usize)> {
    let trimmed = line.trim_start();
    let ch = *trimmed.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let run = trimmed.bytes().take_while(|&b| b == ch).count();
    (run >= 3).then_some((ch, run))
}

/// `## Title ##` at column 0 → `(2, "Title")`.
fn parse_heading(line: &str) -> Option<(usize, String)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim();
    let without_closing = title.trim_end_matches('#');
    let title = if without_closing.len() == title.len() {
        title
    } else if without_closing.is_empty() {
        ""
    } else if without_closing.ends_with([' ', '\t']) {
        without_closing.trim_end()
    } else {
        title
    };
    Some((level, title.to_string()))
}

/// The one heading `query` names: a unique path match (whole path or a `… > query` suffix),
/// else a unique title match. Fails listing the candidates (or every section).
pub fn find<'h>(headings: &'h [Heading], query: &str) -> NotesResult<&'h Heading> {
    let wanted = query.trim().to_lowercase();
    let not_found = |candidates: Vec<&Heading>, ambiguous: bool| NotesError::SectionNotFound {
        query: query.trim().to_string(),
        available: candidates.iter().map(|h| h.path.clone()).collect(),
        ambiguous,
    };
    if wanted.is_empty() {
        return Err(NotesError::invalid(
            "missing_field",
            "Name a section by its heading text or an `A > B` heading path.",
        ));
    }
    let suffix = format!(" > {wanted}");
    let by_path: Vec<&Heading> = headings
        .iter()
        .filter(|h| {
            let path = h.path.to_lowercase();
            path == wanted || path.ends_with(&suffix)
        })
        .collect();
    match by_path.len() {
        1 => return Ok(by_path[0]),
        n if n > 1 => return Err(not_found(by_path, true)),
        _ => {}
    }
    let by_title: Vec<&Heading> = headings
        .iter()
        .filter(|h| h.title.to_lowercase() == wanted)
        .collect();
    match by_title.len() {
        1 => Ok(by_title[0]),
        0 => Err(not_found(headings.iter().collect(), false)),
        _ => Err(not_found(by_title, true)),
    }
}

/// The text of the section `query` names (heading line included) and its canonical path.
pub fn extract<'c>(content: &'c str, query: &str) -> NotesResult<(&'c str, String)> {
    let all = headings(content);
    let heading = find(&all, query)?;
    Ok((&content[heading.start..heading.end], heading.path.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: x\n# not a heading\n---\n# Top\nintro\n## Sub A\na\n### Deep A1\nd\n```\n# code\n```\n## Sub B ##\nb\n## C# Programming\nc\n# Other\no\n";

    #[test]
    fn parses_paths_and_extents() {
        let all = headings(PAGE);
        let paths: Vec<&str> = all.iter().map(|h| h.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "Top",
                "Top > Sub A",
                "Top > Sub A > Deep A1",
                "Top > Sub B",
                "Top > C# Programming",
                "Other"
            ]
        );
        let (text, path) = extract(PAGE, "sub a").expect("section");
        assert_eq!(path, "Top > Sub A");
        assert_eq!(text, "## Sub A\na\n### Deep A1\nd\n```\n# code\n```\n");
        let (text, _) = extract(PAGE, "Other").expect("last section");
        assert_eq!(text, "# Other\no\n");
    }

    #[test]
    fn suffix_paths_and_errors() {
        assert_eq!(
            extract(PAGE, "Sub A > Deep A1")
                .map(|s| s.1)
                .ok()
                .as_deref(),
            Some("Top > Sub A > Deep A1")
        );
        let page = "# A\n## X\n# B\n## X\n";
        assert!(matches!(
            extract(page, "x"),
            Err(NotesError::SectionNotFound { ambiguous: true, ref available, .. }) if available.len() == 2
        ));
        assert!(matches!(
            extract(page, "nope"),
            Err(NotesError::SectionNotFound { ambiguous: false, ref available, .. }) if available.len() == 4
        ));
        assert!(matches!(
            extract("no headings", "x"),
            Err(NotesError::SectionNotFound { ref available, .. }) if available.is_empty()
        ));
    }

    #[test]
    fn longer_fences_need_longer_closers() {
        let page = "````\n```\n# inside\n````\n# Real\n";
        let all = headings(page);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].title, "Real");
    }
}
