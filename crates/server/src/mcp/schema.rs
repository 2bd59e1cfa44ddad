//! Tool input schemas as agents need them, and no bigger: every byte of `tools/list` is paid
//! for in every conversation's context.
//!
//! schemars describes Rust types faithfully for Rust: each schema names its JSON Schema dialect
//! (`$schema`) and its type (`title`), an `Option<u32>` is `"type": ["integer", "null"]` with
//! `"format": "uint32"`, `"minimum": 0` and `"default": null`. For a tool caller an optional
//! parameter is one that is not `required`; the rest says nothing it can act on. [`compact`]
//! keeps types, descriptions, enums, `required` and real defaults, and drops the rest;
//! [`compact_annotations`] leaves out the hints whose value is the MCP default.

use rmcp::model::ToolAnnotations;
use serde_json::{Map, Value};

/// Keys that carry nothing a caller needs.
const NOISE: [&str; 3] = ["$schema", "title", "format"];

/// A smaller schema that accepts exactly the same calls the tool accepts.
pub fn compact(schema: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(schema.len());
    for (key, value) in schema {
        // `minimum: 0` is what an unsigned Rust integer says, and an empty or null default is
        // what leaving a parameter out means; real bounds and defaults stay.
        let implied = (key == "default" && (value.is_null() || value == ""))
            || (key == "minimum" && value == 0);
        if NOISE.contains(&key.as_str()) || implied {
            continue;
        }
        let value = match (key.as_str(), value) {
            // `["integer", "null"]` → `"integer"`: absence already says "not given".
            ("type", Value::Array(types)) => {
                let kept: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                match kept.as_slice() {
                    [one] => (*one).clone(),
                    _ => value.clone(),
                }
            }
            ("properties" | "$defs" | "definitions", Value::Object(children)) => Value::Object(
                children
                    .iter()
                    .map(|(name, child)| (name.clone(), compact_value(child)))
                    .collect(),
            ),
            ("items", child) => compact_value(child),
            // Doc comments wrap at 100 columns; a caller reads one line.
            ("description", Value::String(text)) => {
                Value::String(text.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            // `anyOf: [X, {"type": "null"}]` → X.
            ("anyOf" | "oneOf", Value::Array(variants)) => {
                let kept: Vec<&Value> = variants
                    .iter()
                    .filter(|v| v.get("type").is_none_or(|t| t != "null"))
                    .collect();
                if let [one] = kept.as_slice()
                    && let Value::Object(only) = compact_value(one)
                {
                    out.extend(only);
                    continue;
                }
                Value::Array(variants.iter().map(compact_value).collect())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    out
}

/// Tool annotations without the hints that say what their absence says (MCP: `readOnlyHint`
/// false, `destructiveHint` true, `idempotentHint` false, `openWorldHint` true; the last two
/// write hints mean nothing for a read-only tool).
pub fn compact_annotations(mut hints: ToolAnnotations) -> ToolAnnotations {
    let read_only = hints.read_only_hint == Some(true);
    if hints.read_only_hint == Some(false) {
        hints.read_only_hint = None;
    }
    if read_only || hints.destructive_hint == Some(true) {
        hints.destructive_hint = None;
    }
    if read_only || hints.idempotent_hint == Some(false) {
        hints.idempotent_hint = None;
    }
    if hints.open_world_hint == Some(true) {
        hints.open_world_hint = None;
    }
    hints
}

fn compact_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(compact(map)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compacted(schema: Value) -> Value {
        Value::Object(compact(schema.as_object().expect("object")))
    }

    #[test]
    fn optional_integers_lose_their_rust_details() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "GetHistory",
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Page\npath."},
                "message": {"type": "string", "default": ""},
                "limit": {
                    "type": ["integer", "null"], "format": "uint32", "minimum": 0,
                    "default": null, "description": "At most this many."
                },
                "mode": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]},
                "tags": {"type": "array", "items": {"type": "string", "title": "Tag"}},
                "depth": {"type": "integer", "default": 1, "minimum": 1, "maximum": 3}
            },
            "required": ["path"]
        });
        assert_eq!(
            compacted(schema),
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "Page path."},
                    "message": {"type": "string"},
                    "limit": {"type": "integer", "description": "At most this many."},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "depth": {"type": "integer", "default": 1, "minimum": 1, "maximum": 3}
                },
                "required": ["path"]
            })
        );
    }

    #[test]
    fn annotations_keep_only_what_differs_from_the_defaults() {
        let mut delete = ToolAnnotations::default();
        delete.read_only_hint = Some(false);
        delete.destructive_hint = Some(true);
        delete.idempotent_hint = Some(true);
        delete.open_world_hint = Some(false);
        let delete = compact_annotations(delete);
        assert_eq!(
            (
                delete.read_only_hint,
                delete.destructive_hint,
                delete.idempotent_hint,
                delete.open_world_hint
            ),
            (None, None, Some(true), Some(false))
        );
        let mut read = ToolAnnotations::default();
        read.read_only_hint = Some(true);
        read.destructive_hint = Some(false);
        read.open_world_hint = Some(true);
        let read = compact_annotations(read);
        assert_eq!(
            (
                read.read_only_hint,
                read.destructive_hint,
                read.open_world_hint
            ),
            (Some(true), None, None)
        );
    }

    #[test]
    fn real_unions_are_kept() {
        let schema = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(compacted(schema.clone()), schema);
        let types = json!({"type": ["string", "integer"]});
        assert_eq!(compacted(types.clone()), types);
    }
}
