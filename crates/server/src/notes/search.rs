//! Keyword search: a ranked scan over every page at head, scored like the otterwiki-api (name
//! matches weigh three times body matches), with a snippet around the earliest match.
//! Full-text indexing comes later; this is correct on every head because it reads git directly.

use robot_wiki::PagePath;

use super::error::{NotesError, NotesResult};
use super::{Notes, SearchHit, SearchResults, frontmatter};

/// Most results returned at once.
pub const MAX_SEARCH_LIMIT: usize = 200;
/// Longest query searched, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// Snippet context before and after the match, in characters.
const BEFORE: usize = 50;
const AFTER: usize = 150;

impl Notes<'_> {
    /// Pages matching `query` (terms split on whitespace, case-insensitive), best first, at most
    /// `limit` (1 to 200); `total` counts every match.
    pub async fn search(&self, query: &str, limit: usize) -> NotesResult<SearchResults> {
        self.require_read()?;
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        if query.is_empty() {
            return Err(NotesError::invalid(
                "missing_field",
                "Query parameter 'q' is required: give one or more words to search for.",
            ));
        }
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT);
        let q = query.clone();
        let mut hits = self
            .blocking(move |repo| {
                let mut hits = Vec::new();
                for file in repo.files(None)?.iter() {
                    let Some(page) = PagePath::from_file_path(file.path.as_str()) else {
                        continue;
                    };
                    let Some(blob) = repo.read(&file.path, None)? else {
                        continue;
                    };
                    let text = String::from_utf8_lossy(&blob.bytes);
                    if let Some(hit) = score_page(&page, &text, &q) {
                        hits.push(hit);
                    }
                }
                Ok(hits)
            })
            .await?;
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.path.to_lowercase().cmp(&b.path.to_lowercase()))
        });
        let total = hits.len();
        hits.truncate(limit);
        Ok(SearchResults {
            query,
            results: hits,
            total,
        })
    }
}

/// Scores one page, or `None` when nothing matches.
pub fn score_page(page: &PagePath, content: &str, query: &str) -> Option<SearchHit> {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return None;
    }
    let phrase = terms.join(" ");
    let n = terms.len();
    let name = match frontmatter::to_json(content).get("title") {
        Some(serde_json::Value::String(t)) if !t.trim().is_empty() => t.trim().to_string(),
        _ => page.name().to_string(),
    };
    let name_lower = name.to_lowercase();
    let mut title_score = terms.iter().filter(|t| name_lower.contains(*t)).count();
    if name_lower.contains(&phrase) {
        title_score += n;
    }
    let body = frontmatter::body(content);
    let body_lower = body.to_lowercase();
    let mut body_score: usize = terms
        .iter()
        .map(|t| body_lower.matches(t.as_str()).count())
        .sum();
    if body_lower.contains(&phrase) {
        body_score += n;
    }
    if title_score == 0 && body_score == 0 {
        return None;
    }
    let raw = (3 * title_score + body_score.min(2 * n)) as f64 / (4 * n) as f64;
    Some(SearchHit {
        name,
        path: page.to_string(),
        snippet: snippet(body, &phrase, &terms),
        score: (raw.min(1.0) * 100.0).round() / 100.0,
    })
}

/// Text around the first phrase match, else around the earliest match of any term.
fn snippet(body: &str, phrase: &str, terms: &[String]) -> String {
    // Lowercase char by char so char positions line up with `body`.
    let chars: Vec<char> = body.chars().collect();
    let lower: String = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let find = |needle: &str| -> Option<(usize, usize)> {
        let aligned: String = needle
            .chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect();
        let byte = lower.find(&aligned)?;
        let start = lower[..byte].chars().count();
        Some((start, start + aligned.chars().count()))
    };
    let Some((start, end)) =
        find(phrase).or_else(|| terms.iter().filter_map(|t| find(t)).min_by_key(|(s, _)| *s))
    else {
        return String::new();
    };
    let from = start.saturating_sub(BEFORE);
    let to = (end + AFTER).min(chars.len());
    let window: String = chars[from..to].iter().collect();
    let mut text = window.split_whitespace().collect::<Vec<_>>().join(" ");
    if from > 0 {
        text.insert_str(0, "...");
    }
    if to < chars.len() {
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> PagePath {
        PagePath::parse(name).expect("page")
    }

    #[test]
    fn scores_like_the_otterwiki_api() {
        let hit = score_page(&page("Road Map"), "# Plans\nthe road ahead\n", "road").expect("hit");
        // title 1 + phrase 1 = 2 → 3·2 = 6, body 1+1 = 2 → min(2, 2) = 2; (6+2)/4 capped at 1.
        assert_eq!(hit.score, 1.0);
        let body_only = score_page(&page("Other"), "road road road", "road").expect("hit");
        assert_eq!(body_only.score, 0.5);
        assert!(score_page(&page("Other"), "nothing here", "road").is_none());
    }

    #[test]
    fn snippets_use_any_term_and_skip_frontmatter() {
        let text = format!(
            "---\ntitle: Zebra\n---\n{}needle in text{}",
            "x ".repeat(60),
            " y".repeat(100)
        );
        let hit = score_page(&page("P"), &text, "missing needle").expect("hit");
        assert_eq!(hit.name, "Zebra");
        assert!(
            hit.snippet.starts_with("...") && hit.snippet.ends_with("..."),
            "{}",
            hit.snippet
        );
        assert!(hit.snippet.contains("needle in text"));
        assert!(score_page(&page("P"), "---\ntitle: Zebra\n---\nbody", "title").is_none());
    }
}
