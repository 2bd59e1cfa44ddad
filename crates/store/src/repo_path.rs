//! Repository-relative paths that cannot escape the repository.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::StoreError;

/// Longest accepted path, in bytes.
const MAX_PATH_BYTES: usize = 4096;
/// Longest accepted path segment, in bytes (the common file-system limit).
const MAX_SEGMENT_BYTES: usize = 255;

/// A validated repository-relative path such as `Projects/Big Plan.md`.
///
/// `/`-separated; never empty, absolute, or containing empty, `.` or `..` segments, backslashes,
/// NUL or other control characters; never inside a `.git` folder (in any case, and including the
/// `.git.`/`.git ` spellings Windows file systems treat as `.git`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoPath(String);

impl RepoPath {
    /// Parses and validates a repository path.
    pub fn parse(s: &str) -> Result<RepoPath, StoreError> {
        let reject = |why: &str| {
            Err(StoreError::InvalidPath(format!(
                "`{}`: {why}",
                s.escape_debug()
            )))
        };
        if s.is_empty() {
            return reject("the path is empty");
        }
        if s.len() > MAX_PATH_BYTES {
            return reject("the path is too long");
        }
        if s.starts_with('/') {
            return reject("the path must be relative (no leading `/`)");
        }
        if s.contains('\\') {
            return reject("use `/` to separate folders, not `\\`");
        }
        if s.chars().any(char::is_control) {
            return reject("the path contains control characters");
        }
        for segment in s.split('/') {
            match segment {
                "" => return reject("the path has an empty segment (`//` or a trailing `/`)"),
                "." | ".." => return reject("`.` and `..` are not allowed in paths"),
                _ if segment.len() > MAX_SEGMENT_BYTES => {
                    return reject("a path segment is too long");
                }
                _ if is_dot_git(segment) => return reject("paths inside `.git` are not allowed"),
                _ => {}
            }
        }
        Ok(RepoPath(s.to_string()))
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment (the file or folder name).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The folder containing this path, or `None` at the top level.
    pub fn parent(&self) -> Option<RepoPath> {
        self.0
            .rsplit_once('/')
            .map(|(p, _)| RepoPath(p.to_string()))
    }

    /// Appends a relative path below this one.
    pub fn join(&self, rest: &RepoPath) -> RepoPath {
        RepoPath(format!("{}/{}", self.0, rest.0))
    }

    /// True when `self` is `other` or lies inside the folder `other`.
    pub fn starts_with(&self, other: &RepoPath) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.starts_with(&other.0)
                && self.0.as_bytes()[other.0.len()] == b'/')
    }

    /// Every proper ancestor folder, outermost first (`a`, `a/b` for `a/b/c`).
    pub(crate) fn ancestors(&self) -> impl Iterator<Item = &str> {
        self.0.match_indices('/').map(|(i, _)| &self.0[..i])
    }
}

fn is_dot_git(segment: &str) -> bool {
    let trimmed = segment.trim_end_matches(['.', ' ']);
    trimmed.eq_ignore_ascii_case(".git") || trimmed.eq_ignore_ascii_case("git~1")
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RepoPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for RepoPath {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RepoPath::parse(s)
    }
}

impl Serialize for RepoPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_paths() {
        for ok in [
            "Home.md",
            "Projects/Big Plan.md",
            "a/b/c.png",
            ".gitignore",
            "a/.github/x",
            "ünïcode.md",
        ] {
            assert!(RepoPath::parse(ok).is_ok(), "{ok} rejected");
        }
    }

    #[test]
    fn rejects_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a/./b",
            ".",
            "..",
            "a//b",
            "a/",
            "a\\b",
            ".git",
            ".git/config",
            "a/.GIT/x",
            ".git./x",
            "GIT~1/x",
            "a\0b",
            "a\nb",
            "a\u{7f}",
        ] {
            assert!(RepoPath::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn helpers() -> Result<(), StoreError> {
        let p = RepoPath::parse("a/b/c.md")?;
        assert_eq!(p.file_name(), "c.md");
        assert_eq!(p.parent().map(|p| p.0), Some("a/b".to_string()));
        assert_eq!(p.ancestors().collect::<Vec<_>>(), vec!["a", "a/b"]);
        assert!(p.starts_with(&RepoPath::parse("a/b")?));
        assert!(!p.starts_with(&RepoPath::parse("a/b/c")?));
        assert!(!RepoPath::parse("ab/c")?.starts_with(&RepoPath::parse("a")?));
        Ok(())
    }

    proptest! {
        #[test]
        fn never_escapes(s in "(\\PC|[/\\\\.\\x00\\n]|\\.\\.|\\.git){0,40}") {
            if let Ok(p) = RepoPath::parse(&s) {
                let p = p.as_str();
                prop_assert!(!p.starts_with('/'));
                prop_assert!(!p.contains('\\'));
                prop_assert!(!p.contains('\0'));
                prop_assert!(!p.chars().any(char::is_control));
                for seg in p.split('/') {
                    prop_assert!(!seg.is_empty() && seg != "." && seg != "..");
                    prop_assert!(!seg.to_ascii_lowercase().trim_end_matches(['.', ' ']).eq(".git"));
                }
            }
        }

        #[test]
        fn joined_safe_segments_are_accepted(segs in prop::collection::vec("[A-Za-z0-9 _-][A-Za-z0-9 ._-]{0,20}", 1..5)) {
            let s = segs.join("/");
            prop_assume!(segs.iter().all(|s| s != "." && s != ".." && !is_dot_git(s)));
            prop_assert!(RepoPath::parse(&s).is_ok());
        }
    }
}
