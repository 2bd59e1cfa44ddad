//! Markdown (the wiki dialect, Otterwiki §2) → sanitised HTML, with the page's table of
//! contents, title, frontmatter and the client-side libraries it needs.
//!
//! Pipeline: mark spoiler/fold quotes (same-length rewrite) → cap container nesting (`nesting`)
//! → comrak parse with our options → one analysis pass over the AST deciding ids, TOC, link
//! targets and math → the wiki formatter → [`sanitize_html`] (which caps HTML nesting). Every
//! step is linear in the input, hostile input included: nesting beyond the caps is shown as text
//! and oversized or deeply nested frontmatter is shown unparsed.

mod analyze;
mod frontmatter;
mod html;
mod math;
pub(crate) mod nesting;
mod quotes;
mod toc;

use comrak::nodes::NodeValue;
use comrak::{Arena, parse_document};

pub use frontmatter::Frontmatter;
pub use toc::{TocEntry, heading_anchor, slug};

use crate::PagePath;
use crate::sanitize::sanitize_html;
use crate::syntax;
use analyze::{HeadingRole, analyze, heading_role};
use nesting::cap_nesting;
use quotes::mark_quotes;

/// What the renderer needs to know about the page being rendered.
pub struct RenderOptions<'a> {
    /// The page itself, used to resolve `./relative` link and image URLs; `None` for previews of
    /// pages without a name yet (relative URLs are then left alone).
    pub page: Option<&'a PagePath>,
    /// Whether a page exists, so WikiLinks to missing pages can be styled (`wikilink missing`).
    pub page_exists: &'a dyn Fn(&PagePath) -> bool,
}

/// A rendered page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rendered {
    /// Sanitised HTML of the page body.
    pub html: String,
    /// The headings, in order, for the table of contents (headings inside fancy blocks, folds
    /// and spoilers are left out).
    pub toc: Vec<TocEntry>,
    /// The page title: the frontmatter `title`, else the text of the first level-1 heading.
    pub title: Option<String>,
    /// The parsed frontmatter, if the page starts with one.
    pub frontmatter: Option<Frontmatter>,
    /// The page contains ```` ```mermaid ```` diagrams: load mermaid.js.
    pub requires_mermaid: bool,
    /// The page contains math (rendered as MathML server-side; load math fonts/CSS if wanted).
    pub requires_math: bool,
}

/// Renders a page's markdown to sanitised HTML.
pub fn render(markdown: &str, opts: &RenderOptions) -> Rendered {
    let (source, quote_marks) = mark_quotes(markdown);
    let source = cap_nesting(&source);
    let options = syntax::options();
    let arena = Arena::new();
    let root = parse_document(&arena, &source, &options);
    let analysis = analyze(root, &quote_marks, opts);
    let html = html::format(root, &options, analysis.state);
    Rendered {
        html: sanitize_html(&html),
        title: analysis
            .frontmatter
            .as_ref()
            .and_then(|fm| fm.title.clone())
            .or_else(|| {
                analysis
                    .toc
                    .iter()
                    .find(|e| e.level == 1)
                    .map(|e| e.text.clone())
            }),
        toc: analysis.toc,
        frontmatter: analysis.frontmatter,
        requires_mermaid: analysis.requires_mermaid,
        requires_math: analysis.requires_math,
    }
}

/// The plain text of the first heading that would appear in the table of contents (frontmatter
/// skipped), for titles and breadcrumbs without rendering the whole page.
pub fn first_heading(markdown: &str) -> Option<String> {
    let (source, quote_marks) = mark_quotes(markdown);
    let source = cap_nesting(&source);
    let arena = Arena::new();
    let root = parse_document(&arena, &source, &syntax::options());
    root.descendants()
        .find(|node| {
            matches!(node.data().value, NodeValue::Heading(_))
                && heading_role(node, &quote_marks) == HeadingRole::Content
        })
        .map(|node| node.collect_text().trim().to_owned())
}

#[cfg(test)]
mod tests;
