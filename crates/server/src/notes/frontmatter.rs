//! The YAML frontmatter block at the very top of a page (`---` … `---`): where it ends, and its
//! fields as JSON for API and MCP responses.

/// The YAML text of the page's frontmatter (without the `---` lines) and the byte offset where the
/// body starts. `(None, 0)` when the page has no frontmatter block.
pub fn split(content: &str) -> (Option<&str>, usize) {
    let mut lines = content.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return (None, 0);
    };
    if first.trim_end() != "---" {
        return (None, 0);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let end = offset + line.len();
        if matches!(line.trim_end(), "---" | "...") {
            return (Some(&content[yaml_start..offset]), end);
        }
        offset = end;
    }
    (None, 0)
}

/// The page's frontmatter as a JSON object, or `null` when there is none or it is not a YAML
/// mapping (a typo in the YAML never hides the page).
pub fn to_json(content: &str) -> serde_json::Value {
    match split(content).0 {
        Some(yaml) => match serde_yaml_ng::from_str::<serde_json::Value>(yaml) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => serde_json::Value::Null,
        },
        None => serde_json::Value::Null,
    }
}

/// The page text after its frontmatter.
pub fn body(content: &str) -> &str {
    &content[split(content).1..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_parses() {
        let page = "---\ntitle: T\ntags: [a, b]\ndate: 2026-03-08\n---\n# Body\n";
        let (yaml, start) = split(page);
        assert_eq!(yaml, Some("title: T\ntags: [a, b]\ndate: 2026-03-08\n"));
        assert_eq!(&page[start..], "# Body\n");
        let json = to_json(page);
        assert_eq!(json["title"], "T");
        assert_eq!(json["tags"], serde_json::json!(["a", "b"]));
        assert_eq!(json["date"], "2026-03-08");
    }

    #[test]
    fn no_or_broken_frontmatter() {
        assert_eq!(split("# x\n---\n"), (None, 0));
        assert_eq!(split("---\nunterminated\n"), (None, 0));
        assert_eq!(to_json("---\n[1, 2]\n---\n"), serde_json::Value::Null);
        assert_eq!(
            to_json("---\ntitle: [unclosed\n---\n"),
            serde_json::Value::Null
        );
        assert_eq!(body("---\r\na: 1\r\n---\r\nrest"), "rest");
    }
}
