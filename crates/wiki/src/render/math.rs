//! LaTeX → MathML (via `latex2mathml`), rendered on the server so pages need no MathJax.
//!
//! `latex2mathml` recurses once per nesting level and needs tens of kilobytes of stack per level
//! in debug builds, so a hostile page could overflow a worker thread's stack and abort the whole
//! process. Conversions therefore run on one helper thread with a large stack, and expressions
//! longer than [`MAX_LATEX_BYTES`] are shown as errors instead of converted.

use std::panic::{AssertUnwindSafe, catch_unwind};

use latex2mathml::{DisplayStyle, latex_to_mathml};

/// Longest LaTeX expression we convert; bounds the nesting depth and so the stack needed.
const MAX_LATEX_BYTES: usize = 2000;
/// Stack for the conversion thread: enough for [`MAX_LATEX_BYTES`] levels of nesting in debug
/// builds (measured), reserved lazily by the OS.
const STACK_BYTES: usize = 128 * 1024 * 1024;

/// One expression to convert.
pub(crate) struct MathRequest {
    /// The LaTeX source.
    pub latex: String,
    /// Display (block) rather than inline style.
    pub display: bool,
}

/// Converts all expressions of one page, in order, to HTML: MathML on success, otherwise an
/// escaped `<code class="math-error">` with the source.
pub(crate) fn convert_all(requests: &[MathRequest]) -> Vec<String> {
    if requests.is_empty() {
        return Vec::new();
    }
    let converted = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("latex2mathml".to_owned())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || requests.iter().map(convert).collect::<Vec<_>>())
            .ok()
            .and_then(|handle| handle.join().ok())
    });
    converted.unwrap_or_else(|| requests.iter().map(|r| error_html(&r.latex)).collect())
}

fn convert(request: &MathRequest) -> String {
    let latex = request.latex.trim();
    if latex.is_empty() {
        return String::new();
    }
    if latex.len() > MAX_LATEX_BYTES {
        return error_html(latex);
    }
    let style = if request.display {
        DisplayStyle::Block
    } else {
        DisplayStyle::Inline
    };
    match catch_unwind(AssertUnwindSafe(|| latex_to_mathml(latex, style))) {
        Ok(Ok(mathml)) if !mathml.contains("[PARSE ERROR") => escape_text(&mathml),
        _ => error_html(latex),
    }
}

fn error_html(latex: &str) -> String {
    format!(
        "<code class=\"math-error\">{}</code>",
        html_escape::encode_text(latex)
    )
}

/// `latex2mathml` writes operator and text content without escaping (`<mo><</mo>`) and has a
/// typo in one closing tag. Re-emit its output with every `<` that does not start one of its own
/// tags, every stray `>` and every `&` that does not start a numeric reference escaped.
fn escape_text(mathml: &str) -> String {
    let fixed = mathml.replace("</mro>", "</mo>");
    let bytes = fixed.as_bytes();
    let mut out = String::with_capacity(fixed.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        let rest = &fixed[i..];
        match bytes[i] {
            b'<' => match tag_len(rest) {
                Some(len) => {
                    out.push_str(&rest[..len]);
                    i += len;
                    continue;
                }
                None => out.push_str("&lt;"),
            },
            b'>' => out.push_str("&gt;"),
            b'&' if numeric_reference(rest) => out.push('&'),
            b'&' => out.push_str("&amp;"),
            _ => {
                let next = rest.find(['<', '>', '&']).unwrap_or(rest.len());
                out.push_str(&rest[..next]);
                i += next;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Length of a `<tag attr="v">`, `</tag>` or `<tag/>` at the start of `s` whose name is a MathML
/// element and whose attribute values contain no quotes or angle brackets.
fn tag_len(s: &str) -> Option<usize> {
    let end = s.find('>')?;
    let inner = &s[1..end];
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let name_end = inner.find(' ').unwrap_or(inner.len());
    let name = &inner[..name_end];
    if !is_mathml_element(name) || inner.contains('<') {
        return None;
    }
    let mut attributes = inner[name_end..].trim();
    while !attributes.is_empty() {
        let (attr, value_and_rest) = attributes.split_once("=\"")?;
        let (_, rest) = value_and_rest.split_once('"')?;
        if !attr.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return None;
        }
        attributes = rest.trim_start();
    }
    Some(end + 1)
}

fn is_mathml_element(name: &str) -> bool {
    matches!(
        name,
        "math"
            | "mi"
            | "mo"
            | "mn"
            | "ms"
            | "mtext"
            | "mrow"
            | "mfrac"
            | "msqrt"
            | "mroot"
            | "msup"
            | "msub"
            | "msubsup"
            | "munder"
            | "mover"
            | "munderover"
            | "mtable"
            | "mtr"
            | "mtd"
            | "mspace"
            | "mstyle"
            | "mpadded"
            | "mphantom"
            | "menclose"
    )
}

fn numeric_reference(s: &str) -> bool {
    let body = s.strip_prefix("&#x").or_else(|| s.strip_prefix("&#"));
    body.and_then(|b| b.split_once(';'))
        .is_some_and(|(digits, _)| {
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(latex: &str, display: bool) -> String {
        convert_all(&[MathRequest {
            latex: latex.to_owned(),
            display,
        }])
        .remove(0)
    }

    #[test]
    fn converts_inline_and_display() {
        assert_eq!(
            one("x^2", false),
            "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\"><msup><mi>x</mi><mn>2</mn></msup></math>"
        );
        assert!(one("\\frac{a}{b}", true).contains("display=\"block\"><mfrac>"));
    }

    #[test]
    fn escapes_operators_and_text() {
        let html = one("a < b > c", false);
        assert!(html.contains("<mo>&lt;</mo>"), "{html}");
        assert!(html.contains("<mo>&gt;</mo>"), "{html}");
        let injected = one("\\text{</mtext><script>alert(1)</script>}", false);
        assert!(!injected.contains("<script"), "{injected}");
    }

    #[test]
    fn errors_fall_back_to_escaped_code() {
        assert_eq!(
            one("\\frac{", false),
            "<code class=\"math-error\">\\frac{</code>"
        );
        assert!(one("\\unknowncommand <b>", false).starts_with("<code class=\"math-error\">"));
        let deep = format!("{}x{}", "{".repeat(1500), "}".repeat(1500));
        assert!(one(&deep, false).starts_with("<code class=\"math-error\">"));
        let nested = "\\sqrt ".repeat(300) + "x";
        let out = one(&nested, false);
        assert!(out.starts_with("<math"), "{}", &out[..200.min(out.len())]);
    }
}
