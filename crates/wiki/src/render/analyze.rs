//! One pass over the parsed document that decides everything the formatter needs: heading ids
//! and the TOC, spoiler/fold/fancy roles, WikiLink targets, relative URLs, math and the
//! libraries the page requires.

use comrak::nodes::{AstNode, NodeValue};

use super::html::{Mark, State, code_language, key};
use super::math::{self, MathRequest};
use super::quotes::{QuoteKind, QuoteMarks};
use super::toc::{Anchors, TocEntry, heading_anchor};
use super::{Frontmatter, RenderOptions};
use crate::PagePath;
use crate::links::is_external;

/// Everything decided about a document before formatting it.
pub(super) struct Analysis {
    pub(super) state: State,
    pub(super) toc: Vec<TocEntry>,
    pub(super) frontmatter: Option<Frontmatter>,
    pub(super) requires_mermaid: bool,
    pub(super) requires_math: bool,
}

/// What a heading is, given where it sits.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeadingRole {
    /// A normal heading: gets an id and a TOC entry.
    Content,
    /// Inside a fancy block, fold or spoiler: gets an id, but no TOC entry.
    Hidden,
    /// The first line of a fancy block.
    FancyTitle,
    /// The first line of a fold (its summary).
    FoldTitle,
}

/// Whether `node` is a spoiler or fold block quote.
fn quote_kind<'a>(node: &'a AstNode<'a>, marks: &QuoteMarks) -> Option<QuoteKind> {
    let data = node.data();
    if !matches!(data.value, NodeValue::BlockQuote) {
        return None;
    }
    let line = data.sourcepos.start.line;
    // Only the outermost quote starting on a marked line is the spoiler/fold (`>! > x`).
    let parent_same_line = node.parent().is_some_and(|p| {
        let parent = p.data();
        matches!(parent.value, NodeValue::BlockQuote) && parent.sourcepos.start.line == line
    });
    if parent_same_line {
        None
    } else {
        marks.kind(line)
    }
}

/// The role of a heading node.
pub(super) fn heading_role<'a>(node: &'a AstNode<'a>, marks: &QuoteMarks) -> HeadingRole {
    if let Some(parent) = node.parent()
        && parent
            .first_child()
            .is_some_and(|first| first.same_node(node))
    {
        if matches!(parent.data().value, NodeValue::BlockDirective(_)) {
            return HeadingRole::FancyTitle;
        }
        if quote_kind(parent, marks) == Some(QuoteKind::Fold) {
            return HeadingRole::FoldTitle;
        }
    }
    let hidden = node.ancestors().skip(1).any(|a| {
        matches!(a.data().value, NodeValue::BlockDirective(_)) || quote_kind(a, marks).is_some()
    });
    if hidden {
        HeadingRole::Hidden
    } else {
        HeadingRole::Content
    }
}

/// The parts of a node the analysis needs, copied so the node's data is not borrowed while the
/// analysis mutates it.
enum Seen {
    FrontMatter(String),
    Heading(u8),
    BlockQuote,
    WikiLink(String),
    Link(String),
    Math { latex: String, display: bool },
    Code { info: String, literal: String },
    Other,
}

fn seen(value: &NodeValue) -> Seen {
    match value {
        NodeValue::FrontMatter(block) => Seen::FrontMatter(block.clone()),
        NodeValue::Heading(heading) => Seen::Heading(heading.level),
        NodeValue::BlockQuote => Seen::BlockQuote,
        NodeValue::WikiLink(link) => Seen::WikiLink(link.url.clone()),
        NodeValue::Link(link) | NodeValue::Image(link) => Seen::Link(link.url.clone()),
        NodeValue::Math(m) => Seen::Math {
            latex: m.literal.clone(),
            display: m.display_math,
        },
        NodeValue::CodeBlock(block) if block.fenced => Seen::Code {
            info: block.info.clone(),
            literal: block.literal.clone(),
        },
        _ => Seen::Other,
    }
}

/// Walks the document once, in order.
pub(super) fn analyze<'a>(
    root: &'a AstNode<'a>,
    quote_marks: &QuoteMarks,
    opts: &RenderOptions,
) -> Analysis {
    let mut state = State::default();
    let mut toc = Vec::new();
    let mut anchors = Anchors::default();
    let mut frontmatter = None;
    let mut requires_mermaid = false;
    // (node, number of expressions) in document order, and all expressions flattened.
    let mut math_nodes: Vec<(usize, usize)> = Vec::new();
    let mut math_requests: Vec<MathRequest> = Vec::new();
    let has_h1 = root.descendants().any(|n| {
        matches!(n.data().value, NodeValue::Heading(h) if h.level == 1)
            && heading_role(n, quote_marks) == HeadingRole::Content
    });

    for node in root.descendants() {
        let seen = seen(&node.data().value);
        match seen {
            Seen::FrontMatter(block) => {
                let fm = Frontmatter::from_block(&block);
                let mut html = fm.to_html();
                if let (Some(title), false) = (&fm.title, has_h1) {
                    let anchor = anchors.next(title);
                    html.push_str(&title_heading(&anchor, title));
                    toc.push(TocEntry {
                        level: 1,
                        text: title.clone(),
                        anchor,
                    });
                }
                state.marks.insert(key(node), Mark::FrontMatter(html));
                frontmatter = Some(fm);
            }
            Seen::Heading(level) => {
                let text = node.collect_text().trim().to_owned();
                let mark = match heading_role(node, quote_marks) {
                    HeadingRole::FancyTitle => Mark::FancyTitle,
                    HeadingRole::FoldTitle => Mark::FoldTitle,
                    HeadingRole::Hidden => Mark::Heading(anchors.next(&text)),
                    HeadingRole::Content => {
                        let anchor = anchors.next(&text);
                        toc.push(TocEntry {
                            level,
                            text,
                            anchor: anchor.clone(),
                        });
                        Mark::Heading(anchor)
                    }
                };
                state.marks.insert(key(node), mark);
            }
            Seen::BlockQuote => match quote_kind(node, quote_marks) {
                Some(QuoteKind::Spoiler) => {
                    state.marks.insert(key(node), Mark::Spoiler);
                }
                Some(QuoteKind::Fold) => {
                    let title = node
                        .first_child()
                        .filter(|c| matches!(c.data().value, NodeValue::Heading(_)))
                        .map(|c| c.collect_text().trim().to_owned())
                        .unwrap_or_else(|| "...".to_owned());
                    state.marks.insert(key(node), Mark::Fold(title));
                }
                None => {}
            },
            Seen::WikiLink(url) => {
                state.marks.insert(key(node), wikilink_mark(&url, opts));
            }
            Seen::Link(url) => {
                if let Some(resolved) = resolve_relative(&url, opts.page) {
                    match &mut node.data_mut().value {
                        NodeValue::Link(link) | NodeValue::Image(link) => link.url = resolved,
                        _ => {}
                    }
                }
            }
            Seen::Math { latex, display } => {
                math_nodes.push((key(node), 1));
                math_requests.push(MathRequest { latex, display });
            }
            Seen::Code { info, literal } => match code_language(&info).to_lowercase().as_str() {
                "math" => {
                    let before = math_requests.len();
                    math_requests.extend(
                        literal
                            .lines()
                            .filter(|line| !line.trim().is_empty())
                            .map(|line| MathRequest {
                                latex: line.to_owned(),
                                display: true,
                            }),
                    );
                    math_nodes.push((key(node), math_requests.len() - before));
                }
                "mermaid" => requires_mermaid = true,
                _ => {}
            },
            Seen::Other => {}
        }
    }

    let mut converted = math::convert_all(&math_requests).into_iter();
    for &(node_key, count) in &math_nodes {
        let html: String = converted.by_ref().take(count).collect();
        state.marks.insert(node_key, Mark::Math(html));
    }
    Analysis {
        state,
        toc,
        frontmatter,
        requires_mermaid,
        requires_math: !math_nodes.is_empty(),
    }
}

/// The `<h1>` inserted for a frontmatter `title:` when the page has no level-1 heading.
fn title_heading(anchor: &str, title: &str) -> String {
    let anchor = html_escape::encode_double_quoted_attribute(anchor);
    let title = html_escape::encode_text(title);
    format!(
        "<h1 id=\"{anchor}\">{title}<a class=\"anchor\" href=\"#{anchor}\" \
         aria-label=\"Link to this section\"></a></h1>\n"
    )
}

/// Where a WikiLink goes and how it looks: pages become absolute page URLs (with the heading
/// anchor slugified like heading ids), missing pages get `wikilink missing`, external URLs are
/// kept, and names that cannot be pages render as plain text (`wikilink invalid`).
fn wikilink_mark(url: &str, opts: &RenderOptions) -> Mark {
    if is_external(url) {
        return Mark::WikiLink {
            href: Some(url.trim().to_owned()),
            class: "wikilink external",
        };
    }
    let (path, anchor) = match url.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor.trim())),
        None => (url, None),
    };
    let fragment = anchor
        .filter(|a| !a.is_empty())
        .map(|a| format!("#{}", heading_anchor(a)))
        .unwrap_or_default();
    if path.trim().is_empty() {
        let href = if fragment.is_empty() {
            "#".to_owned()
        } else {
            fragment
        };
        return Mark::WikiLink {
            href: Some(href),
            class: "wikilink",
        };
    }
    match PagePath::parse(path) {
        Ok(page) => {
            let class = if (opts.page_exists)(&page) {
                "wikilink"
            } else {
                "wikilink missing"
            };
            Mark::WikiLink {
                href: Some(format!("{}{fragment}", page.url())),
                class,
            }
        }
        Err(_) => Mark::WikiLink {
            href: None,
            class: "wikilink invalid",
        },
    }
}

/// `./img.png` on page `Foo/Bar` → `/Foo/Bar/img.png`; other URLs are left alone.
fn resolve_relative(url: &str, page: Option<&PagePath>) -> Option<String> {
    let rest = url.strip_prefix("./")?;
    Some(format!("{}/{rest}", page?.url()))
}
