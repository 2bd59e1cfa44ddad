//! The YAML frontmatter block at the very top of a page (`---` … `---`): where it ends, and its
//! fields as JSON for API and MCP responses, and setting fields one by one.

use serde_json::{Map, Value};

use super::error::{NotesError, NotesResult};

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

/// `content` with the top-level frontmatter `fields` set (a `null` value removes the field).
///
/// Only the lines of the named fields change: the other fields keep their order, comments and
/// style, and the body is untouched. A field is written as `name: value` in YAML that reads back
/// as exactly the JSON given (plain when that is unambiguous, else JSON, which YAML reads too).
pub fn set_fields(content: &str, fields: &Map<String, Value>) -> NotesResult<String> {
    if fields.is_empty() {
        return Err(NotesError::invalid(
            "missing_field",
            "frontmatter must name at least one field to set (or to remove, with null).",
        ));
    }
    for name in fields.keys() {
        let simple = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !simple {
            return Err(NotesError::invalid(
                "invalid_field",
                format!(
                    "frontmatter field {name:?} is not a plain name (letters, digits, `_`, `-`,                      `.`); use write_note to change other YAML."
                ),
            ));
        }
    }
    let (yaml, body_start) = split(content);
    if yaml.is_some_and(|y| !y.trim().is_empty()) && !to_json(content).is_object() {
        return Err(NotesError::invalid(
            "invalid_frontmatter",
            "the page's frontmatter is not a YAML mapping, so fields cannot be set one by one; \
             fix it with write_note.",
        ));
    }
    let mut lines: Vec<String> = yaml.unwrap_or("").lines().map(str::to_string).collect();
    for (name, value) in fields {
        let at = remove_field(&mut lines, name);
        if value.is_null() {
            continue;
        }
        let line = format!("{name}: {}", yaml_value(value));
        match at {
            Some(at) => lines.insert(at, line),
            None => lines.push(line),
        }
    }
    let body = content.get(body_start..).unwrap_or_default();
    let updated = if lines.iter().all(|l| l.trim().is_empty()) {
        body.trim_start_matches(['\n', '\r']).to_string()
    } else {
        format!("---\n{}\n---\n{body}", lines.join("\n"))
    };
    let read_back = to_json(&updated);
    for (name, value) in fields {
        let now = read_back.get(name).unwrap_or(&Value::Null);
        if now != value {
            return Err(NotesError::invalid(
                "invalid_frontmatter",
                format!(
                    "frontmatter field {name:?} would not read back as given; nothing was \
                     changed. Use write_note to edit this frontmatter."
                ),
            ));
        }
    }
    Ok(updated)
}

/// Removes the top-level field `name` (its line and its indented or list continuation lines)
/// and returns where it was.
fn remove_field(lines: &mut Vec<String>, name: &str) -> Option<usize> {
    let at = lines.iter().position(|line| {
        line.strip_prefix(name)
            .map(str::trim_start)
            .is_some_and(|rest| rest.starts_with(':'))
    })?;
    let mut end = at + 1;
    while end < lines.len() {
        let line = &lines[end];
        let continues = line.starts_with([' ', '\t']) || line == "-" || line.starts_with("- ");
        if !continues {
            break;
        }
        end += 1;
    }
    lines.drain(at..end);
    Some(at)
}

/// `value` as a one-line YAML value that reads back as `value`.
fn yaml_value(value: &Value) -> String {
    if let Value::String(text) = value {
        let plain = !text.is_empty()
            && !text.contains(['\n', '\r'])
            && serde_yaml_ng::from_str::<Value>(&format!("k: {text}"))
                .ok()
                .and_then(|parsed| parsed.get("k").cloned())
                .is_some_and(|parsed| parsed == *value);
        if plain {
            return text.clone();
        }
    }
    value.to_string()
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
    fn fields_are_set_and_removed_line_by_line() {
        let page =
            "---\ntitle: T  # kept comment\ntags:\n  - a\n  - b\nstatus: draft\n---\n# Body\n";
        let mut fields = Map::new();
        fields.insert("tags".into(), serde_json::json!(["x", "y: z"]));
        fields.insert("status".into(), Value::Null);
        fields.insert("reviewed".into(), serde_json::json!("2026-12-06"));
        fields.insert("owner".into(), serde_json::json!("Ada Lovelace"));
        let updated = set_fields(page, &fields).expect("set");
        assert_eq!(
            updated,
            "---\ntitle: T  # kept comment\ntags: [\"x\",\"y: z\"]\nowner: Ada Lovelace\nreviewed: 2026-12-06\n---\n# Body\n"
        );
        let json = to_json(&updated);
        assert_eq!(json["reviewed"], "2026-12-06");
        assert!(json.get("status").is_none());
    }

    #[test]
    fn frontmatter_is_created_and_dropped_when_empty() {
        let mut fields = Map::new();
        fields.insert("category".into(), serde_json::json!("memory"));
        let created = set_fields("# Body\n", &fields).expect("create");
        assert_eq!(created, "---\ncategory: memory\n---\n# Body\n");
        fields.insert("category".into(), Value::Null);
        assert_eq!(set_fields(&created, &fields).expect("drop"), "# Body\n");
        let mut bad = Map::new();
        bad.insert("a: b".into(), serde_json::json!(1));
        assert_eq!(
            set_fields("# B\n", &bad).expect_err("bad name").code(),
            "invalid_field"
        );
        assert_eq!(
            set_fields("---\n- a list\n---\nx\n", &fields)
                .expect_err("not a mapping")
                .code(),
            "invalid_frontmatter"
        );
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
