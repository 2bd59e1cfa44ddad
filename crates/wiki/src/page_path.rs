//! Page names: the one parser that turns user input, URLs and repository file names into a
//! [`PagePath`], plus the display and lookup rules that go with it (Otterwiki §1.5).
//!
//! A `PagePath` is canonical: NFKC-normalised, no `? | $ . ! # \` or control characters, no empty
//! segments, trimmed segments, and spaces instead of underscores (an underscore is only the URL and
//! legacy-file spelling of a space). Because `.` can never appear, no segment can be `.` or `..`,
//! and [`PagePath::file_name`] can never escape the repository.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use unicode_normalization::UnicodeNormalization;

/// Longest allowed segment, in bytes: a common file-system limit for one path component
/// (the stored file adds `.md`, so leave room for it).
pub const MAX_SEGMENT_BYTES: usize = 250;
/// Longest allowed page path, in bytes (segments joined with `/`).
pub const MAX_PATH_BYTES: usize = 1024;
/// Deepest allowed nesting of sub-pages.
pub const MAX_DEPTH: usize = 32;

/// Characters removed from page names, as Otterwiki does; `.` also rules out `..` traversal.
const REMOVED: &[char] = &['?', '|', '$', '.', '!', '#', '\\'];

/// Characters kept as-is in a page URL segment (everything else is percent-encoded), matching
/// Python's `urllib.parse.quote` which Otterwiki uses.
const URL_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Why a page or attachment name was refused; each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageNameError {
    /// Nothing was left after removing the characters page names may not contain.
    #[error(
        "the page name is empty after removing characters that are not allowed \
         (? | $ . ! # \\ and control characters); use a name with letters or digits"
    )]
    Empty,
    /// One path segment (between slashes) is unusable; the payload says which and why.
    #[error("invalid name part {0}; choose a different name")]
    InvalidSegment(String),
    /// The name is longer than [`MAX_PATH_BYTES`], or one segment longer than [`MAX_SEGMENT_BYTES`].
    #[error(
        "the name is too long (at most {MAX_SEGMENT_BYTES} bytes per part and {MAX_PATH_BYTES} \
         bytes in total); shorten it"
    )]
    TooLong,
    /// The page is nested more than [`MAX_DEPTH`] levels deep.
    #[error("the page is nested too deeply (at most {MAX_DEPTH} levels); use fewer slashes")]
    TooDeep,
    /// A percent-encoded URL did not decode to UTF-8 text.
    #[error("the address is not valid UTF-8 after percent-decoding; check the link")]
    InvalidEncoding,
}

/// A sanitised wiki page path such as `Projects/Big Plan`.
///
/// It can only be built through the parsers below, so every value is safe to turn into a
/// repository path and a URL. Case is kept as typed; use [`PagePath::lookup_key`] to compare
/// names the way links resolve (case-insensitively).
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct PagePath {
    segments: Vec<String>,
}

impl PagePath {
    /// Parses user input (a create/rename form, a WikiLink target) with Otterwiki's sanitising
    /// rules: NFKC; a trailing `.md` removed; `? | $ . ! # \` and control characters removed;
    /// underscores read as spaces; leading `-` and `/` stripped; each segment trimmed; empty
    /// segments dropped. Fails only when nothing usable is left or the result is too long.
    pub fn parse(input: &str) -> Result<PagePath, PageNameError> {
        let trimmed = input.trim();
        let without_md = strip_md_suffix(trimmed).unwrap_or(trimmed);
        // Removing characters can leave text that NFKC would normalise further (a combining mark
        // now next to a letter), so run the sanitising step to a fixpoint. It converges in one
        // or two rounds; the bound only guards against surprises.
        let mut current = sanitize_once(without_md);
        for _ in 0..4 {
            let next = sanitize_once(&current);
            if next == current {
                break;
            }
            current = next;
        }
        let segments: Vec<String> = current.split('/').map(str::to_owned).collect();
        Self::from_segments(segments)
    }

    /// Parses the path part of a page URL (`/Projects/Big_Plan`, percent-encoded): decodes it,
    /// reads `_` as a space and then applies [`PagePath::parse`].
    pub fn from_url_path(path: &str) -> Result<PagePath, PageNameError> {
        let decoded = percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| PageNameError::InvalidEncoding)?;
        Self::parse(&decoded.replace('_', " "))
    }

    /// Reads a repository file name (`a/b/Big_Plan.md`) as the page it stores (`a/b/Big Plan`).
    ///
    /// Returns `None` for files that are not `*.md` and for names that are not already canonical
    /// (for example `notes/v1.2.md`, whose dot a page name cannot contain): such files are shown as
    /// plain files rather than as a page whose link would resolve somewhere else.
    pub fn from_file_path(file: &str) -> Option<PagePath> {
        let stem = file.strip_suffix(".md")?;
        let candidate = stem.replace('_', " ");
        let page = Self::parse(&candidate).ok()?;
        (page.to_string() == candidate).then_some(page)
    }

    /// The `Home` page, shown at `/`.
    pub fn home() -> PagePath {
        PagePath {
            segments: vec!["Home".to_owned()],
        }
    }

    /// The path segments, outermost first; never empty.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The last segment: the page's own name without its parents.
    pub fn name(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or_default()
    }

    /// The parent page (`Projects` for `Projects/Big Plan`), or `None` at the top level.
    pub fn parent(&self) -> Option<PagePath> {
        (self.segments.len() > 1).then(|| PagePath {
            segments: self.segments[..self.segments.len() - 1].to_vec(),
        })
    }

    /// The sub-page `child` (which may itself contain `/`) below this page, sanitised like
    /// [`PagePath::parse`].
    pub fn join(&self, child: &str) -> Result<PagePath, PageNameError> {
        let child = Self::parse(child)?;
        let mut segments = self.segments.clone();
        segments.extend(child.segments);
        Self::from_segments(segments)
    }

    /// Whether `self` is `other` or one of its sub-pages, compared case-insensitively the way
    /// links resolve.
    pub fn starts_with(&self, other: &PagePath) -> bool {
        self.segments.len() >= other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| lookup_key_for_file(a) == lookup_key_for_file(b))
    }

    /// The repository file a *new* page is stored as: `Projects/Big Plan.md`. Existing pages may
    /// live in a file spelled differently (case, underscores); find those with
    /// [`PagePath::lookup_key`].
    pub fn file_name(&self) -> String {
        format!("{self}.md")
    }

    /// The folder holding this page's attachments and sub-pages: `Projects/Big Plan`.
    pub fn attachment_dir(&self) -> String {
        self.to_string()
    }

    /// The absolute URL path of the page: `/Projects/Big_Plan`, spaces shown as `_`, every other
    /// special character percent-encoded, `/` between segments kept.
    pub fn url(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            let underscored = segment.replace(' ', "_");
            out.extend(utf8_percent_encode(&underscored, URL_SEGMENT));
        }
        out
    }

    /// The case-insensitive identity of the page: lowercase, with `_` and space unified. Two
    /// names with the same key are the same page; compare with [`lookup_key_for_file`].
    pub fn lookup_key(&self) -> String {
        lookup_key_for_file(&self.to_string())
    }

    fn from_segments(segments: Vec<String>) -> Result<PagePath, PageNameError> {
        let segments: Vec<String> = segments.into_iter().filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            return Err(PageNameError::Empty);
        }
        if segments.len() > MAX_DEPTH {
            return Err(PageNameError::TooDeep);
        }
        if segments.iter().any(|s| s.len() > MAX_SEGMENT_BYTES) {
            return Err(PageNameError::TooLong);
        }
        let total = segments.iter().map(String::len).sum::<usize>() + segments.len() - 1;
        if total > MAX_PATH_BYTES {
            return Err(PageNameError::TooLong);
        }
        Ok(PagePath { segments })
    }
}

/// One round of the sanitising rules; returns the segments joined with `/`.
fn sanitize_once(input: &str) -> String {
    let cleaned: String = input
        .nfkc()
        .filter(|c| !REMOVED.contains(c) && !c.is_control())
        .map(|c| if c == '_' { ' ' } else { c })
        .collect();
    let stripped = cleaned.trim_start_matches(|c: char| c == '-' || c == '/' || c.is_whitespace());
    let mut out = String::with_capacity(stripped.len());
    for segment in stripped.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(segment);
    }
    out
}

/// `Foo.md` → `Foo` (case-insensitive suffix), as Otterwiki does for page URLs.
fn strip_md_suffix(input: &str) -> Option<&str> {
    let cut = input.len().checked_sub(3)?;
    let suffix = input.get(cut..)?;
    suffix.eq_ignore_ascii_case(".md").then(|| &input[..cut])
}

impl fmt::Display for PagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

impl FromStr for PagePath {
    type Err = PageNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for PagePath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PagePath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// The lookup key of a repository path without `.md` (a folder or a page file), normalised the
/// same way as [`PagePath::lookup_key`] so that the file `Projects/big_plan.md` and the page
/// `projects/Big Plan` match.
pub fn lookup_key_for_file(path_without_md: &str) -> String {
    path_without_md
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '_' { ' ' } else { c })
        .collect()
}

/// The title shown for a page, from its last segment (Otterwiki's display-name rule): the first
/// heading when it matches the name case-insensitively; the name as typed when it has capitals;
/// otherwise the name title-cased (`don't stop` → `Don't Stop`, `ß` kept).
pub fn display_title(page: &PagePath, first_heading: Option<&str>) -> String {
    let name = page.name();
    if let Some(heading) = first_heading.map(str::trim)
        && lookup_key_for_file(heading) == lookup_key_for_file(name)
    {
        return heading.to_owned();
    }
    if name.chars().any(char::is_uppercase) {
        return name.to_owned();
    }
    title_case(name)
}

/// Capitalises the first letter of every word. A word starts after any character that is neither
/// alphanumeric nor an apostrophe, so `don't` stays one word; letters whose capital is more than
/// one character (`ß` → `SS`) are left alone.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut at_word_start = true;
    for c in name.chars() {
        if at_word_start && c.is_alphabetic() {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => out.push(u),
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
        at_word_start = !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}');
    }
    out
}

/// Characters never allowed in attachment file names (Windows-reserved ones included so a
/// checkout works everywhere).
const ATTACHMENT_FORBIDDEN: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// Cleans an uploaded file name for storage next to a page: directory parts dropped, control and
/// reserved characters (`/ \ : * ? " < > |`) removed, leading dots removed (no hidden files, no
/// `..`), whitespace trimmed, extension kept. Fails when nothing is left or the name is longer
/// than 255 bytes.
pub fn sanitize_attachment_name(name: &str) -> Result<String, PageNameError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .nfc()
        .filter(|c| !c.is_control() && !ATTACHMENT_FORBIDDEN.contains(c))
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if cleaned.is_empty() {
        return Err(PageNameError::InvalidSegment(format!(
            "{name:?}: the file name is empty after removing directory parts, leading dots and \
             the characters / \\ : * ? \" < > |"
        )));
    }
    if cleaned.len() > 255 {
        return Err(PageNameError::TooLong);
    }
    Ok(cleaned.to_owned())
}

#[cfg(test)]
#[path = "page_path_tests.rs"]
mod tests;
