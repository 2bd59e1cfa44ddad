//! Splitting a page into chunks for semantic search: one chunk per section where sections are
//! small enough, windows with overlap where they are not, neighbouring short sections merged.
//!
//! Differences from the peer's algorithm (see `agent-access-stack.md` §3.3), each for recall:
//! a merged short section keeps its heading line in the text, so its words stay findable; the
//! heading path is complete (not cut at three levels) and closing `#`s are stripped; windows
//! respect the model's input size in characters as well as words, so code-heavy text is not
//! silently truncated by the tokenizer; and a window never starts mid-word.

/// Words per chunk to aim for: about two thirds of MiniLM's 256-token window for prose.
const TARGET_WORDS: usize = 120;
/// Words repeated from the end of the previous window at the start of the next.
const OVERLAP_WORDS: usize = 30;
/// Characters per chunk at most (headings prefix excluded), for text that tokenizes densely.
const MAX_CHARS: usize = 800;

/// One piece of a page, embedded and searched on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Position in the page, from 0.
    pub ordinal: usize,
    /// Headings from the page title down to the section the chunk starts in.
    pub section_path: Vec<String>,
    /// The chunk's text (markdown, heading lines of merged sections included).
    pub text: String,
}

impl Chunk {
    /// The heading of the section the chunk starts in (`""` before the first heading).
    pub fn section(&self) -> &str {
        section_of(&self.section_path)
    }

    /// The heading path as shown: `Page > Section > Subsection`.
    pub fn context(&self) -> String {
        self.section_path.join(" > ")
    }

    /// What the model embeds: the heading path, then the text with link and image targets
    /// removed, so a chunk is found by what its headings and words say it is about. (URLs carry
    /// little meaning and cost many word pieces: a README's badge line can fill the model's
    /// whole input.)
    pub fn embedding_input(&self) -> String {
        format!("{}\n\n{}", self.context(), without_link_targets(&self.text))
    }
}

/// The last heading of a section path (`""` when the path is only the page).
pub(crate) fn section_of(path: &[String]) -> &str {
    match path {
        [_page, .., last] => last,
        _ => "",
    }
}

/// `text` with the `(target)` of every markdown link and image dropped and image `!` markers
/// removed: `[docs](https://…)` becomes `[docs]`.
fn without_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let (before, after) = rest.split_at(at + 1);
        out.push_str(&before.replace("![", "["));
        let target = &after[1..];
        match target.find(')') {
            // A target is one run without spaces (an optional title aside, which is rare).
            Some(end) if !target[..end].contains(char::is_whitespace) => rest = &target[end + 1..],
            _ => {
                out.push('(');
                rest = target;
            }
        }
    }
    out.push_str(&rest.replace("![", "["));
    out
}

/// A section of the page: its heading path and its text (heading line included, except for the
/// preamble).
struct Section {
    path: Vec<String>,
    text: String,
    words: usize,
    /// Whether any non-blank line follows the heading.
    has_body: bool,
}

/// Chunks of a page titled `title` whose markdown (frontmatter removed) is `body`.
pub fn chunk_page(title: &str, body: &str) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut pending: Option<Section> = None;
    for section in sections(title, body) {
        pending = match pending.take() {
            // Short neighbours travel together, keeping their heading lines.
            Some(mut open) if open.words + section.words <= TARGET_WORDS => {
                open.text.push_str("\n\n");
                open.text.push_str(&section.text);
                open.words += section.words;
                Some(open)
            }
            Some(open) => {
                emit(&mut chunks, open);
                Some(section)
            }
            None => Some(section),
        };
    }
    if let Some(open) = pending {
        emit(&mut chunks, open);
    }
    chunks
}

/// Adds `section` as one chunk, or as overlapping windows when it is too long.
fn emit(chunks: &mut Vec<Chunk>, section: Section) {
    let text = section.text.trim();
    if text.is_empty() {
        return;
    }
    for window in windows(text) {
        chunks.push(Chunk {
            ordinal: chunks.len(),
            section_path: section.path.clone(),
            text: window,
        });
    }
}

/// The text cut into windows of at most [`TARGET_WORDS`] words and [`MAX_CHARS`] characters,
/// each after the first starting with the last [`OVERLAP_WORDS`] words of the one before.
///
/// A window ends at the end of a line when one lies within its last [`OVERLAP_WORDS`] words (a
/// `: definition` line counts as part of its term's line), so every line shorter than that, a
/// glossary entry or a list item, is whole in some window: the overlap only ever cuts a line
/// at the start of the next window, after the whole line ended the window before.
fn windows(text: &str) -> Vec<String> {
    let words = words_with_line_ends(text);
    if words.len() <= TARGET_WORDS && text.chars().count() <= MAX_CHARS {
        return vec![text.to_string()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let mut end = start;
        let mut chars = 0;
        while end < words.len() && end - start < TARGET_WORDS {
            let add = words[end].0.chars().count() + 1;
            if end > start && chars + add > MAX_CHARS {
                break;
            }
            chars += add;
            end += 1;
        }
        if end < words.len() {
            let earliest = end.saturating_sub(OVERLAP_WORDS).max(start + 1);
            if let Some(line_end) = (earliest..end).rev().find(|&i| words[i].1) {
                end = line_end + 1;
            }
        }
        out.push(
            words[start..end]
                .iter()
                .map(|(word, _)| *word)
                .collect::<Vec<_>>()
                .join(" "),
        );
        if end >= words.len() {
            break;
        }
        // Step forward, repeating some words for context, but always by at least one word.
        start = end.saturating_sub(OVERLAP_WORDS).max(start + 1);
    }
    out
}

/// The words of `text`, each with whether a window may end after it: the last word of a line,
/// unless the next line is a `: definition` of it.
fn words_with_line_ends(text: &str) -> Vec<(&str, bool)> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let defined_next = lines
            .get(i + 1)
            .is_some_and(|next| next.trim_start().starts_with(": "));
        let before = out.len();
        out.extend(line.split_whitespace().map(|word| (word, false)));
        if out.len() > before
            && !defined_next
            && let Some(last) = out.last_mut()
        {
            last.1 = true;
        }
    }
    out
}

/// The page split at ATX headings outside code fences.
fn sections(title: &str, body: &str) -> Vec<Section> {
    let mut out = Vec::new();
    // Open headings: (level, text).
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut current = Section {
        path: vec![title.to_string()],
        text: String::new(),
        words: 0,
        has_body: false,
    };
    let mut fence: Option<(char, usize)> = None;
    for line in body.lines() {
        if let Some((marker, len)) = fence_marker(line) {
            fence = match fence {
                None => Some((marker, len)),
                Some((open, open_len)) if open == marker && len >= open_len => None,
                still_open => still_open,
            };
        } else if fence.is_none()
            && let Some((level, heading)) = atx_heading(line)
        {
            out.push(std::mem::replace(
                &mut current,
                Section {
                    path: Vec::new(),
                    text: String::new(),
                    words: 0,
                    has_body: false,
                },
            ));
            stack.retain(|(l, _)| *l < level);
            stack.push((level, heading.clone()));
            current.path = std::iter::once(title.to_string())
                .chain(stack.iter().map(|(_, h)| h.clone()))
                .collect();
            current.text.push_str(&heading);
            current.words += heading.split_whitespace().count();
            continue;
        }
        if !current.text.is_empty() {
            current.text.push('\n');
        }
        current.text.push_str(line);
        current.words += line.split_whitespace().count();
        current.has_body |= !line.trim().is_empty();
    }
    out.push(current);
    // A heading with nothing under it but subsections lives on in their heading paths; merged
    // into the section before it, it would mislabel that section's chunk.
    let mut kept: Vec<Section> = Vec::new();
    let mut sections = out.into_iter().peekable();
    while let Some(section) = sections.next() {
        let introduces_next = sections
            .peek()
            .is_some_and(|next| next.path.starts_with(&section.path));
        if section.text.trim().is_empty() || (!section.has_body && introduces_next) {
            continue;
        }
        kept.push(section);
    }
    kept
}

/// `(level, text)` of an ATX heading line (`## Text ##`).
fn atx_heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.strip_prefix("   ").or_else(|| line.strip_prefix("  "));
    let trimmed = trimmed.or_else(|| line.strip_prefix(' ')).unwrap_or(line);
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim_end();
    Some((level, text.to_string()))
}

/// The fence character and run length when `line` opens or closes a code fence.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == marker).count();
    (len >= 3).then_some((marker, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize, word: &str) -> String {
        vec![word; n].join(" ")
    }

    #[test]
    fn short_sections_merge_and_keep_their_headings() {
        let chunks = chunk_page(
            "Guide",
            "Intro text.\n\n## Install\nRun the installer.\n\n## Usage ##\nCall it.",
        );
        assert_eq!(chunks.len(), 1);
        let chunk = &chunks[0];
        assert_eq!(chunk.section_path, vec!["Guide"]);
        assert!(chunk.text.contains("Install\nRun the installer."));
        assert!(chunk.text.contains("Usage\nCall it."), "{}", chunk.text);
        assert_eq!(chunk.embedding_input(), format!("Guide\n\n{}", chunk.text));
    }

    #[test]
    fn long_sections_get_their_own_chunks_with_full_heading_paths() {
        let body = format!(
            "# Top\n{}\n## Mid\n### Deep\n#### Deeper\n{}\n",
            words(100, "alpha"),
            words(100, "beta")
        );
        let chunks = chunk_page("Page", &body);
        assert_eq!(chunks.len(), 2, "{chunks:#?}");
        assert_eq!(chunks[0].section_path, vec!["Page", "Top"]);
        assert_eq!(chunks[0].section(), "Top");
        // The empty `Mid` and `Deep` headings live on in `Deeper`'s path only.
        assert_eq!(
            chunks[1].section_path,
            vec!["Page", "Top", "Mid", "Deep", "Deeper"]
        );
        assert!(
            chunks[1].text.starts_with("Deeper\nbeta"),
            "{}",
            chunks[1].text
        );
        assert_eq!(chunks[1].ordinal, 1);
    }

    #[test]
    fn a_long_section_is_windowed_with_overlap() {
        let text: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let chunks = chunk_page("P", &text.join(" "));
        assert!(chunks.len() >= 3, "{}", chunks.len());
        for pair in chunks.windows(2) {
            let last_of_first: Vec<&str> = pair[0].text.split(' ').rev().take(5).collect();
            assert!(pair[1].text.contains(last_of_first[0]), "overlap missing");
        }
        let all: String = chunks
            .iter()
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("w0 ") && all.contains("w299"));
        assert!(
            chunks
                .iter()
                .all(|c| c.text.split(' ').count() <= TARGET_WORDS)
        );
    }

    #[test]
    fn glossary_entries_are_never_cut_from_their_definitions() {
        let mut body = String::from("## Glossary\n");
        for i in 0..30 {
            body.push_str(&format!(
                "**Term{i}**: the meaning of term {i}, explained in a dozen words or so here.\n"
            ));
        }
        body.push_str("\nDefinition list:\n\n");
        for i in 0..12 {
            body.push_str(&format!(
                "Word{i}\n: what word {i} means, in a sentence of about twelve words long.\n"
            ));
        }
        let chunks = chunk_page("Book", &body);
        assert!(chunks.len() >= 3, "{chunks:#?}");
        for chunk in &chunks {
            assert!(chunk.text.split_whitespace().count() <= TARGET_WORDS + 20);
            assert!(
                chunk.text.chars().count() <= MAX_CHARS + 120,
                "{}",
                chunk.text
            );
            // Windows end where an entry ends.
            assert!(
                chunk.text.ends_with("so here.") || chunk.text.ends_with("words long."),
                "{}",
                chunk.text
            );
        }
        for i in 0..30 {
            let entry = format!(
                "**Term{i}**: the meaning of term {i}, explained in a dozen words or so here."
            );
            assert!(
                chunks.iter().any(|c| c.text.contains(&entry)),
                "Term{i} lost"
            );
        }
        for i in 0..12 {
            let entry =
                format!("Word{i} : what word {i} means, in a sentence of about twelve words long.");
            assert!(
                chunks.iter().any(|c| c.text.contains(&entry)),
                "Word{i} lost"
            );
        }
    }

    #[test]
    fn dense_text_is_cut_by_characters_too() {
        let body = words(100, "averyveryverylongidentifier_without_spaces");
        let chunks = chunk_page("P", &body);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= MAX_CHARS));
    }

    #[test]
    fn headings_inside_code_fences_do_not_split() {
        let body = format!(
            "{}\n```sh\n# not a heading\n```\n{}",
            words(70, "a"),
            words(70, "b")
        );
        let chunks = chunk_page("P", &body);
        assert!(chunks.iter().all(|c| c.section_path == vec!["P"]));
        assert!(chunks[0].text.contains("# not a heading"));
    }

    #[test]
    fn link_targets_are_not_embedded() {
        let chunk = Chunk {
            ordinal: 0,
            section_path: vec!["P".into()],
            text: "[![crates.io](https://img.shields.io/x.svg)](https://crates.io/x) see \
                   [the docs](https://docs.rs/x) (really) f(x)"
                .into(),
        };
        assert_eq!(
            chunk.embedding_input(),
            "P\n\n[[crates.io]] see [the docs] (really) f(x)"
        );
    }

    #[test]
    fn empty_pages_have_no_chunks() {
        assert!(chunk_page("P", "").is_empty());
        assert!(chunk_page("P", "\n\n  \n").is_empty());
        assert_eq!(chunk_page("P", "## Only a heading").len(), 1);
    }
}
