//! Tool input schemas as agents need them, and no bigger: every byte of `tools/list` is paid
//! for in every conversation's context.
//!
//! schemars describes Rust types faithfully for Rust: each schema names its JSON Schema dialect
//! (`$schema`) and its type (`title`), an `Option<u32>` is `"type": ["integer", "null"]` with
//! `"format": "uint32"`, `"minimum": 0` and `"default": null`. For a tool caller an optional
//! parameter is one that is not `required`; the rest says nothing it can act on. [`compact`]
//! keeps types, descriptions, enums, `required` and real defaults, and drops the rest;
//! [`compact_annotations`] leaves out the hints whose value is the MCP default.

use std::any::Any;
use std::sync::Arc;

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::{JsonObject, ToolAnnotations};
use schemars::JsonSchema;
use serde_json::{Map, Value};

/// Keys that carry nothing a caller needs.
const NOISE: [&str; 3] = ["$schema", "title", "format"];

/// A smaller schema that accepts exactly the same calls the tool accepts.
pub fn compact(schema: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(schema.len());
    for (key, value) in schema {
        // `minimum: 0` is what an unsigned Rust integer says, and an empty or null default is
        // what leaving a parameter out means; real bounds and defaults stay.
        // `additionalProperties: false` repeats what the server enforces anyway (an unknown
        // argument is refused with a message that names it); `true` is the default.
        let implied = (key == "default" && (value.is_null() || value == ""))
            || (key == "minimum" && value == 0)
            || (key == "additionalProperties" && value.is_boolean());
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
/// false, `destructiveHint` true, `idempotentHint` false; the last two write hints mean nothing for a
/// read-only tool) and without `openWorldHint`.
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
    // Every tool works inside one wiki (a closed world, like the memory tool MCP gives as its
    // example), but the hint changes nothing a client does with a tool it already trusts with
    // writes; it is left out to keep `tools/list` small, and clients assume the cautious default.
    hints.open_world_hint = None;
    hints
}

/// The `outputSchema` of a tool whose `structuredContent` is a `T`: each top-level field with its
/// JSON type, which is what a client validates and a model needs to find its way in a result.
/// Nested shapes, descriptions and `required` are left out: `tools/list` is paid for in context
/// on every conversation, and the tool's text result already shows the nesting.
pub fn output<T: JsonSchema + Any>() -> Arc<JsonObject> {
    let full = schema_for_output::<T>();
    let defs = full
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let full = compact(&inline(&full, &defs));
    let fields: Map<String, Value> = full
        .get("properties")
        .and_then(Value::as_object)
        .map(|fields| {
            fields
                .iter()
                .map(|(name, field)| (name.clone(), top_level_type(field)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(fields));
    Arc::new(out)
}

/// The `outputSchema` of a tool that answers either an `A` or a `B` (one shape per mode): the
/// fields of both, each optional.
pub fn output_of_either<A: JsonSchema + Any, B: JsonSchema + Any>() -> Arc<JsonObject> {
    let mut merged = (*output::<A>()).clone();
    let extra = output::<B>();
    if let (Some(Value::Object(fields)), Some(Value::Object(more))) =
        (merged.get_mut("properties"), extra.get("properties"))
    {
        for (name, field) in more {
            fields.entry(name.clone()).or_insert_with(|| field.clone());
        }
    }
    Arc::new(merged)
}

/// `{"type": …}` of a field, or the field as it is when it has no single type.
fn top_level_type(field: &Value) -> Value {
    match field.get("type") {
        Some(kind) => serde_json::json!({ "type": kind }),
        None => field.clone(),
    }
}

/// `node` with `$ref`s to `defs` replaced by what they name (flattened structs come as `$ref`s).
fn inline(node: &Map<String, Value>, defs: &Map<String, Value>) -> Map<String, Value> {
    let target = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| defs.get(name))
        .and_then(Value::as_object);
    if let Some(target) = target {
        return inline(target, defs);
    }
    node.iter()
        .filter(|(key, _)| *key != "$defs")
        .map(|(key, value)| {
            let value = match value {
                Value::Object(child) => Value::Object(inline(child, defs)),
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|item| match item {
                            Value::Object(child) => Value::Object(inline(child, defs)),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                other => other.clone(),
            };
            (key.clone(), value)
        })
        .collect()
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
            (None, None, Some(true), None)
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
