//! One page of the catalog: what is read from its file (frontmatter, title, words, WikiLinks)
//! and from history (its last change).

use std::collections::BTreeMap;
use std::sync::Arc;

use robot_store::{CommitId, CommitInfo, FileEntry, RepoPath};
use robot_wiki::{Frontmatter, PagePath, display_title, first_heading, wikilinks};

/// One page as listed by the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEntry {
    /// The page, as named by its file (`Projects/Big Plan` for `Projects/Big_Plan.md`).
    pub path: PagePath,
    /// The file storing it.
    pub file: RepoPath,
    /// The frontmatter `title`, else the first heading, else the name (title-cased when it is
    /// all lowercase, see [`robot_wiki::display_title`]).
    pub title: String,
    /// The frontmatter `category`.
    pub category: Option<String>,
    /// The frontmatter `tags` (a YAML list or a comma-separated string), trimmed, empty ones
    /// dropped.
    pub tags: Vec<String>,
    /// Every top-level frontmatter field as display text, in document order.
    pub frontmatter: Vec<(String, String)>,
    /// The git blob id of the file (40 hex): a cache key for its content.
    pub blob_id: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// Words in the body (frontmatter excluded), split on whitespace.
    pub words: usize,
    /// The last commit that changed the file, as `git log -- file` finds it: a commit whose
    /// entry differs from its parent's (a rename counts as a change of the new file; a merge
    /// only when the file differs from every parent, otherwise the change is the branch's).
    pub last_commit: CommitId,
    /// Author time of `last_commit`, seconds since the Unix epoch.
    pub last_updated: i64,
    /// Author name of `last_commit`.
    pub last_author: String,
}

/// Outgoing WikiLinks of a page: target lookup key → the target as first spelled in the page.
pub(crate) type Links = BTreeMap<Key, PagePath>;

/// A page lookup key, shared between the maps of successive catalogs (cloning one is a
/// reference count, not an allocation).
pub(crate) type Key = Arc<str>;

/// What the catalog keeps per page file: the public entry plus what an update needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// `entry.path.lookup_key()`, computed once.
    pub(crate) key: Key,
    pub(crate) entry: PageEntry,
    /// The title found in the content; `None` when the title comes from the name.
    pub(crate) content_title: Option<String>,
    /// Links to other pages (and to itself), resolved case-insensitively by key.
    pub(crate) links: Arc<Links>,
}

/// The last change of a file, from history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastChange {
    pub(crate) commit: CommitId,
    pub(crate) time: i64,
    pub(crate) author: String,
}

impl LastChange {
    pub(crate) fn of(commit: &CommitInfo) -> LastChange {
        LastChange {
            commit: commit.id.clone(),
            time: commit.time,
            author: commit.author_name.clone(),
        }
    }
}

/// Everything that depends only on a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    content_title: Option<String>,
    category: Option<String>,
    tags: Vec<String>,
    frontmatter: Vec<(String, String)>,
    words: usize,
    links: Links,
}

/// The page a repository file stores, if it is a page: a `*.md` file whose name is a canonical
/// page name (the same rule the store and the web UI use).
pub(crate) fn page_of(file: &RepoPath) -> Option<PagePath> {
    PagePath::from_file_path(file.as_str())
}

/// Reads a page's markdown: frontmatter, title, word count and WikiLinks (code excluded).
pub(crate) fn parse(bytes: &[u8]) -> Parsed {
    let markdown = String::from_utf8_lossy(bytes);
    let (yaml, body) = split_frontmatter(&markdown);
    let frontmatter = yaml.map(Frontmatter::parse).unwrap_or_default();
    let content_title = frontmatter
        .title
        .clone()
        .or_else(|| first_heading(&markdown).filter(|h| !h.is_empty()));
    let mut links = Links::new();
    for link in wikilinks(&markdown) {
        if let Some(target) = link.page() {
            links
                .entry(Key::from(target.lookup_key()))
                .or_insert(target);
        }
    }
    Parsed {
        content_title,
        category: frontmatter.category,
        tags: frontmatter.tags,
        frontmatter: frontmatter.fields,
        words: body.split_whitespace().count(),
        links,
    }
}

impl Page {
    /// A page from a freshly parsed file.
    pub(crate) fn new(file: &FileEntry, path: PagePath, parsed: Parsed, last: &LastChange) -> Page {
        Page {
            key: Key::from(path.lookup_key()),
            entry: PageEntry {
                title: title(&path, parsed.content_title.as_deref()),
                path,
                file: file.path.clone(),
                category: parsed.category,
                tags: parsed.tags,
                frontmatter: parsed.frontmatter,
                blob_id: file.blob_id.clone(),
                size: file.size,
                words: parsed.words,
                last_commit: last.commit.clone(),
                last_updated: last.time,
                last_author: last.author.clone(),
            },
            content_title: parsed.content_title,
            links: Arc::new(parsed.links),
        }
    }

    /// This page's content stored at `file` (a rename or copy with the same blob), changed last
    /// by `last`: nothing is re-read.
    pub(crate) fn relocated(&self, file: &FileEntry, path: PagePath, last: &LastChange) -> Page {
        let mut entry = self.entry.clone();
        entry.title = title(&path, self.content_title.as_deref());
        entry.file = file.path.clone();
        entry.path = path;
        entry.last_commit = last.commit.clone();
        entry.last_updated = last.time;
        entry.last_author = last.author.clone();
        Page {
            key: Key::from(entry.path.lookup_key()),
            entry,
            content_title: self.content_title.clone(),
            links: self.links.clone(),
        }
    }

    /// Which of several files with the same lookup key is the page: the one spelled exactly like
    /// the page name (`Big Plan.md` over `Big_Plan.md`), then the first by path. Smaller wins.
    pub(crate) fn rank(&self) -> (bool, &str) {
        let canonical = self.entry.file.as_str().strip_suffix(".md")
            == Some(self.entry.path.to_string().as_str());
        (!canonical, self.entry.file.as_str())
    }
}

fn title(path: &PagePath, content_title: Option<&str>) -> String {
    match content_title {
        Some(t) => t.to_owned(),
        None => display_title(path, None),
    }
}

/// Splits `---` frontmatter off the top of a document, returning the YAML inside and the body.
/// Mirrors the renderer (comrak's front-matter rule plus `Frontmatter::from_block`), so the index
/// and the page view agree on what the frontmatter is.
pub(crate) fn split_frontmatter(markdown: &str) -> (Option<&str>, &str) {
    const DELIMITER: &str = "---";
    let s = markdown.trim_start_matches('\u{feff}');
    let Some(after) = s.strip_prefix(DELIMITER) else {
        return (None, markdown);
    };
    let Some(content_start) = newline_len(after).map(|n| DELIMITER.len() + n) else {
        return (None, markdown);
    };
    let rest = &s[content_start..];
    let close = rest
        .find("\n---\r\n")
        .or_else(|| rest.find("\n---\n"))
        .or_else(|| rest.find("\n---"));
    let Some(close) = close else {
        return (None, markdown);
    };
    let yaml_end = content_start + close + 1;
    let mut end = yaml_end + DELIMITER.len();
    if end < s.len() {
        let Some(n) = newline_len(&s[end..]) else {
            return (None, markdown);
        };
        end += n;
    }
    // The YAML is every line between the delimiters. One blank line after the block belongs to it.
    let yaml = &s[content_start..yaml_end];
    let body = &s[end..];
    let body = body
        .strip_prefix("\r\n")
        .or_else(|| body.strip_prefix('\n'))
        .unwrap_or(body);
    (Some(yaml), body)
}

fn newline_len(s: &str) -> Option<usize> {
    if s.starts_with('\n') {
        Some(1)
    } else if s.starts_with("\r\n") {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontmatter_is_split_like_the_renderer() {
        assert_eq!(
            split_frontmatter("---\ntitle: T\n---\n\nbody"),
            (Some("title: T\n"), "body")
        );
        assert_eq!(
            split_frontmatter("---\r\na: 1\r\n---\r\nbody"),
            (Some("a: 1\r\n"), "body")
        );
        assert_eq!(split_frontmatter("---\na: 1\n---"), (Some("a: 1\n"), ""));
        assert_eq!(
            split_frontmatter("--- \na: 1\n---\n"),
            (None, "--- \na: 1\n---\n")
        );
        assert_eq!(split_frontmatter("---\nno end"), (None, "---\nno end"));
        assert_eq!(split_frontmatter("# x\n---\n"), (None, "# x\n---\n"));
        assert_eq!(split_frontmatter("---\na\n---x"), (None, "---\na\n---x"));
    }

    #[test]
    fn parse_reads_title_tags_words_and_links() {
        let p = parse(
            b"---\ntitle: Hi\ntags: a, b\ncategory: Notes\n---\none two [[Foo]] `[[Code]]`\n",
        );
        assert_eq!(p.content_title.as_deref(), Some("Hi"));
        assert_eq!(p.tags, ["a", "b"]);
        assert_eq!(p.category.as_deref(), Some("Notes"));
        assert_eq!(p.words, 4);
        assert_eq!(
            p.links.keys().map(AsRef::as_ref).collect::<Vec<&str>>(),
            ["foo"]
        );
        let h = parse(b"Intro\n\n## Second\n\n# First\n");
        assert_eq!(h.content_title.as_deref(), Some("Second"));
        assert_eq!(parse(b"no heading").content_title, None);
    }
}
