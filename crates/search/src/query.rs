//! User query text → a safe FTS5 `MATCH` expression.
//!
//! Every term becomes an FTS5 string (`"…"`, inner quotes doubled), so nothing a user types is
//! FTS5 syntax: `AND`, `OR`, `NOT`, `NEAR(`, `^`, `-`, `+` and `column:` are plain words. Two
//! forms are recognised on purpose: `"an exact phrase"` and a trailing `*` for a prefix.

/// A parsed user query: the terms, each quoted, ready to join into a `MATCH` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchQuery {
    terms: Vec<String>,
}

impl MatchQuery {
    /// Parses user text. Terms without a letter or digit are dropped (they could never match).
    pub fn parse(text: &str) -> MatchQuery {
        let mut terms = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            if let Some(after) = rest.strip_prefix('"') {
                // A phrase, up to the closing quote (or the end, if it is never closed).
                let end = after.find('"').unwrap_or(after.len());
                push_term(&mut terms, &after[..end], false);
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                let word = &rest[..end];
                let prefix = word.ends_with('*');
                push_term(&mut terms, word.trim_end_matches('*'), prefix);
                rest = &rest[end..];
            }
        }
        MatchQuery { terms }
    }

    /// True when no term can match anything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// How many terms there are.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// The expression matching pages that contain every term.
    pub fn all(&self) -> String {
        self.terms.join(" AND ")
    }

    /// The expression matching pages that contain any term.
    pub fn any(&self) -> String {
        self.terms.join(" OR ")
    }
}

fn push_term(terms: &mut Vec<String>, text: &str, prefix: bool) {
    if !text.chars().any(char::is_alphanumeric) {
        return;
    }
    let quoted = format!("\"{}\"", text.replace('"', "\"\""));
    terms.push(if prefix { quoted + " *" } else { quoted });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_term() {
        let q = MatchQuery::parse(r#"road "big plan" otter* NEAR( a:b AND -x "#);
        assert_eq!(
            q.all(),
            r#""road" AND "big plan" AND "otter" * AND "NEAR(" AND "a:b" AND "AND" AND "-x""#
        );
        assert_eq!(q.len(), 7);
    }

    #[test]
    fn drops_terms_that_cannot_match_and_survives_stray_quotes() {
        assert!(MatchQuery::parse(r#" " * "" ** ( : "#).is_empty());
        assert_eq!(MatchQuery::parse(r#"say "hi"#).all(), r#""say" AND "hi""#);
        assert_eq!(MatchQuery::parse(r#"a"b"#).all(), r#""a" AND "b""#);
    }
}
