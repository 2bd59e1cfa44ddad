//! User query text → a safe FTS5 `MATCH` expression.
//!
//! Every term becomes an FTS5 string (`"…"`, inner quotes doubled), so nothing a user types is
//! FTS5 syntax: `AND`, `OR`, `NOT`, `NEAR(`, `^`, `-`, `+` and `column:` are plain words. Two
//! forms are recognised on purpose: `"an exact phrase"` and a trailing `*` for a prefix.

/// A parsed user query: the terms, each quoted, ready to join into a `MATCH` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchQuery {
    terms: Vec<String>,
    /// Whether each term is a common English function word (never a phrase or prefix).
    common: Vec<bool>,
}

/// Words a question is made of but an answer need not repeat. They are dropped from the
/// any-term expression of passage search, where they would otherwise rank every chunk that
/// happens to say "which" or "how".
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "should", "so",
    "that", "the", "their", "there", "these", "this", "to", "was", "we", "what", "when", "where",
    "which", "who", "why", "will", "with", "you", "your",
];

impl MatchQuery {
    /// Parses user text. Terms without a letter or digit are dropped (they could never match).
    pub fn parse(text: &str) -> MatchQuery {
        let mut terms = Vec::new();
        let mut common = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            if let Some(after) = rest.strip_prefix('"') {
                // A phrase, up to the closing quote (or the end, if it is never closed).
                let end = after.find('"').unwrap_or(after.len());
                push_term(&mut terms, &mut common, &after[..end], false, false);
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                let word = &rest[..end];
                let prefix = word.ends_with('*');
                let word = word.trim_end_matches('*');
                let stop = !prefix && STOPWORDS.contains(&word.to_lowercase().as_str());
                push_term(&mut terms, &mut common, word, prefix, stop);
                rest = &rest[end..];
            }
        }
        MatchQuery { terms, common }
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

    /// Like [`MatchQuery::any`] without common function words, unless that leaves nothing;
    /// `None` when there is no term at all.
    pub fn any_significant(&self) -> Option<String> {
        let significant: Vec<&str> = self
            .terms
            .iter()
            .zip(&self.common)
            .filter(|(_, common)| !**common)
            .map(|(term, _)| term.as_str())
            .collect();
        match (significant.is_empty(), self.terms.is_empty()) {
            (_, true) => None,
            (true, false) => Some(self.any()),
            (false, false) => Some(significant.join(" OR ")),
        }
    }
}

fn push_term(
    terms: &mut Vec<String>,
    common: &mut Vec<bool>,
    text: &str,
    prefix: bool,
    stop: bool,
) {
    if !text.chars().any(char::is_alphanumeric) {
        return;
    }
    let quoted = format!("\"{}\"", text.replace('"', "\"\""));
    terms.push(if prefix { quoted + " *" } else { quoted });
    common.push(stop);
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
    fn question_words_are_dropped_from_significant_terms_only() {
        let q = MatchQuery::parse("How do I reset the Password");
        assert_eq!(
            q.any_significant().as_deref(),
            Some(r#""reset" OR "Password""#)
        );
        assert_eq!(q.len(), 6);
        let only = MatchQuery::parse("what is it");
        assert_eq!(only.any_significant(), Some(only.any()));
        assert_eq!(MatchQuery::parse("  ").any_significant(), None);
        assert_eq!(
            MatchQuery::parse(r#""the who" the*"#)
                .any_significant()
                .as_deref(),
            Some(r#""the who" OR "the" *"#)
        );
    }

    #[test]
    fn drops_terms_that_cannot_match_and_survives_stray_quotes() {
        assert!(MatchQuery::parse(r#" " * "" ** ( : "#).is_empty());
        assert_eq!(MatchQuery::parse(r#"say "hi"#).all(), r#""say" AND "hi""#);
        assert_eq!(MatchQuery::parse(r#"a"b"#).all(), r#""a" AND "b""#);
    }
}
