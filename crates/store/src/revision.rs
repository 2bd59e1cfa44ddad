//! Commit ids and user-supplied revisions.
//!
//! A [`Revision`] is what a URL or form hands us. It is parsed before git ever sees it, so a
//! revision can never be mistaken for an option or a rev-parse expression (`HEAD~1`, `@{u}`,
//! `--output=...`).

use std::fmt;
use std::str::FromStr;

use git2::Oid;
use serde::{Serialize, Serializer};

use crate::error::StoreError;

/// A full 40-character lowercase hex commit id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId(String);

impl CommitId {
    /// Parses a full 40-character hex commit id (case-insensitive).
    pub fn parse(s: &str) -> Result<CommitId, StoreError> {
        if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(CommitId(s.to_ascii_lowercase()))
        } else {
            Err(StoreError::InvalidRevision(s.to_string()))
        }
    }

    /// The full 40-character hex id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 7 characters, for display.
    pub fn short(&self) -> &str {
        &self.0[..7]
    }

    pub(crate) fn from_oid(oid: Oid) -> CommitId {
        CommitId(oid.to_string())
    }

    pub(crate) fn oid(&self) -> Result<Oid, StoreError> {
        Ok(Oid::from_str(&self.0)?)
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CommitId {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommitId::parse(s)
    }
}

impl Serialize for CommitId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A parsed revision from user input: `HEAD` or an abbreviated or full hex commit id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Revision(RevisionKind);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RevisionKind {
    Head,
    Hex(String),
}

impl Revision {
    /// Parses `HEAD` or 4 to 40 hex characters; anything else is [`StoreError::InvalidRevision`].
    pub fn parse(s: &str) -> Result<Revision, StoreError> {
        if s == "HEAD" {
            return Ok(Revision(RevisionKind::Head));
        }
        if (4..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Revision(RevisionKind::Hex(s.to_ascii_lowercase())));
        }
        Err(StoreError::InvalidRevision(s.to_string()))
    }

    /// The current head of the wiki.
    pub fn head() -> Revision {
        Revision(RevisionKind::Head)
    }

    /// True for `HEAD`.
    pub fn is_head(&self) -> bool {
        matches!(self.0, RevisionKind::Head)
    }

    /// The hex prefix, or `None` for `HEAD`.
    pub(crate) fn hex(&self) -> Option<&str> {
        match &self.0 {
            RevisionKind::Head => None,
            RevisionKind::Hex(h) => Some(h),
        }
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            RevisionKind::Head => f.write_str("HEAD"),
            RevisionKind::Hex(h) => f.write_str(h),
        }
    }
}

impl FromStr for Revision {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Revision::parse(s)
    }
}

impl From<&CommitId> for Revision {
    fn from(id: &CommitId) -> Revision {
        Revision(RevisionKind::Hex(id.0.clone()))
    }
}

impl From<CommitId> for Revision {
    fn from(id: CommitId) -> Revision {
        Revision(RevisionKind::Hex(id.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_head_and_hex() {
        assert!(Revision::parse("HEAD").is_ok_and(|r| r.is_head()));
        assert!(Revision::parse("abcd").is_ok());
        assert_eq!(
            Revision::parse("ABCDEF12").map(|r| r.to_string()).ok(),
            Some("abcdef12".to_string())
        );
        assert!(Revision::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "abc",
            "head",
            "HEAD~1",
            "HEAD^",
            "main",
            "--output=x",
            "-abcd",
            "abcd~1",
            "@{u}",
            "abcg",
            " abcd",
            "abcd ",
        ] {
            assert!(Revision::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Revision::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn commit_id_short_and_display() {
        let id = CommitId::parse(&"AB".repeat(20)).map(|c| c.to_string());
        assert_eq!(id.ok(), Some("ab".repeat(20)));
        assert!(CommitId::parse("abcd").is_err());
    }

    proptest! {
        #[test]
        fn revision_parse_only_accepts_head_or_hex(s in "\\PC{0,50}") {
            if Revision::parse(&s).is_ok() {
                prop_assert!(s == "HEAD" || ((4..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())));
            }
        }

        #[test]
        fn hex_revisions_round_trip(s in "[0-9a-fA-F]{4,40}") {
            let rev = Revision::parse(&s);
            prop_assert!(rev.is_ok());
            prop_assert_eq!(rev.map(|r| r.to_string()).ok(), Some(s.to_ascii_lowercase()));
        }
    }
}
