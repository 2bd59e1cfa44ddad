//! What the index stores for one page: its name, title and body text.

use robot_wiki::{Frontmatter, PagePath, display_title, first_heading};

/// Snippet highlight markers. Private-use characters, removed from indexed text so that a page
/// can never forge a highlight.
pub(crate) const MARK_OPEN: char = '\u{E000}';
pub(crate) const MARK_CLOSE: char = '\u{E001}';

/// One page as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The repository file (`Big_Plan.md`), the row's identity.
    pub file: String,
    /// The page path (`Big Plan`), what search hits name.
    pub path: String,
    /// Frontmatter `title`, else the first heading, else the page's display name.
    pub title: String,
    /// The markdown after the frontmatter.
    pub body: String,
}

impl Document {
    /// The document for repository file `file` holding `bytes`, or `None` when the file is not a
    /// page (not a `*.md` file with a canonical page name).
    pub fn from_file(file: &str, bytes: &[u8]) -> Option<Document> {
        let page = PagePath::from_file_path(file)?;
        let markdown = String::from_utf8_lossy(bytes);
        let (yaml, body) = split_frontmatter(&markdown);
        let title = yaml
            .and_then(|yaml| Frontmatter::parse(yaml).title)
            .filter(|t| !t.trim().is_empty())
            .or_else(|| first_heading(&markdown).filter(|h| !h.trim().is_empty()))
            .unwrap_or_else(|| display_title(&page, None));
        Some(Document {
            file: file.to_string(),
            path: page.to_string(),
            title: clean(title.trim()),
            body: clean(body),
        })
    }
}

impl Document {
    /// The text searched as the title: the title, plus the page's name when the title does not
    /// already contain it, so a page is found by its name even when a heading titles it.
    pub fn searchable_title(&self) -> String {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        if self.title.to_lowercase().contains(&name.to_lowercase()) {
            self.title.clone()
        } else {
            format!("{}\n{name}", self.title)
        }
    }
}

fn clean(text: &str) -> String {
    text.replace([MARK_OPEN, MARK_CLOSE], " ")
}

/// Splits a `---` frontmatter block off the top (closed by `---` or `...`), like the page view.
fn split_frontmatter(markdown: &str) -> (Option<&str>, &str) {
    let text = markdown.trim_start_matches('\u{feff}');
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return (None, markdown);
    };
    if first.trim_end() != "---" {
        return (None, markdown);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let end = offset + line.len();
        if matches!(line.trim_end(), "---" | "...") {
            return (Some(&text[yaml_start..offset]), &text[end..]);
        }
        offset = end;
    }
    (None, markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_frontmatter_then_heading_then_name() {
        let doc = Document::from_file("A/Big_Plan.md", b"---\ntitle: Grand\n---\n# Head\nbody")
            .expect("page");
        assert_eq!(doc.path, "A/Big Plan");
        assert_eq!(doc.title, "Grand");
        assert_eq!(doc.body, "# Head\nbody");
        let doc = Document::from_file("Plan.md", b"intro\n\n## Head\n").expect("page");
        assert_eq!(doc.title, "Head");
        let doc = Document::from_file("Plan.md", b"just text \xee\x80\x80").expect("page");
        assert_eq!(doc.title, "Plan");
        assert_eq!(doc.body, "just text  ");
        assert!(Document::from_file("image.png", b"x").is_none());
        let doc = Document::from_file("A/Big_Plan.md", b"# Head").expect("page");
        assert_eq!(doc.searchable_title(), "Head\nBig Plan");
        let doc = Document::from_file("Plan.md", b"# The plan").expect("page");
        assert_eq!(doc.searchable_title(), "The plan");
    }
}
