//! Context in one call: a note, the notes around it in the link graph with one summary line
//! each, and their latest changes, fitted to a byte budget the caller sets; and the wiki's
//! folder tree. Both are answered from the catalog at one head plus one trip to the repository,
//! so they cost the same at commit 10 and at commit 10,000.

use std::collections::{BTreeMap, HashMap, HashSet};

use robot_index::Catalog;
use robot_wiki::PagePath;
use schemars::JsonSchema;
use serde::Serialize;

use super::error::{NotesError, NotesResult};
use super::index::parse_since;
use super::{Notes, frontmatter, iso_date};

/// Deepest link distance `build_context` follows.
pub const MAX_CONTEXT_DEPTH: usize = 3;
/// Most related notes one context holds.
pub const MAX_CONTEXT_NOTES: usize = 50;
/// Smallest and largest byte budgets.
pub const CONTEXT_BYTES: std::ops::RangeInclusive<usize> = 1_000..=200_000;
/// Longest summary line, in characters.
const SUMMARY_CHARS: usize = 160;

/// What to gather around a note.
#[derive(Debug, Clone)]
pub struct ContextQuery {
    /// Link distance to follow (1 to 3).
    pub depth: usize,
    /// Most related notes (1 to 50).
    pub max_notes: usize,
    /// Only changes at or after this ISO 8601 date or date-time.
    pub since: Option<String>,
    /// Most bytes of the JSON answer.
    pub max_bytes: usize,
}

impl Default for ContextQuery {
    fn default() -> ContextQuery {
        ContextQuery {
            depth: 1,
            max_notes: 10,
            since: None,
            max_bytes: 16_000,
        }
    }
}

/// A note with what surrounds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Context {
    /// The note's path.
    pub path: String,
    /// Its title.
    pub title: String,
    /// Its revision (pass it back when writing).
    pub revision: String,
    /// Its markdown, cut at the budget when `truncated`.
    pub content: String,
    /// True when `content` was cut to fit the budget.
    pub truncated: bool,
    /// Notes linked to or from it, nearest first.
    pub related: Vec<RelatedNote>,
    /// The latest change of each note here, newest first.
    pub changes: Vec<NoteChange>,
    /// Related notes found but left out (over `max_notes` or the byte budget).
    pub omitted: usize,
}

/// A note near the one asked for.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RelatedNote {
    /// Page path.
    pub path: String,
    /// Title.
    pub title: String,
    /// `links_to` (the note links here), `linked_from` (links to the note), `both`, or for
    /// depth 2 and 3 `via {path}`.
    pub relation: String,
    /// Link distance from the note.
    pub depth: usize,
    /// The frontmatter `summary` or `description`, else the first line of prose.
    pub summary: String,
}

/// The latest change of a note in the context.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NoteChange {
    /// Page path.
    pub path: String,
    /// The commit.
    pub revision: String,
    /// ISO 8601 date-time.
    pub date: String,
    /// Author name.
    pub author: String,
    /// Commit message.
    pub message: String,
}

/// The folders and pages under a prefix, to a depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Tree {
    /// Folders and pages, sorted by path.
    pub entries: Vec<TreeEntry>,
}

/// One folder or page of a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TreeEntry {
    /// Path (a folder's path has no trailing `/`).
    pub path: String,
    /// `folder` or `page`.
    pub kind: &'static str,
    /// Pages anywhere under a folder (`None` for pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<usize>,
}

impl Notes<'_> {
    /// `page` with the notes within `q.depth` links of it, their summaries and latest changes,
    /// fitted to `q.max_bytes` of JSON: the note's text takes at most half, then related notes
    /// nearest first, then changes newest first.
    pub async fn context(&self, page: &PagePath, q: &ContextQuery) -> NotesResult<Context> {
        self.require_read()?;
        let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(parse_since(text)?),
            None => None,
        };
        let depth = q.depth.clamp(1, MAX_CONTEXT_DEPTH);
        let max_notes = q.max_notes.clamp(1, MAX_CONTEXT_NOTES);
        let max_bytes = q
            .max_bytes
            .clamp(*CONTEXT_BYTES.start(), *CONTEXT_BYTES.end());
        let catalog = self.catalog().await?;
        let root = catalog
            .get(page)
            .ok_or_else(|| NotesError::page_not_found(page))?;
        let found = neighbours(&catalog, &root.path, depth);
        let kept: Vec<&Neighbour> = found.iter().take(max_notes).collect();
        let mut files: Vec<String> = vec![root.file.as_str().to_string()];
        files.extend(
            kept.iter()
                .filter_map(|n| catalog.get(&n.page))
                .map(|e| e.file.as_str().to_string()),
        );
        let head = catalog.head.clone();
        let read_files = files.clone();
        let (texts, changes) = self
            .blocking(move |repo| {
                let mut texts = HashMap::new();
                for file in &read_files {
                    let path = robot_store::RepoPath::parse(file)?;
                    if let Some(blob) = repo.read(&path, head.as_ref())? {
                        texts.insert(
                            file.clone(),
                            String::from_utf8_lossy(&blob.bytes).into_owned(),
                        );
                    }
                }
                let names: Vec<&str> = read_files.iter().map(String::as_str).collect();
                let changes = repo
                    .last_changes(&names, head.as_ref())?
                    .unwrap_or_default();
                Ok((texts, changes))
            })
            .await?;
        let text_of = |file: &str| texts.get(file).cloned().unwrap_or_default();
        let mut context = Context {
            path: root.path.to_string(),
            title: root.title.clone(),
            revision: root.last_commit.to_string(),
            content: text_of(root.file.as_str()),
            truncated: false,
            related: Vec::new(),
            changes: Vec::new(),
            omitted: found.len() - kept.len(),
        };
        fit_content(&mut context, max_bytes / 2);
        let mut files_in_context = vec![(root.path.to_string(), root.file.as_str().to_string())];
        for neighbour in kept {
            let Some(entry) = catalog.get(&neighbour.page) else {
                continue;
            };
            context.related.push(RelatedNote {
                path: entry.path.to_string(),
                title: entry.title.clone(),
                relation: neighbour.relation.clone(),
                depth: neighbour.depth,
                summary: summary_line(&text_of(entry.file.as_str())),
            });
            if json_len(&context) > max_bytes {
                context.related.pop();
                context.omitted += 1;
            } else {
                files_in_context.push((entry.path.to_string(), entry.file.as_str().to_string()));
            }
        }
        let mut latest: Vec<(i64, NoteChange)> = files_in_context
            .iter()
            .filter_map(|(path, file)| {
                let c = changes.get(file)?;
                Some((
                    c.time,
                    NoteChange {
                        path: path.clone(),
                        revision: c.id.to_string(),
                        date: iso_date(c.time, c.tz_offset_minutes),
                        author: c.author_name.clone(),
                        message: c.message.trim().to_string(),
                    },
                ))
            })
            .filter(|(time, _)| since.is_none_or(|since| *time >= since))
            .collect();
        latest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
        for (_, change) in latest {
            context.changes.push(change);
            if json_len(&context) > max_bytes {
                context.changes.pop();
                break;
            }
        }
        Ok(context)
    }

    /// Folders and pages under `prefix` (a folder path, empty for the root), `depth` levels
    /// down (1 to 10); each folder says how many pages it holds at any depth.
    pub async fn tree(&self, prefix: &str, depth: usize) -> NotesResult<Tree> {
        self.require_read()?;
        let base: Vec<String> = prefix
            .split('/')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
            .collect();
        let depth = depth.clamp(1, 10);
        let catalog = self.catalog().await?;
        let mut folders: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut pages: BTreeMap<String, String> = BTreeMap::new();
        for entry in catalog.pages() {
            let segments = entry.path.segments();
            let under = segments.len() > base.len()
                && segments
                    .iter()
                    .zip(&base)
                    .all(|(segment, want)| segment.to_lowercase() == *want);
            if !under {
                continue;
            }
            let rest = &segments[base.len()..];
            for level in 1..rest.len() {
                if level > depth {
                    break;
                }
                let folder = segments[..base.len() + level].join("/");
                folders
                    .entry(folder.to_lowercase())
                    .or_insert_with(|| (folder, 0))
                    .1 += 1;
            }
            if rest.len() <= depth {
                let path = entry.path.to_string();
                pages.insert(path.to_lowercase(), path);
            }
        }
        let mut entries: Vec<(String, TreeEntry)> = folders
            .into_iter()
            .map(|(key, (path, count))| {
                (
                    key,
                    TreeEntry {
                        path,
                        kind: "folder",
                        pages: Some(count),
                    },
                )
            })
            .chain(pages.into_iter().map(|(key, path)| {
                (
                    key,
                    TreeEntry {
                        path,
                        kind: "page",
                        pages: None,
                    },
                )
            }))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.kind.cmp(b.1.kind)));
        Ok(Tree {
            entries: entries.into_iter().map(|(_, entry)| entry).collect(),
        })
    }
}

/// A page found while walking the link graph.
struct Neighbour {
    page: PagePath,
    relation: String,
    depth: usize,
}

/// Existing pages within `depth` links of `root` (either direction), nearest first; at each
/// distance pages the note links to come before pages linking to it, then by path.
fn neighbours(catalog: &Catalog, root: &PagePath, depth: usize) -> Vec<Neighbour> {
    let mut seen: HashSet<String> = HashSet::from([root.lookup_key()]);
    let mut found = Vec::new();
    let mut frontier = vec![root.clone()];
    for level in 1..=depth {
        let mut next = Vec::new();
        for from in &frontier {
            let out = catalog.links_from(from);
            let back = catalog.links_to(from);
            let mut step: Vec<(PagePath, &str)> = Vec::new();
            for page in &out {
                let both = back.iter().any(|b| b.lookup_key() == page.lookup_key());
                step.push((page.clone(), if both { "both" } else { "links_to" }));
            }
            for page in &back {
                if !out.iter().any(|o| o.lookup_key() == page.lookup_key()) {
                    step.push((page.clone(), "linked_from"));
                }
            }
            for (page, relation) in step {
                let Some(entry) = catalog.get(&page) else {
                    continue;
                };
                if !seen.insert(entry.path.lookup_key()) {
                    continue;
                }
                let relation = if level == 1 {
                    relation.to_string()
                } else {
                    format!("via {from}")
                };
                next.push(entry.path.clone());
                found.push(Neighbour {
                    page: entry.path.clone(),
                    relation,
                    depth: level,
                });
            }
        }
        frontier = next;
    }
    found
}

/// Cuts `context.content` (at a line end when that keeps most of it) so that the answer
/// without related notes stays within `budget` bytes of JSON.
fn fit_content(context: &mut Context, budget: usize) {
    if json_len(context) <= budget {
        return;
    }
    let full = std::mem::take(&mut context.content);
    context.truncated = true;
    let fits = |context: &mut Context, end: usize| {
        context.content = full[..end].to_string();
        json_len(context) <= budget
    };
    // The longest prefix that fits (JSON escapes make bytes and JSON length differ).
    let (mut low, mut high) = (0, full.len());
    while low < high {
        let mid = floor_char_boundary(&full, (low + high).div_ceil(2));
        if mid <= low {
            break;
        }
        if fits(context, mid) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let end = floor_char_boundary(&full, low);
    let end = full[..end]
        .rfind('\n')
        .filter(|at| *at + 1 > end / 2)
        .map_or(end, |at| at + 1);
    context.content = full[..end].to_string();
}

/// The largest char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The note's one-line summary: frontmatter `summary` or `description`, else its first line
/// of prose (not a heading, list marker or fence), cut at [`SUMMARY_CHARS`].
pub fn summary_line(content: &str) -> String {
    let fields = frontmatter::to_json(content);
    let given = ["summary", "description"]
        .iter()
        .find_map(|key| fields.get(key).and_then(|v| v.as_str()))
        .map(str::to_string);
    let line = given.unwrap_or_else(|| {
        let mut in_fence = false;
        frontmatter::body(content)
            .lines()
            .map(str::trim)
            .find(|line| {
                if line.starts_with("```") || line.starts_with("~~~") {
                    in_fence = !in_fence;
                    return false;
                }
                !in_fence
                    && !line.is_empty()
                    && !line.starts_with('#')
                    && !line.starts_with('|')
                    && !line.starts_with("<!--")
            })
            .map(|line| line.trim_start_matches(['-', '*', '>', ' ']).to_string())
            .unwrap_or_default()
    });
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(SUMMARY_CHARS) {
        Some((at, _)) => format!("{}…", line[..at].trim_end()),
        None => line,
    }
}

fn json_len<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_prefer_frontmatter_then_prose() {
        assert_eq!(
            summary_line("---\nsummary: Short.\n---\n# T\n\nLong text.\n"),
            "Short."
        );
        assert_eq!(
            summary_line("# Title\n\n```\ncode\n```\n\n- First  point\n"),
            "First point"
        );
        let long = format!("# T\n\n{}\n", "word ".repeat(100));
        let line = summary_line(&long);
        assert!(
            line.ends_with('…') && line.chars().count() <= SUMMARY_CHARS + 1,
            "{line}"
        );
        assert_eq!(summary_line("# Only a heading\n"), "");
    }

    #[test]
    fn long_content_is_cut_to_the_budget_at_a_line_end() {
        let mut context = Context {
            path: "A".into(),
            title: "A".into(),
            revision: "0".repeat(40),
            content: "line with \"quotes\" and more\n".repeat(200),
            truncated: false,
            related: Vec::new(),
            changes: Vec::new(),
            omitted: 0,
        };
        fit_content(&mut context, 1_000);
        assert!(context.truncated);
        assert!(json_len(&context) <= 1_000, "{}", json_len(&context));
        assert!(context.content.ends_with('\n'));
        assert!(context.content.len() > 700, "{}", context.content.len());
    }
}
