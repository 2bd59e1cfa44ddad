//! The HTML parser's element categories (WHATWG §13.2.4.2, §13.2.6), by lowercase tag name, as
//! the nesting model needs them.

pub(super) fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "image"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements whose content the tokenizer reads as text up to their end tag.
pub(super) fn is_raw_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
            | "textarea"
            | "title"
            | "plaintext"
    )
}

pub(super) fn is_formatting(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "big"
            | "code"
            | "em"
            | "font"
            | "i"
            | "nobr"
            | "s"
            | "small"
            | "strike"
            | "strong"
            | "tt"
            | "u"
    )
}

pub(super) fn is_table_part(name: &str) -> bool {
    matches!(
        name,
        "caption" | "colgroup" | "tbody" | "thead" | "tfoot" | "tr" | "td" | "th"
    )
}

/// Start tags that close an open `<p>` (WHATWG "in body").
pub(super) fn closes_p(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "hgroup"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "search"
            | "section"
            | "summary"
            | "ul"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "listing"
            | "form"
            | "li"
            | "dd"
            | "dt"
            | "xmp"
            | "plaintext"
    )
}

/// End tags the parser matches through any element short of a scope boundary.
pub(super) fn is_scoped_block(name: &str) -> bool {
    (closes_p(name) && !matches!(name, "xmp" | "plaintext"))
        || matches!(name, "button" | "applet" | "marquee" | "object")
}

/// The union of the parser's scope boundaries (default, list-item and button scope), plus
/// `select`, whose content the parser treats specially.
pub(super) fn is_scope_boundary(name: &str) -> bool {
    matches!(
        name,
        "applet"
            | "caption"
            | "html"
            | "table"
            | "td"
            | "th"
            | "marquee"
            | "object"
            | "template"
            | "ol"
            | "ul"
            | "button"
            | "select"
    ) || is_integration_point(name)
}

/// MathML text and SVG HTML integration points (matched by name, whatever the namespace).
pub(super) fn is_integration_point(name: &str) -> bool {
    matches!(
        name,
        "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml" | "foreignobject" | "desc" | "title"
    )
}

/// Start tags that leave SVG/MathML content for HTML (`font` only with some attributes, but
/// treating it as HTML only makes the model deeper).
pub(super) fn is_breakout(name: &str) -> bool {
    matches!(
        name,
        "b" | "big"
            | "blockquote"
            | "body"
            | "br"
            | "center"
            | "code"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "em"
            | "embed"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "hr"
            | "i"
            | "img"
            | "li"
            | "listing"
            | "menu"
            | "meta"
            | "nobr"
            | "ol"
            | "p"
            | "pre"
            | "ruby"
            | "s"
            | "small"
            | "span"
            | "strong"
            | "strike"
            | "sub"
            | "sup"
            | "table"
            | "tt"
            | "u"
            | "ul"
            | "var"
            | "font"
    )
}

/// The parser's "special" elements, which stop the search for a generic end tag's match.
pub(super) fn is_special(name: &str) -> bool {
    is_void(name)
        || is_scope_boundary(name)
        || closes_p(name)
        || matches!(
            name,
            "body"
                | "colgroup"
                | "frame"
                | "frameset"
                | "head"
                | "iframe"
                | "noembed"
                | "noframes"
                | "noscript"
                | "script"
                | "style"
                | "tbody"
                | "textarea"
                | "tfoot"
                | "thead"
                | "tr"
        )
}
