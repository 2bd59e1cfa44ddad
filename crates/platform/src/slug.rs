//! `Slug`: a wiki's name, its subdomain and its directory name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Names that can never be wiki slugs: platform hosts, mail and infrastructure names, and words
/// that would confuse people or programs (`null`, `undefined`).
pub const RESERVED_NAMES: [&str; 30] = [
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "dev",
    "docs",
    "ftp",
    "git",
    "help",
    "imap",
    "mail",
    "mcp",
    "ns",
    "ns1",
    "ns2",
    "null",
    "pop",
    "smtp",
    "ssh",
    "static",
    "status",
    "support",
    "undefined",
    "user",
    "vpn",
    "wiki",
    "www",
];

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 30;

/// Why a string is not a valid [`Slug`]. The messages are shown to people choosing a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Nothing but whitespace was given.
    #[error("slug is required")]
    Required,
    /// An ASCII capital letter was given.
    #[error("slug must be lowercase")]
    NotLowercase,
    /// Fewer than 3 characters.
    #[error("slug must be at least 3 characters")]
    TooShort,
    /// More than 30 characters.
    #[error("slug must be at most 30 characters")]
    TooLong,
    /// A hyphen first or last.
    #[error("slug must not start or end with a hyphen")]
    HyphenAtEdge,
    /// A character other than `a-z`, `0-9` and `-`.
    #[error("slug may contain only lowercase letters, digits, and hyphens")]
    InvalidCharacter,
    /// One of [`RESERVED_NAMES`].
    #[error("slug is reserved")]
    Reserved,
}

/// A valid wiki name: 3–30 characters of `a-z`, `0-9` and `-`, not starting or ending with a
/// hyphen (`^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$`), and not reserved. Every slug is a valid DNS
/// label, so `{slug}.{domain}` is a valid host name and `{slug}.git` a safe file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Parses a slug typed by a person: surrounding whitespace is ignored, everything else must
    /// follow the rules (capitals are refused, not folded, so a person sees the name they get).
    pub fn parse(input: &str) -> Result<Slug, SlugError> {
        let slug = Self::parse_stored(input)?;
        if RESERVED_NAMES.contains(&slug.as_str()) {
            return Err(SlugError::Reserved);
        }
        Ok(slug)
    }

    /// Parses a slug read back from the platform database: the syntax rules apply, the reserved
    /// list does not, so a name reserved after its wiki was created keeps working.
    pub(crate) fn parse_stored(input: &str) -> Result<Slug, SlugError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(SlugError::Required);
        }
        if s.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(SlugError::NotLowercase);
        }
        let len = s.chars().count();
        if len < MIN_LEN {
            return Err(SlugError::TooShort);
        }
        if len > MAX_LEN {
            return Err(SlugError::TooLong);
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(SlugError::HyphenAtEdge);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(SlugError::InvalidCharacter);
        }
        Ok(Slug(s.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = SlugError;

    fn from_str(s: &str) -> Result<Slug, SlugError> {
        Slug::parse(s)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;

    fn try_from(s: String) -> Result<Slug, SlugError> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$`, spelled out.
    fn matches_slug_regex(s: &str) -> bool {
        let b = s.as_bytes();
        let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        (3..=30).contains(&b.len())
            && edge(b[0])
            && edge(b[b.len() - 1])
            && b.iter().all(|&c| edge(c) || c == b'-')
    }

    /// RFC 1035/1123 host name label: 1–63 letters, digits and hyphens, no hyphen at an edge.
    fn is_dns_label(s: &str) -> bool {
        (1..=63).contains(&s.len())
            && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }

    #[test]
    fn accepts_valid_slugs() {
        for s in [
            "abc",
            "my-wiki",
            "a-b",
            "123",
            "a1-2b",
            "x".repeat(30).as_str(),
        ] {
            assert_eq!(Slug::parse(s).map(|s| s.to_string()), Ok(s.to_owned()));
        }
        assert_eq!(
            Slug::parse("  notes \n").map(String::from),
            Ok("notes".into())
        );
    }

    #[test]
    fn refuses_with_the_spec_messages() {
        let cases = [
            ("", "slug is required"),
            ("   ", "slug is required"),
            ("MyWiki", "slug must be lowercase"),
            ("ab", "slug must be at least 3 characters"),
            ("a", "slug must be at least 3 characters"),
            (&"a".repeat(31), "slug must be at most 30 characters"),
            ("-abc", "slug must not start or end with a hyphen"),
            ("abc-", "slug must not start or end with a hyphen"),
            (
                "my_wiki",
                "slug may contain only lowercase letters, digits, and hyphens",
            ),
            (
                "my.wiki",
                "slug may contain only lowercase letters, digits, and hyphens",
            ),
            (
                "my wiki",
                "slug may contain only lowercase letters, digits, and hyphens",
            ),
            (
                "wikï",
                "slug may contain only lowercase letters, digits, and hyphens",
            ),
            ("www", "slug is reserved"),
            (" admin ", "slug is reserved"),
        ];
        for (input, message) in cases {
            let err = Slug::parse(input).expect_err(input);
            assert_eq!(err.to_string(), message, "input {input:?}");
        }
    }

    #[test]
    fn every_reserved_name_is_refused_but_readable_from_the_database() {
        for name in RESERVED_NAMES {
            if name.len() < MIN_LEN {
                // `ns` is listed for completeness; the length rule already refuses it.
                assert_eq!(Slug::parse(name), Err(SlugError::TooShort), "{name}");
                continue;
            }
            assert_eq!(Slug::parse(name), Err(SlugError::Reserved), "{name}");
            assert!(Slug::parse_stored(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let slug = Slug::parse("my-wiki").expect("valid");
        let json = serde_json::to_string(&slug).expect("serialize");
        assert_eq!(json, r#""my-wiki""#);
        assert_eq!(serde_json::from_str::<Slug>(&json).ok(), Some(slug));
        assert!(serde_json::from_str::<Slug>(r#""NOPE""#).is_err());
        assert!(serde_json::from_str::<Slug>(r#""www""#).is_err());
    }

    proptest! {
        #[test]
        fn accepted_slugs_match_the_regex_and_are_dns_labels(s in "[ a-zA-Z0-9_.\\-é]{0,34}") {
            if let Ok(slug) = Slug::parse(&s) {
                prop_assert!(matches_slug_regex(slug.as_str()), "{slug}");
                prop_assert!(is_dns_label(slug.as_str()), "{slug}");
                prop_assert_eq!(slug.as_str(), s.trim());
            }
        }

        #[test]
        fn strings_matching_the_regex_are_accepted_unless_reserved(
            s in "[a-z0-9][a-z0-9-]{1,28}[a-z0-9]"
        ) {
            match Slug::parse(&s) {
                Ok(slug) => prop_assert_eq!(slug.as_str(), s.as_str()),
                Err(e) => {
                    prop_assert_eq!(e, SlugError::Reserved);
                    prop_assert!(RESERVED_NAMES.contains(&s.as_str()));
                }
            }
        }
    }
}
