//! Recognises the markup at a `<` the way the HTML tokenizer (html5ever, WHATWG §13.2.5) does
//! in its data state: start and end tags with their attributes (quoted values may hold `<` and
//! `>`), comments with every way they can end, and the declarations and bogus comments that end
//! at the next `>`. Only what matters for nesting is reported: tag names and where markup ends.

/// What a `<` starts.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Markup<'a> {
    /// `<name …>`, ending before byte `end`.
    Start {
        name: &'a str,
        self_closing: bool,
        end: usize,
    },
    /// `</name …>`, ending before byte `end`.
    End { name: &'a str, end: usize },
    /// A comment, doctype, processing instruction or bogus comment, or a tag cut off by the end
    /// of the input (which the tokenizer drops): nothing for the tree, ends before `end`.
    Inert { end: usize },
    /// `<![CDATA[`: a CDATA section in SVG/MathML but a bogus comment in HTML.
    Cdata,
    /// A `<` that is just text.
    Text,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The markup starting at `html[at]`, which must be `<`.
pub(super) fn markup_at(html: &str, at: usize) -> Markup<'_> {
    let bytes = html.as_bytes();
    match bytes.get(at + 1) {
        Some(b) if b.is_ascii_alphabetic() => tag(html, at + 1, false),
        Some(b'/') => match bytes.get(at + 2) {
            Some(b) if b.is_ascii_alphabetic() => tag(html, at + 2, true),
            Some(b'>') => Markup::Inert { end: at + 3 },
            Some(_) => up_to_gt(html, at + 2),
            None => Markup::Text,
        },
        Some(b'!') => declaration(html, at + 2),
        Some(b'?') => up_to_gt(html, at + 1),
        _ => Markup::Text,
    }
}

/// A bogus comment (or doctype): everything up to and including the next `>`.
fn up_to_gt(html: &str, from: usize) -> Markup<'_> {
    let end = html[from..].find('>').map_or(html.len(), |i| from + i + 1);
    Markup::Inert { end }
}

/// After `<!`: a comment, CDATA, or a doctype/bogus comment.
fn declaration(html: &str, from: usize) -> Markup<'_> {
    let rest = &html[from..];
    if let Some(body) = rest.strip_prefix("--") {
        let body_start = from + 2;
        // `<!-->` and `<!--->` are complete (empty) comments.
        if body.starts_with('>') {
            return Markup::Inert {
                end: body_start + 1,
            };
        }
        if body.starts_with("->") {
            return Markup::Inert {
                end: body_start + 2,
            };
        }
        // The first `--` followed by `>` or `!>` ends it; scanning `--` by `--` keeps this
        // linear in the comment's length, never the document's.
        let mut from = 0;
        while let Some(i) = body[from..].find("--") {
            let after = &body[from + i + 2..];
            if after.starts_with('>') {
                return Markup::Inert {
                    end: body_start + from + i + 3,
                };
            }
            if after.starts_with("!>") {
                return Markup::Inert {
                    end: body_start + from + i + 4,
                };
            }
            from += i + 1;
        }
        return Markup::Inert { end: html.len() };
    }
    if rest.starts_with("[CDATA[") {
        return Markup::Cdata;
    }
    up_to_gt(html, from)
}

/// A tag whose name starts at `name_start`: its name, attributes and end, following the
/// tokenizer's tag-name, attribute-name and attribute-value states.
fn tag(html: &str, name_start: usize, closing: bool) -> Markup<'_> {
    let bytes = html.as_bytes();
    let mut i = name_start;
    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
        i += 1;
    }
    let name = &html[name_start..i];
    let mut self_closing = false;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let Some(&byte) = bytes.get(i) else {
            return Markup::Inert { end: html.len() };
        };
        match byte {
            b'>' => break,
            b'/' => {
                i += 1;
                self_closing = bytes.get(i) == Some(&b'>');
                continue;
            }
            _ => {}
        }
        // Attribute name (a leading `=` belongs to the name).
        i += 1;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                match bytes[i + 1..].iter().position(|&b| b == quote) {
                    Some(len) => i += len + 2,
                    None => return Markup::Inert { end: html.len() },
                }
            }
            Some(b'>') => break,
            _ => {
                while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
    let end = i + 1;
    if closing {
        Markup::End { name, end }
    } else {
        Markup::Start {
            name,
            self_closing,
            end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at0(html: &str) -> Markup<'_> {
        markup_at(html, 0)
    }

    #[test]
    fn tags_with_tricky_attributes() {
        let html = "<div title=\"</div>\" a='>' b=c>x";
        assert_eq!(
            at0(html),
            Markup::Start {
                name: "div",
                self_closing: false,
                end: html.len() - 1
            }
        );
        assert_eq!(
            at0("<br/>"),
            Markup::Start {
                name: "br",
                self_closing: true,
                end: 5
            }
        );
        assert_eq!(
            at0("</DIV >"),
            Markup::End {
                name: "DIV",
                end: 7
            }
        );
        assert_eq!(at0("<div title=\"x"), Markup::Inert { end: 13 });
        assert_eq!(at0("< div>"), Markup::Text);
        assert_eq!(at0("<1>"), Markup::Text);
    }

    #[test]
    fn comments_end_where_the_tokenizer_ends_them() {
        assert_eq!(at0("<!-->x"), Markup::Inert { end: 5 });
        assert_eq!(at0("<!--->x"), Markup::Inert { end: 6 });
        assert_eq!(at0("<!---->x"), Markup::Inert { end: 7 });
        assert_eq!(at0("<!-- </div> --!>x"), Markup::Inert { end: 16 });
        assert_eq!(at0("<!-- a -- b -->x"), Markup::Inert { end: 15 });
        assert_eq!(at0("<!-- open"), Markup::Inert { end: 9 });
        assert_eq!(at0("<!-- a --->x"), Markup::Inert { end: 11 });
        assert_eq!(at0("<!-- a --!->x-->"), Markup::Inert { end: 16 });
        assert_eq!(at0("<!doctype html>x"), Markup::Inert { end: 15 });
        assert_eq!(at0("<?php x ?>y"), Markup::Inert { end: 10 });
        assert_eq!(at0("</ x>y"), Markup::Inert { end: 5 });
        assert_eq!(at0("</>y"), Markup::Inert { end: 3 });
        assert_eq!(at0("<![CDATA[x]]>"), Markup::Cdata);
    }
}
