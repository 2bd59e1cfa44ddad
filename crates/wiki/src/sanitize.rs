//! The final HTML allow-list (modelled on Otterwiki's `clean_html`, §2.4) that every rendered
//! page goes through. Anything not listed is dropped; URL attributes are checked after the
//! browser-equivalent decoding (html5ever decodes entities; the `url` crate and our own
//! normalisation strip whitespace and control characters).
//!
//! **Ids.** User content must not be able to create elements whose `id` or `name` clobbers ids
//! the page's own scripts use (`csrf_token`, `editor`, …). Every `id` and `<a name>` is therefore
//! prefixed with [`ID_PREFIX`] (unless it already has it), and every same-page link `href="#x"`
//! gets the same prefix, so `[see](#install)`, raw `<a href="#x">`/`<span id="x">` pairs and
//! footnotes keep working. The renderer emits heading ids and TOC anchors already prefixed, which
//! keeps the whole transformation idempotent.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use crate::html_nesting::cap_html_nesting;

/// Prefix of every `id` in rendered content (and of the matching `#fragment` links). Page
/// templates and scripts must never use ids that start with it.
pub const ID_PREFIX: &str = "user-content-";

/// Fragment-link form of [`ID_PREFIX`].
const HREF_PREFIX: &str = "#user-content-";

const TAGS: &[&str] = &[
    // text
    "p",
    "br",
    "hr",
    "span",
    "div",
    "i",
    "strong",
    "em",
    "b",
    "u",
    "s",
    "strike",
    "del",
    "ins",
    "sub",
    "sup",
    "mark",
    "small", // lists
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd", // headings
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6", // code
    "code",
    "pre",
    "kbd",
    "samp",
    "var", // quotes
    "blockquote",
    "q",
    "cite", // tables
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "col",
    "colgroup",
    // misc
    "a",
    "img",
    "abbr",
    "address",
    "time",
    "details",
    "summary",
    "section",
    "figure",
    "figcaption",
    "video",
    "audio",
    "source",
    "input",
    "label", // MathML (latex2mathml output)
    "math",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "mrow",
    "mfrac",
    "msqrt",
    "mroot",
    "msup",
    "msub",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mspace",
    "mstyle",
    "semantics",
    "annotation",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
];

const GENERIC_ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "title",
    "aria-label",
    "aria-hidden",
    "lang",
    "dir",
];

const MATHML_ATTRIBUTES: &[&str] = &[
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "accent",
    "accentunder",
    "xmlns",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "width",
    "height",
    "depth",
    "form",
    "largeop",
    "movablelimits",
    "symmetric",
    "maxsize",
    "minsize",
    "linethickness",
    "displaystyle",
    "scriptlevel",
    "notation",
    "encoding",
    "columnspan",
    "rowspan",
    "voffset",
];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(builder);

fn builder() -> Builder<'static> {
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut allow = |tag: &'static str, attributes: &[&'static str]| {
        tag_attributes
            .entry(tag)
            .or_default()
            .extend(attributes.iter().copied());
    };
    allow("a", &["href", "name"]);
    allow("img", &["src", "alt", "width", "height", "loading"]);
    allow("input", &["checked", "disabled"]);
    allow("td", &["colspan", "rowspan", "align"]);
    allow("th", &["colspan", "rowspan", "align", "scope"]);
    allow("col", &["span"]);
    allow("colgroup", &["span"]);
    allow("details", &["open"]);
    allow("abbr", &["title"]);
    allow("time", &["datetime"]);
    allow(
        "video",
        &[
            "controls", "width", "height", "poster", "src", "loop", "muted",
        ],
    );
    allow("audio", &["controls", "src", "loop", "muted"]);
    allow("source", &["src", "type"]);
    for tag in TAGS.iter().filter(|t| t.starts_with('m') && **t != "mark") {
        allow(tag, MATHML_ATTRIBUTES);
    }
    allow("semantics", MATHML_ATTRIBUTES);
    allow("annotation", MATHML_ATTRIBUTES);

    let mut input_values: HashMap<&str, HashMap<&str, HashSet<&str>>> = HashMap::new();
    input_values
        .entry("input")
        .or_default()
        .insert("type", HashSet::from(["checkbox"]));

    let mut builder = Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(HashSet::from([
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "template",
            "noscript",
            "textarea",
            "title",
            "xmp",
            "noembed",
            "noframes",
            "plaintext",
        ]))
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .tag_attribute_values(input_values)
        // Checkboxes are display-only (task lists); a form control that does nothing confuses.
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .set_tag_attribute_value("img", "class", "img-fluid")
        .url_schemes(HashSet::from(["http", "https", "mailto", "data"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .id_prefix(Some(ID_PREFIX))
        .attribute_filter(filter_attribute);
    builder
}

/// Per-attribute rules ammonia's tables cannot express: `data:` only for images, a second
/// scheme check on the browser-normalised value, and the id/name/fragment prefixing.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "href" | "src" | "poster" => {
            let normalised: String = value
                .chars()
                .filter(|c| !(c.is_control() || c.is_whitespace()))
                .flat_map(char::to_lowercase)
                .collect();
            let scheme_ok = if normalised.starts_with("data:") {
                element == "img" && attribute == "src" && normalised.starts_with("data:image/")
            } else {
                !["javascript:", "vbscript:", "file:", "about:", "blob:"]
                    .iter()
                    .any(|bad| normalised.starts_with(bad))
            };
            if !scheme_ok {
                return None;
            }
            if attribute == "href" && value.starts_with('#') && !value.starts_with(HREF_PREFIX) {
                return Some(Cow::Owned(format!("{HREF_PREFIX}{}", &value[1..])));
            }
            Some(Cow::Borrowed(value))
        }
        "name" if element == "a" && !value.starts_with(ID_PREFIX) => {
            Some(Cow::Owned(format!("{ID_PREFIX}{value}")))
        }
        "class" => Some(clean_class(value))
            .filter(|c| !c.is_empty())
            .map(Cow::Owned),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Keeps class names to a harmless alphabet so user classes cannot smuggle odd selectors.
fn clean_class(value: &str) -> String {
    value
        .split_ascii_whitespace()
        .map(|class| {
            class
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
                .collect::<String>()
        })
        .filter(|class| !class.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cleans HTML with the wiki's allow-list: the last step of rendering, and usable on its own for
/// any other user-supplied HTML. Idempotent: cleaning clean output changes nothing (for HTML
/// nested within the cap; at the cap a second pass may show one more tag as text).
///
/// Elements nested deeper than the parser can handle in linear time are shown as text (see
/// `html_nesting`), so the cost is linear in the size of `html`.
pub fn sanitize_html(html: &str) -> String {
    let clean = keep_pre_newlines(CLEANER.clean(&cap_html_nesting(html)).to_string());
    // A byte-order mark at the very start is dropped by HTML parsers, so keeping it would make
    // a second pass differ from the first.
    match clean.strip_prefix('\u{feff}') {
        Some(rest) => rest.trim_start_matches('\u{feff}').to_owned(),
        None => clean,
    }
}

/// HTML parsers drop one newline directly after `<pre>`, but the serialiser does not add one
/// back, so `<pre>` content starting with a newline would lose a line on every pass. Doubling
/// that newline keeps the document (and a second sanitising pass) unchanged.
fn keep_pre_newlines(html: String) -> String {
    if !html.contains("<pre") {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 8);
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<pre") {
        let after_name = &rest[at + 4..];
        if !after_name.starts_with([' ', '>']) {
            out.push_str(&rest[..at + 4]);
            rest = after_name;
            continue;
        }
        // The serialiser always double-quotes attribute values, which may contain `>`.
        let mut quoted = false;
        let end = after_name.char_indices().find_map(|(i, c)| match c {
            '"' => {
                quoted = !quoted;
                None
            }
            '>' if !quoted => Some(i),
            _ => None,
        });
        let Some(end) = end else { break };
        let tag_end = at + 4 + end + 1;
        out.push_str(&rest[..tag_end]);
        if rest[tag_end..].starts_with('\n') {
            out.push('\n');
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "sanitize_tests.rs"]
mod tests;
