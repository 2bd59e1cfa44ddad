//! Heading anchors and the table of contents.

use comrak::Anchorizer;

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

/// The element id a heading with this text gets (GitHub-style slug, prefixed with
/// [`ID_PREFIX`]), ignoring duplicates. WikiLinks `[[Page#Heading]]` use it so they land on the
/// first heading of that name.
pub fn heading_anchor(text: &str) -> String {
    Anchors::default().next(text)
}

/// Hands out unique heading ids in document order: the second "Usage" becomes `usage-1`.
#[derive(Default)]
pub(crate) struct Anchors {
    anchorizer: Anchorizer,
}

impl Anchors {
    /// The id for the next heading with this text.
    pub(crate) fn next(&mut self, text: &str) -> String {
        // Headings without any letters or digits ("!!!", an image) share the base "section"
        // rather than producing ids like "-1".
        let base = if Anchorizer::new().anchorize(text).is_empty() {
            "section"
        } else {
            text
        };
        format!("{ID_PREFIX}{}", self.anchorizer.anchorize(base))
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
}
