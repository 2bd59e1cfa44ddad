//! The HTML formatter: comrak's default output, overridden for the nodes our dialect renders
//! differently. What to do with a particular node was decided beforehand (see `analyze`) and is
//! looked up by node address in [`State::marks`].

use std::collections::HashMap;
use std::fmt::{self, Write};

use comrak::html::{ChildRendering, Context, format_node_default};
use comrak::nodes::{AlertType, AstNode, NodeCodeBlock};
use comrak::{create_formatter, nodes::NodeValue};

/// How the formatter renders one node.
#[derive(Debug)]
pub(crate) enum Mark {
    /// The frontmatter box (and maybe a title `<h1>`): ready-made, escaped HTML.
    FrontMatter(String),
    /// A heading with this element id.
    Heading(String),
    /// The `# Header` line of a fancy block.
    FancyTitle,
    /// The `# Title` line of a fold: already used as the summary, so not rendered.
    FoldTitle,
    /// A `>!` block quote.
    Spoiler,
    /// A `>|` block quote with its summary text.
    Fold(String),
    /// A WikiLink: its href (none when the target is not a valid page name) and class.
    WikiLink {
        href: Option<String>,
        class: &'static str,
    },
    /// Math (inline, display or a ```` ```math ```` block) converted to HTML.
    Math(String),
}

/// Formatter state: the marks, keyed by node address.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) marks: HashMap<usize, Mark>,
}

/// The key of a node in [`State::marks`].
pub(crate) fn key<'a>(node: &'a AstNode<'a>) -> usize {
    std::ptr::from_ref(node) as usize
}

type Ctx<'o, 'c> = Context<'o, 'c, State>;
type Outcome = Result<ChildRendering, fmt::Error>;

create_formatter!(WikiFormatter<State>, {
    NodeValue::FrontMatter(_) => |context, node, entering| {
        return front_matter(context, node, entering);
    },
    NodeValue::Heading(ref heading) => |context, node, entering| {
        return heading_node(context, node, entering, heading.level);
    },
    NodeValue::BlockQuote => |context, node, entering| {
        return block_quote(context, node, entering);
    },
    NodeValue::BlockDirective(ref directive) => |context, entering| {
        return fancy(context, entering, &directive.info);
    },
    NodeValue::Alert(ref alert) => |context, entering| {
        return alert_node(context, entering, alert.alert_type, alert.title.as_deref());
    },
    NodeValue::WikiLink(_) => |context, node, entering| {
        return wikilink(context, node, entering);
    },
    NodeValue::Math(_) => |context, node, entering| {
        return math(context, node, entering);
    },
    NodeValue::CodeBlock(ref block) => |context, node, entering| {
        return code_block(context, node, entering, block);
    },
    NodeValue::HtmlBlock(ref block) => |context, node, entering| {
        return raw_html(context, node, entering, &block.literal);
    },
    NodeValue::HtmlInline(ref literal) => |context, node, entering| {
        return raw_html(context, node, entering, literal);
    },
    NodeValue::Text(ref literal) => |context, entering| {
        return text(context, entering, literal);
    },
});

/// Renders a parsed document with the wiki formatter.
pub(crate) fn format<'a>(root: &'a AstNode<'a>, options: &comrak::Options, state: State) -> String {
    let mut html = String::new();
    // Writing into a String cannot fail; an error here would only mean a formatter bug, and
    // whatever was written so far is still sanitised by the caller.
    let _ = WikiFormatter::format_document(root, options, &mut html, state);
    html
}

fn mark<'c, 'a>(context: &'c Ctx<'_, '_>, node: &'a AstNode<'a>) -> Option<&'c Mark> {
    context.user.marks.get(&key(node))
}

fn front_matter<'a>(context: &mut Ctx<'_, '_>, node: &'a AstNode<'a>, entering: bool) -> Outcome {
    if entering && let Some(Mark::FrontMatter(html)) = mark(context, node) {
        let html = html.clone();
        context.write_str(&html)?;
    }
    Ok(ChildRendering::Skip)
}

fn heading_node<'a>(
    context: &mut Ctx<'_, '_>,
    node: &'a AstNode<'a>,
    entering: bool,
    level: u8,
) -> Outcome {
    match mark(context, node) {
        Some(Mark::FoldTitle) => Ok(ChildRendering::Skip),
        Some(Mark::FancyTitle) => {
            context.write_str(if entering {
                "<h4 class=\"fancy-heading\">"
            } else {
                "</h4>\n"
            })?;
            Ok(ChildRendering::HTML)
        }
        Some(Mark::Heading(id)) => {
            let id = html_escape::encode_double_quoted_attribute(id).into_owned();
            if entering {
                context.cr()?;
                write!(context, "<h{level} id=\"{id}\">")?;
            } else {
                writeln!(
                    context,
                    "<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\"></a></h{level}>"
                )?;
            }
            Ok(ChildRendering::HTML)
        }
        _ => format_node_default(context, node, entering),
    }
}

fn block_quote<'a>(context: &mut Ctx<'_, '_>, node: &'a AstNode<'a>, entering: bool) -> Outcome {
    match (mark(context, node), entering) {
        (Some(Mark::Spoiler), true) => {
            context.cr()?;
            context.write_str("<details class=\"spoiler\"><summary>Spoiler</summary>\n")?;
        }
        (Some(Mark::Fold(title)), true) => {
            let title = html_escape::encode_text(title).into_owned();
            context.cr()?;
            writeln!(
                context,
                "<details class=\"fold\"><summary>{title}</summary>"
            )?;
        }
        (Some(Mark::Spoiler | Mark::Fold(_)), false) => {
            context.cr()?;
            context.write_str("</details>\n")?;
        }
        _ => return format_node_default(context, node, entering),
    }
    Ok(ChildRendering::HTML)
}

/// The CSS class of a fancy block: the Otterwiki families (and their colour aliases), or any
/// other word reduced to a safe class name.
pub(crate) fn fancy_class(info: &str) -> String {
    let word = info.split_whitespace().next().unwrap_or("").to_lowercase();
    let family = match word.as_str() {
        "" | "none" => "none",
        "info" | "blue" => "info",
        "warning" | "yellow" => "warning",
        "danger" | "red" => "danger",
        "success" | "green" => "success",
        other => {
            let safe: String = other
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .collect();
            return if safe.is_empty() {
                "none".to_owned()
            } else {
                safe
            };
        }
    };
    family.to_owned()
}

fn fancy(context: &mut Ctx<'_, '_>, entering: bool, info: &str) -> Outcome {
    if entering {
        context.cr()?;
        writeln!(context, "<div class=\"fancy fancy-{}\">", fancy_class(info))?;
    } else {
        context.cr()?;
        context.write_str("</div>\n")?;
    }
    Ok(ChildRendering::HTML)
}

fn alert_node(
    context: &mut Ctx<'_, '_>,
    entering: bool,
    kind: AlertType,
    title: Option<&str>,
) -> Outcome {
    if entering {
        let class = kind.default_title().to_lowercase();
        context.cr()?;
        write!(
            context,
            "<div class=\"alert alert-{class}\">\n<p class=\"alert-title\">"
        )?;
        context.escape(title.unwrap_or(kind.default_title()))?;
        context.write_str("</p>\n")?;
    } else {
        context.cr()?;
        context.write_str("</div>\n")?;
    }
    Ok(ChildRendering::HTML)
}

fn wikilink<'a>(context: &mut Ctx<'_, '_>, node: &'a AstNode<'a>, entering: bool) -> Outcome {
    let Some(Mark::WikiLink { href, class }) = mark(context, node) else {
        return format_node_default(context, node, entering);
    };
    let (href, class) = (href.clone(), *class);
    match (href, entering) {
        (Some(href), true) => {
            context.write_str("<a href=\"")?;
            context.escape_href(&href)?;
            write!(context, "\" class=\"{class}\">")?;
        }
        (Some(_), false) => context.write_str("</a>")?,
        (None, true) => write!(context, "<span class=\"{class}\">")?,
        (None, false) => context.write_str("</span>")?,
    }
    Ok(ChildRendering::HTML)
}

fn math<'a>(context: &mut Ctx<'_, '_>, node: &'a AstNode<'a>, entering: bool) -> Outcome {
    if entering && let Some(Mark::Math(html)) = mark(context, node) {
        let html = html.clone();
        context.write_str(&html)?;
    }
    Ok(ChildRendering::Skip)
}

/// The language of a fenced code block (first word of the info string), reduced to characters
/// that are safe in a class name.
pub(crate) fn code_language(info: &str) -> String {
    info.split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
        .collect()
}

fn code_block<'a>(
    context: &mut Ctx<'_, '_>,
    node: &'a AstNode<'a>,
    entering: bool,
    block: &NodeCodeBlock,
) -> Outcome {
    if !entering {
        return Ok(ChildRendering::Skip);
    }
    context.cr()?;
    if let Some(Mark::Math(html)) = mark(context, node) {
        let html = html.clone();
        writeln!(context, "<div class=\"math-block\">{html}</div>")?;
        return Ok(ChildRendering::Skip);
    }
    let language = if block.fenced {
        code_language(&block.info)
    } else {
        String::new()
    };
    if language.eq_ignore_ascii_case("mermaid") {
        context.write_str("<pre class=\"mermaid\">")?;
        if block.literal.starts_with('\n') {
            // The parser drops one newline right after `<pre>`; keep the source's.
            context.write_str("\n")?;
        }
        context.escape(&block.literal)?;
        context.write_str("</pre>\n")?;
    } else {
        if language.is_empty() {
            context.write_str("<pre><code>")?;
        } else {
            write!(context, "<pre><code class=\"language-{language}\">")?;
        }
        context.escape(&block.literal)?;
        context.write_str("</code></pre>\n")?;
    }
    Ok(ChildRendering::Skip)
}

/// Elements whose content the HTML parser reads as raw text until their end tag: an unclosed
/// one would swallow the rest of the page, and the sanitiser drops them with their content.
const RAW_TEXT_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "textarea",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
    "noscript",
    "template",
];

/// Whether raw HTML opens or closes one of [`RAW_TEXT_ELEMENTS`].
fn has_raw_text_element(literal: &str) -> bool {
    let lower = literal.to_ascii_lowercase();
    lower.match_indices('<').any(|(at, _)| {
        let tag = lower[at + 1..].trim_start_matches(|c: char| c == '/' || c.is_ascii_whitespace());
        RAW_TEXT_ELEMENTS.iter().any(|name| {
            tag.strip_prefix(name).is_some_and(|rest| {
                rest.chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-')
            })
        })
    })
}

/// Text, escaped like comrak does except that `>` is left alone: the sanitiser's parser reads a
/// plain `>` in a fast loop but decodes every `&gt;` one by one, which made a page of 4 MiB of
/// `>` take seconds. The sanitiser writes `>` back as `&gt;`, so the page is byte-identical.
fn text(context: &mut Ctx<'_, '_>, entering: bool, literal: &str) -> Outcome {
    if entering {
        let mut rest = literal;
        while let Some(at) = rest.find(['&', '<', '"']) {
            context.write_str(&rest[..at])?;
            context.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                _ => "&quot;",
            })?;
            rest = &rest[at + 1..];
        }
        context.write_str(rest)?;
    }
    Ok(ChildRendering::HTML)
}

/// Raw HTML is passed to the sanitiser, except chunks with raw-text elements (`<script>`,
/// `<style>`, …), which are shown as text, like Otterwiki's all-or-nothing escaping.
fn raw_html<'a>(
    context: &mut Ctx<'_, '_>,
    node: &'a AstNode<'a>,
    entering: bool,
    literal: &str,
) -> Outcome {
    if !has_raw_text_element(literal) {
        return format_node_default(context, node, entering);
    }
    if entering {
        let block = matches!(node.data().value, NodeValue::HtmlBlock(_));
        if block {
            context.cr()?;
            context.write_str("<p>")?;
        }
        context.escape(literal.trim_end_matches('\n'))?;
        if block {
            context.write_str("</p>\n")?;
        }
    }
    Ok(ChildRendering::Skip)
}
