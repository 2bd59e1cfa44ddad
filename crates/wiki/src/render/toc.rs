//! Heading anchors and the table of contents.

use crate::sanitize::ID_PREFIX;

/// One heading of a page, for the sidebar table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TocEntry {
    /// Heading level, 1 (`#`) to 6.
    pub level: u8,
    /// The heading as plain text.
    pub text: String,
    /// The heading's element id (already prefixed with [`ID_PREFIX`]); link to it with
    /// `#{anchor}`.
    pub anchor: String,
}

/// The element id a heading with this text gets (its [`slug`], prefixed with [`ID_PREFIX`]),
/// ignoring duplicates. WikiLinks `[[Page#Heading]]` use it so they land on the first heading of
/// that name.
pub fn heading_anchor(text: &str) -> String {
    Anchors::default().next(text)
}

/// The slug of a heading, as An Otter Wiki (Python-Markdown) builds it, so links written there
/// land here: lowercase, characters other than letters, digits, marks, `_`, `-` and whitespace
/// dropped, and every run of whitespace and hyphens one `-` ("the `-slim` variant" →
/// `the-slim-variant`, where a GitHub-style slug keeps `the--slim-variant`). Unlike
/// Python-Markdown it keeps non-ASCII letters ("Ünïcode ß" → `ünïcode-ß`), which it would drop.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut separator = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || is_mark(c) {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c);
        } else if c == '-' || c.is_whitespace() {
            separator = true;
        }
    }
    out
}

/// Combining marks (a decomposed accent stays with its letter).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Hands out unique heading ids in document order: the second "Usage" becomes `usage-1`.
#[derive(Default)]
pub(crate) struct Anchors {
    taken: std::collections::HashSet<String>,
}

impl Anchors {
    /// The id for the next heading with this text.
    pub(crate) fn next(&mut self, text: &str) -> String {
        // Headings without any letters or digits ("!!!", an image) share the base "section"
        // rather than producing ids like "-1".
        let base = match slug(text) {
            base if base.is_empty() => "section".to_string(),
            base => base,
        };
        let mut id = base.clone();
        let mut n = 0;
        while !self.taken.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        format!("{ID_PREFIX}{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_github_like_and_unique() {
        let mut anchors = Anchors::default();
        assert_eq!(anchors.next("Hello, World!"), "user-content-hello-world");
        assert_eq!(anchors.next("Hello World"), "user-content-hello-world-1");
        assert_eq!(anchors.next("hello world"), "user-content-hello-world-2");
        assert_eq!(anchors.next("Ünïcode ß"), "user-content-ünïcode-ß");
        assert_eq!(anchors.next("!!!"), "user-content-section");
        assert_eq!(anchors.next(""), "user-content-section-1");
        assert_eq!(heading_anchor("Some Heading"), "user-content-some-heading");
    }

    #[test]
    fn runs_of_spaces_and_hyphens_are_one_hyphen_as_in_otterwiki() {
        assert_eq!(slug("the `-slim` image variant"), "the-slim-image-variant");
        assert_eq!(slug("a - b"), "a-b");
        assert_eq!(slug("a . b"), "a-b");
        assert_eq!(slug("a--b"), "a-b");
        assert_eq!(slug("  Leading and trailing  "), "leading-and-trailing");
        assert_eq!(slug("snake_case stays"), "snake_case-stays");
        assert_eq!(slug("Version 2.0 (beta)"), "version-20-beta");
        assert_eq!(slug("e\u{301}te\u{301}"), "e\u{301}te\u{301}");
    }
}
