//! YAML frontmatter (`---` … `---` at the very start of a page): parsed into fields for the
//! page header, search and the "Properties" box.
//!
//! The YAML parser spends time quadratic in the nesting of flow collections (`[[[[…`, `{{{{…`),
//! so frontmatter over [`MAX_FRONTMATTER_BYTES`] or nested deeper than [`MAX_FLOW_DEPTH`] is not
//! parsed: it keeps its `raw` text (shown in the Properties box as text) and has no fields, like
//! any other unparseable frontmatter, and the page body renders as usual.

use serde_yaml_ng::Value;

/// Frontmatter longer than this is shown as text, not parsed. Real frontmatter (title, tags,
/// dates, a summary) is well under a kilobyte.
pub(crate) const MAX_FRONTMATTER_BYTES: usize = 32 * 1024;

/// Frontmatter whose `[`/`{` nest deeper than this is shown as text, not parsed.
pub(crate) const MAX_FLOW_DEPTH: usize = 32;

/// The YAML block at the top of a page, parsed. Unparseable YAML keeps `raw` and has no fields,
/// so a typo never hides the page.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Frontmatter {
    /// The YAML text between the `---` lines.
    pub raw: String,
    /// Top-level keys and their values as display text, in document order (lists joined with
    /// `, `, nested maps shown as YAML).
    pub fields: Vec<(String, String)>,
    /// The `title:` value, which overrides the first heading as the page title.
    pub title: Option<String>,
    /// The `tags:` value, as a YAML list or a comma-separated string.
    pub tags: Vec<String>,
    /// The `category:` value.
    pub category: Option<String>,
}

impl Frontmatter {
    /// Parses the YAML text between the delimiters; too large or too deeply nested text is kept
    /// as `raw` only (see the module docs).
    pub fn parse(raw: &str) -> Frontmatter {
        let mut frontmatter = Frontmatter {
            raw: raw.to_owned(),
            ..Frontmatter::default()
        };
        if raw.len() > MAX_FRONTMATTER_BYTES || flow_depth_exceeds(raw, MAX_FLOW_DEPTH) {
            return frontmatter;
        }
        let Ok(Value::Mapping(mapping)) = serde_yaml_ng::from_str::<Value>(raw) else {
            return frontmatter;
        };
        for (key, value) in &mapping {
            let key = scalar_text(key).unwrap_or_else(|| yaml_text(key));
            let text = display_text(value);
            match key.to_ascii_lowercase().as_str() {
                "title" if !text.is_empty() => frontmatter.title = Some(text.clone()),
                "category" if !text.is_empty() => frontmatter.category = Some(text.clone()),
                "tags" => frontmatter.tags = tags(value),
                _ => {}
            }
            frontmatter.fields.push((key, text));
        }
        frontmatter
    }

    /// Splits a document's frontmatter node text (with its `---` lines) into the YAML inside.
    pub(crate) fn from_block(block: &str) -> Frontmatter {
        let mut lines = block.lines();
        lines.next();
        let body: Vec<&str> = lines.collect();
        let end = body
            .iter()
            .rposition(|line| line.trim_end() == "---")
            .unwrap_or(body.len());
        let mut raw = body[..end].join("\n");
        if !raw.is_empty() {
            raw.push('\n');
        }
        Frontmatter::parse(&raw)
    }

    /// The collapsed "Properties" box shown at the top of the page; every value escaped.
    pub(crate) fn to_html(&self) -> String {
        let mut html =
            String::from("<details class=\"frontmatter\"><summary>Properties</summary>\n");
        if self.fields.is_empty() {
            html.push_str("<pre><code>");
            html.push_str(&html_escape::encode_text(&self.raw));
            html.push_str("</code></pre>\n");
        } else {
            html.push_str("<table>\n<tbody>\n");
            for (key, value) in &self.fields {
                html.push_str("<tr><th>");
                html.push_str(&html_escape::encode_text(key));
                html.push_str("</th><td>");
                html.push_str(&html_escape::encode_text(value));
                html.push_str("</td></tr>\n");
            }
            html.push_str("</tbody>\n</table>\n");
        }
        html.push_str("</details>\n");
        html
    }
}

/// Whether `[`/`{` nest deeper than `max` in `yaml`. Brackets inside quoted strings and comments
/// are counted too: over-counting only means a pathological value is shown as text.
fn flow_depth_exceeds(yaml: &str, max: usize) -> bool {
    let mut depth = 0usize;
    for byte in yaml.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

fn yaml_text(value: &Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|s| s.trim_end().to_owned())
        .unwrap_or_default()
}

fn display_text(value: &Value) -> String {
    if let Some(text) = scalar_text(value) {
        return text;
    }
    match value {
        Value::Sequence(items) if items.iter().all(|item| scalar_text(item).is_some()) => items
            .iter()
            .filter_map(scalar_text)
            .collect::<Vec<_>>()
            .join(", "),
        other => yaml_text(other),
    }
}

fn tags(value: &Value) -> Vec<String> {
    let items: Vec<String> = match value {
        Value::Sequence(items) => items.iter().filter_map(scalar_text).collect(),
        other => scalar_text(other)
            .map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
    };
    items
        .into_iter()
        .map(|tag| tag.trim().to_owned())
        .filter(|tag| !tag.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_known_fields() {
        let fm = Frontmatter::parse(
            "title: My Page\ntags: [a, b]\ncategory: Notes\nn: 3\nnested:\n  x: 1\n",
        );
        assert_eq!(fm.title.as_deref(), Some("My Page"));
        assert_eq!(fm.tags, ["a", "b"]);
        assert_eq!(fm.category.as_deref(), Some("Notes"));
        assert_eq!(
            fm.fields,
            [
                ("title".to_owned(), "My Page".to_owned()),
                ("tags".to_owned(), "a, b".to_owned()),
                ("category".to_owned(), "Notes".to_owned()),
                ("n".to_owned(), "3".to_owned()),
                ("nested".to_owned(), "x: 1".to_owned()),
            ]
        );
    }

    #[test]
    fn comma_separated_tags_and_bad_yaml() {
        assert_eq!(Frontmatter::parse("tags: x, y ,,z").tags, ["x", "y", "z"]);
        let bad = Frontmatter::parse("title: [unclosed");
        assert!(bad.fields.is_empty());
        assert_eq!(bad.title, None);
        assert!(bad.to_html().contains("[unclosed"));
    }

    #[test]
    fn oversized_or_deep_yaml_is_kept_as_text() {
        let deep = format!("title: {}x{}\n", "[".repeat(33), "]".repeat(33));
        let fm = Frontmatter::parse(&deep);
        assert!(fm.fields.is_empty());
        assert_eq!(fm.raw, deep);
        let shallow = format!("title: {}x{}\n", "[".repeat(3), "]".repeat(3));
        assert_eq!(Frontmatter::parse(&shallow).fields.len(), 1);

        let big = format!(
            "title: big\nsummary: {}\n",
            "a".repeat(MAX_FRONTMATTER_BYTES)
        );
        let fm = Frontmatter::parse(&big);
        assert!(fm.fields.is_empty() && fm.title.is_none());
        assert!(fm.to_html().contains("summary: aaa"));
    }

    #[test]
    fn block_splitting_and_escaping() {
        let fm = Frontmatter::from_block("---\ntitle: <script>x</script>\n---\n");
        assert_eq!(fm.raw, "title: <script>x</script>\n");
        assert!(fm.to_html().contains("&lt;script&gt;x&lt;/script&gt;"));
    }
}
