//! The HTML nesting cap applied before the sanitiser parses a page.
//!
//! html5ever checks element scopes by walking the stack of open elements, so every block start
//! tag costs time proportional to the current nesting: 100 000 nested `<div>`s (raw HTML passes
//! through comrak unchanged) take minutes. [`cap_html_nesting`] follows the document with a small
//! model of the parser's stack and escapes (`<` → `&#60;`) every start tag that would nest deeper
//! than [`MAX_HTML_DEPTH`], so it is shown as text instead of being parsed; nothing disappears.
//! (The escape is written `&#60;`, which the parser decodes faster than `&lt;`; the sanitiser
//! serialises the text as `&lt;` either way.)
//!
//! The model only has to be *conservative*: its stack may be deeper than the parser's (then a tag
//! is escaped a little early, which no realistic page reaches) but never shallower. So it closes
//! elements only where the parser certainly does (end tags within the same scope rules, `<p>`,
//! `<li>`, cells and options closed by their successors), treats table parts outside a table as
//! ignored like the parser, and removes ambiguity where it cannot follow the parser: the content
//! of raw-text elements (`<script>`, `<style>`, `<textarea>`, …, all dropped by the sanitiser
//! anyway) and `<![CDATA[` are escaped, so no markup hides in them. Formatting elements that are
//! closed implicitly stay on the parser's list of active formatting elements and are re-opened in
//! every later block, so only [`MAX_DANGLING_FORMATTING`] of them are allowed.
//!
//! Two more rewrites keep the parse linear and do not change the sanitised result: comments,
//! doctypes and bogus comments are dropped (the sanitiser strips comments anyway, but removes
//! each one in time proportional to its siblings), and a `<` that starts no markup is written as
//! `&#60;`, which the parser reads the same way.

mod elements;
mod scan;

use std::borrow::Cow;

use elements::{
    closes_p, is_breakout, is_formatting, is_integration_point, is_raw_text, is_scope_boundary,
    is_scoped_block, is_special, is_table_part, is_void,
};
use scan::{Markup, markup_at};

/// How deep elements may nest in a page. Markdown containers are capped well below (see
/// `render::nesting`), so only hostile raw HTML gets near.
pub(crate) const MAX_HTML_DEPTH: usize = 96;

/// How many implicitly closed formatting elements (`<b>` left open in a paragraph, …) a page
/// may have before further formatting start tags are shown as text.
pub(crate) const MAX_DANGLING_FORMATTING: usize = 24;

/// Escapes every start tag of `html` that would nest deeper than [`MAX_HTML_DEPTH`] and drops
/// comments (see the module docs). Borrows when there is nothing to change.
pub(crate) fn cap_html_nesting(html: &str) -> Cow<'_, str> {
    let mut model = Model::default();
    let mut out = String::new();
    let mut done = 0;
    let escape = |at: usize, out: &mut String, done: &mut usize| {
        out.push_str(&html[*done..at]);
        out.push_str("&#60;");
        *done = at + 1;
    };
    let mut pos = 0;
    while let Some(offset) = html[pos..].find('<') {
        let at = pos + offset;
        pos = at + 1;
        if let Some(raw) = &model.raw_text {
            // `<plaintext>` is never closed.
            if raw == "plaintext" || !ends_raw_text(&html[at..], raw) {
                if starts_markup(&html[at..]) {
                    escape(at, &mut out, &mut done);
                }
                continue;
            }
            model.raw_text = None;
        }
        match markup_at(html, at) {
            Markup::Start {
                name,
                self_closing,
                end,
            } => {
                if model.start(name, self_closing) {
                    pos = end;
                } else {
                    escape(at, &mut out, &mut done);
                }
            }
            Markup::End { name, end } => {
                if model.end(name) {
                    pos = end;
                } else {
                    escape(at, &mut out, &mut done);
                }
            }
            Markup::Inert { end } => {
                // Comments would be stripped by the sanitiser anyway, which removes each in time
                // proportional to its siblings; dropping them here keeps that linear. A lone `<`
                // is escaped (below), so no markup can form across the gap.
                out.push_str(&html[done..at]);
                done = end;
                pos = end;
            }
            Markup::Cdata | Markup::Text => escape(at, &mut out, &mut done),
        }
    }
    if done == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[done..]);
    Cow::Owned(out)
}

/// Whether the `<` starting `rest` would start markup outside raw text (`a < b` would not).
fn starts_markup(rest: &str) -> bool {
    rest.as_bytes()
        .get(1)
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
}

/// Whether `rest` starts with the end tag that closes the raw-text element `name`.
fn ends_raw_text(rest: &str, name: &str) -> bool {
    let bytes = rest.as_bytes();
    bytes.len() > name.len() + 2
        && rest.starts_with("</")
        && rest[2..2 + name.len()].eq_ignore_ascii_case(name)
        && matches!(
            bytes[2 + name.len()],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
        )
}

/// One element on the model's stack.
struct Open {
    /// Lowercase tag name.
    name: String,
    /// In SVG/MathML rather than HTML.
    foreign: bool,
}

/// A conservative model of html5ever's stack of open elements (see the module docs).
#[derive(Default)]
struct Model {
    stack: Vec<Open>,
    /// Formatting elements closed other than by their own end tag so far.
    dangling_formatting: usize,
    /// Inside this raw-text element (lowercase name) until its end tag.
    raw_text: Option<String>,
}

impl Model {
    fn top(&self) -> Option<&str> {
        self.stack.last().map(|open| open.name.as_str())
    }

    fn pop_if_top(&mut self, names: &[&str]) {
        if self.top().is_some_and(|top| names.contains(&top)) {
            self.stack.pop();
        }
    }

    /// Pops down to and including the element at `index`, counting formatting elements closed
    /// on the way.
    fn pop_to(&mut self, index: usize) {
        let closed_implicitly = self.stack[index + 1..]
            .iter()
            .filter(|open| !open.foreign && is_formatting(&open.name))
            .count();
        self.dangling_formatting += closed_implicitly;
        self.stack.truncate(index);
    }

    /// Applies a start tag; `false` if it must be escaped instead.
    fn start(&mut self, name: &str, self_closing: bool) -> bool {
        let name = name.to_ascii_lowercase();
        let foreign = name == "svg"
            || name == "math"
            || (self
                .stack
                .last()
                .is_some_and(|parent| parent.foreign && !is_integration_point(&parent.name))
                && !is_breakout(&name));
        if foreign {
            if self_closing {
                return true;
            }
        } else {
            if matches!(
                name.as_str(),
                "html" | "head" | "body" | "frameset" | "frame"
            ) || is_void(&name)
            {
                return true;
            }
            if is_table_part(&name) && !self.stack.iter().any(|open| open.name == "table") {
                // Outside a table the parser ignores table parts.
                return true;
            }
        }
        // A cell may bring a row and a body with it (see `insert_row_parts`).
        let implied = match name.as_str() {
            "td" | "th" if !foreign => 2,
            "tr" if !foreign => 1,
            _ => 0,
        };
        if self.stack.len() + implied >= MAX_HTML_DEPTH
            || (!foreign
                && is_formatting(&name)
                && self.dangling_formatting >= MAX_DANGLING_FORMATTING)
        {
            return false;
        }
        if !foreign {
            self.close_implied(&name);
        }
        if is_raw_text(&name) {
            self.raw_text = Some(name.clone());
        }
        self.stack.push(Open { name, foreign });
        true
    }

    /// The elements the parser certainly closes before inserting `name` (a subset of what it
    /// closes), and the table rows and bodies it certainly inserts.
    fn close_implied(&mut self, name: &str) {
        match name {
            "li" | "dd" | "dt" => {
                let siblings: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                let found = self
                    .stack
                    .iter()
                    .rev()
                    .take_while(|open| {
                        siblings.contains(&open.name.as_str())
                            || matches!(open.name.as_str(), "address" | "div" | "p")
                    })
                    .position(|open| siblings.contains(&open.name.as_str()));
                if let Some(from_top) = found {
                    self.pop_to(self.stack.len() - 1 - from_top);
                }
            }
            "td" | "th" => {
                self.pop_if_top(&["td", "th"]);
                self.insert_row_parts(true);
            }
            "tr" => {
                self.pop_if_top(&["td", "th"]);
                self.pop_if_top(&["tr"]);
                self.insert_row_parts(false);
            }
            "option" => self.pop_if_top(&["option"]),
            _ => {}
        }
        if closes_p(name) {
            self.pop_if_top(&["p"]);
        }
    }

    /// The `<tbody>` (and `<tr>` for a cell) the parser inserts when a row or cell comes
    /// directly in a table.
    fn insert_row_parts(&mut self, cell: bool) {
        self.pop_if_top(&["caption", "colgroup"]);
        if self.top() == Some("table") {
            self.stack.push(Open {
                name: "tbody".to_owned(),
                foreign: false,
            });
        }
        if cell && matches!(self.top(), Some("tbody" | "thead" | "tfoot")) {
            self.stack.push(Open {
                name: "tr".to_owned(),
                foreign: false,
            });
        }
    }

    /// Applies an end tag: pops to the nearest open element of that name if the parser certainly
    /// would, i.e. every element in between is one the parser's rule for this tag walks past.
    /// `false` if it must be escaped: an unmatched end tag at the cap, where the parser could
    /// insert an element for it (`</p>` becomes `<p></p>`).
    fn end(&mut self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        if matches!(name.as_str(), "html" | "head" | "body" | "br" | "frameset") {
            return true;
        }
        let passes: fn(&str) -> bool = if is_table_part(&name) || name == "table" {
            |between| !matches!(between, "html" | "table" | "template")
        } else if is_scoped_block(&name) {
            |between| !is_scope_boundary(between)
        } else {
            |between| !is_special(between)
        };
        for index in (0..self.stack.len()).rev() {
            let open = &self.stack[index];
            if open.name == name {
                if name == "form" {
                    // The parser removes just the form, leaving what is open inside it.
                    self.stack.remove(index);
                } else {
                    self.pop_to(index);
                }
                return true;
            }
            if !passes(&open.name) {
                break;
            }
        }
        self.stack.len() < MAX_HTML_DEPTH
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
