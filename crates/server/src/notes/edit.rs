//! Edit operations applied to a page's text: pure functions, so every rule is unit-tested.

use serde::{Deserialize, Serialize};

use super::error::{NotesError, NotesResult};
use super::{frontmatter, sections};

/// One change to a page's text. Serialized as `{"op": "replace", "old": …, "new": …}` etc.
///
/// Inserted blocks are separated from their neighbours by one blank line and end with a newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EditOp {
    /// Replace the one occurrence of `old` (matched over the whole text, frontmatter included)
    /// with `new`; an empty `new` deletes it. Fails when `old` occurs zero or several times.
    Replace {
        /// Text to find; must occur exactly once.
        old: String,
        /// Replacement.
        new: String,
    },
    /// Replace every occurrence of `old` with `new`; fails unless there are exactly `expected`
    /// of them, so a change never lands on more (or fewer) places than the caller saw.
    ReplaceAll {
        /// Text to find.
        old: String,
        /// Replacement.
        new: String,
        /// How many occurrences the caller expects.
        expected: usize,
    },
    /// Set frontmatter fields (a `null` value removes the field), leaving the body and the
    /// other fields' lines as they are.
    SetFrontmatter {
        /// Field name → new value (JSON; `null` removes).
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// Add `text` at the end of the page.
    Append {
        /// The block to add.
        text: String,
    },
    /// Add `text` at the top of the page, after the frontmatter.
    Prepend {
        /// The block to add.
        text: String,
    },
    /// Replace a section's content: everything after its heading line up to the next heading of
    /// the same or a higher level (sub-sections included). The heading line is kept.
    ReplaceSection {
        /// Heading text or `A > B` path.
        section: String,
        /// The new content (may be empty to clear the section).
        text: String,
    },
    /// Insert `text` just before the section's heading line.
    InsertBeforeSection {
        /// Heading text or `A > B` path.
        section: String,
        /// The block to insert.
        text: String,
    },
    /// Insert `text` after the end of the section (after its sub-sections).
    InsertAfterSection {
        /// Heading text or `A > B` path.
        section: String,
        /// The block to insert.
        text: String,
    },
}

impl EditOp {
    /// Short verb for commit messages.
    pub fn verb(&self) -> &'static str {
        match self {
            EditOp::Replace { .. } | EditOp::ReplaceAll { .. } => "Edit",
            EditOp::SetFrontmatter { .. } => "Set frontmatter",
            EditOp::Append { .. } => "Append",
            EditOp::Prepend { .. } => "Prepend",
            EditOp::ReplaceSection { .. } => "Replace section",
            EditOp::InsertBeforeSection { .. } | EditOp::InsertAfterSection { .. } => {
                "Insert section"
            }
        }
    }

    /// The input size that counts against the page limit.
    pub fn len(&self) -> usize {
        match self {
            EditOp::Replace { old, new } | EditOp::ReplaceAll { old, new, .. } => {
                old.len() + new.len()
            }
            EditOp::SetFrontmatter { fields } => {
                serde_json::to_string(fields).map_or(usize::MAX, |json| json.len())
            }
            EditOp::Append { text } | EditOp::Prepend { text } => text.len(),
            EditOp::ReplaceSection { section, text }
            | EditOp::InsertBeforeSection { section, text }
            | EditOp::InsertAfterSection { section, text } => section.len() + text.len(),
        }
    }

    /// True when the operation carries no text at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Applies `op` to `content`, or says why it cannot be applied.
pub fn apply(content: &str, op: &EditOp) -> NotesResult<String> {
    match op {
        EditOp::Replace { old, new } => replace_once(content, old, new),
        EditOp::ReplaceAll { old, new, expected } => replace_all(content, old, new, *expected),
        EditOp::SetFrontmatter { fields } => frontmatter::set_fields(content, fields),
        EditOp::Append { text } => {
            let text = non_empty(text)?;
            let head = content.trim_end_matches(['\n', '\r']);
            if head.trim().is_empty() {
                return Ok(block(text));
            }
            Ok(format!("{head}\n\n{}", block(text)))
        }
        EditOp::Prepend { text } => {
            let text = non_empty(text)?;
            let start = frontmatter::split(content).1;
            let rest = content[start..].trim_start_matches(['\n', '\r']);
            let sep = if rest.is_empty() { "" } else { "\n" };
            Ok(format!("{}{}{sep}{rest}", &content[..start], block(text)))
        }
        EditOp::ReplaceSection { section, text } => {
            let all = sections::headings(content);
            let h = sections::find(&all, section)?;
            let mut heading_line = content[h.start..h.body_start].to_string();
            if !heading_line.ends_with('\n') {
                heading_line.push('\n');
            }
            let after = &content[h.end..];
            let middle = if text.trim().is_empty() {
                String::new()
            } else {
                format!("\n{}", block(text))
            };
            let sep = if after.is_empty() { "" } else { "\n" };
            Ok(format!(
                "{}{heading_line}{middle}{sep}{after}",
                &content[..h.start]
            ))
        }
        EditOp::InsertBeforeSection { section, text } => {
            let text = non_empty(text)?;
            let all = sections::headings(content);
            let h = sections::find(&all, section)?;
            Ok(format!(
                "{}{}\n{}",
                blank_line_after(&content[..h.start]),
                block(text),
                &content[h.start..]
            ))
        }
        EditOp::InsertAfterSection { section, text } => {
            let text = non_empty(text)?;
            let all = sections::headings(content);
            let h = sections::find(&all, section)?;
            let after = &content[h.end..];
            let sep = if after.is_empty() { "" } else { "\n" };
            Ok(format!(
                "{}{}{sep}{after}",
                blank_line_after(&content[..h.end]),
                block(text)
            ))
        }
    }
}

fn replace_once(content: &str, old: &str, new: &str) -> NotesResult<String> {
    if old.is_empty() {
        return Err(NotesError::invalid(
            "missing_field",
            "old_string must not be empty: give the exact text to replace.",
        ));
    }
    if old == new {
        return Err(NotesError::invalid(
            "no_change",
            "old_string and new_string are identical: nothing would change.",
        ));
    }
    match content.matches(old).count() {
        0 => Err(NotesError::invalid(
            "no_match",
            "old_string not found in page content. Read the page again and copy the text \
             exactly, including whitespace and line breaks.",
        )),
        1 => Ok(content.replacen(old, new, 1)),
        n => Err(NotesError::invalid(
            "ambiguous_match",
            format!(
                "old_string is ambiguous: found {n} occurrences. Provide a longer unique string."
            ),
        )),
    }
}

fn replace_all(content: &str, old: &str, new: &str, expected: usize) -> NotesResult<String> {
    if old.is_empty() || old == new {
        return replace_once(content, old, new);
    }
    match content.matches(old).count() {
        found if found == expected && found > 0 => Ok(content.replace(old, new)),
        0 => replace_once(content, old, new),
        found => Err(NotesError::invalid(
            "match_count",
            format!(
                "old_string occurs {found} time(s), not the {expected} expected; nothing was \
                 changed. Read the page again, and pass expected_replacements={found} if every \
                 occurrence should change."
            ),
        )),
    }
}

fn non_empty(text: &str) -> NotesResult<&str> {
    if text.trim().is_empty() {
        return Err(NotesError::invalid(
            "missing_field",
            "text must not be empty: give the markdown to insert.",
        ));
    }
    Ok(text)
}

/// `text` with exactly one trailing newline.
fn block(text: &str) -> String {
    format!("{}\n", text.trim_end_matches(['\n', '\r']))
}

/// `before` ending in a blank line (unless it is empty).
fn blank_line_after(before: &str) -> String {
    if before.is_empty() || before.ends_with("\n\n") {
        before.to_string()
    } else if before.ends_with('\n') {
        format!("{before}\n")
    } else {
        format!("{before}\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(content: &str, op: EditOp) -> String {
        apply(content, &op).expect("edit applies")
    }

    #[test]
    fn replace_all_needs_the_expected_count() {
        let page = "a x b x c x\n";
        let all = EditOp::ReplaceAll {
            old: "x".into(),
            new: "y".into(),
            expected: 3,
        };
        assert_eq!(op(page, all), "a y b y c y\n");
        let wrong = EditOp::ReplaceAll {
            old: "x".into(),
            new: "y".into(),
            expected: 2,
        };
        let err = apply(page, &wrong).expect_err("count differs");
        assert_eq!(err.code(), "match_count");
        assert!(err.to_string().contains("3 time(s)"), "{err}");
        let none = EditOp::ReplaceAll {
            old: "z".into(),
            new: "y".into(),
            expected: 1,
        };
        assert_eq!(apply(page, &none).expect_err("absent").code(), "no_match");
    }

    #[test]
    fn replace_needs_exactly_one_match() {
        let r = |old: &str, new: &str| EditOp::Replace {
            old: old.into(),
            new: new.into(),
        };
        assert_eq!(op("a b c", r("b", "B")), "a B c");
        assert_eq!(op("a b c", r(" b", "")), "a c");
        let code = |res: NotesResult<String>| res.err().map(|e| e.code());
        assert_eq!(code(apply("a b b", &r("b", "x"))), Some("ambiguous_match"));
        assert_eq!(code(apply("a", &r("z", "x"))), Some("no_match"));
        assert_eq!(code(apply("a", &r("", "x"))), Some("missing_field"));
        assert_eq!(code(apply("a", &r("a", "a"))), Some("no_change"));
    }

    #[test]
    fn append_and_prepend_keep_blocks_apart() {
        let append = |t: &str| EditOp::Append { text: t.into() };
        let prepend = |t: &str| EditOp::Prepend { text: t.into() };
        assert_eq!(op("# A\ntext\n\n\n", append("more")), "# A\ntext\n\nmore\n");
        assert_eq!(op("", append("first\n")), "first\n");
        assert_eq!(
            op("---\nt: 1\n---\n# A\n", prepend("top")),
            "---\nt: 1\n---\ntop\n\n# A\n"
        );
        assert_eq!(op("", prepend("x")), "x\n");
        assert!(apply("x", &append("  ")).is_err());
    }

    #[test]
    fn section_operations() {
        let page = "# Top\nintro\n\n## Status\nold\n### Detail\nd\n\n## Next\nn\n";
        assert_eq!(
            op(
                page,
                EditOp::ReplaceSection {
                    section: "status".into(),
                    text: "new".into()
                }
            ),
            "# Top\nintro\n\n## Status\n\nnew\n\n## Next\nn\n"
        );
        assert_eq!(
            op(
                page,
                EditOp::InsertBeforeSection {
                    section: "Top > Next".into(),
                    text: "before".into()
                }
            ),
            "# Top\nintro\n\n## Status\nold\n### Detail\nd\n\nbefore\n\n## Next\nn\n"
        );
        assert_eq!(
            op(
                page,
                EditOp::InsertAfterSection {
                    section: "Status".into(),
                    text: "after".into()
                }
            ),
            "# Top\nintro\n\n## Status\nold\n### Detail\nd\n\nafter\n\n## Next\nn\n"
        );
        assert_eq!(
            op(
                page,
                EditOp::InsertAfterSection {
                    section: "Next".into(),
                    text: "end".into()
                }
            ),
            "# Top\nintro\n\n## Status\nold\n### Detail\nd\n\n## Next\nn\n\nend\n"
        );
        assert!(matches!(
            apply(
                page,
                &EditOp::ReplaceSection {
                    section: "nope".into(),
                    text: String::new()
                }
            ),
            Err(NotesError::SectionNotFound { .. })
        ));
    }

    #[test]
    fn ops_deserialize_from_tagged_json() {
        let parsed: EditOp =
            serde_json::from_str(r#"{"op":"replace_section","section":"A","text":"x"}"#)
                .expect("json");
        assert_eq!(
            parsed,
            EditOp::ReplaceSection {
                section: "A".into(),
                text: "x".into()
            }
        );
    }
}
