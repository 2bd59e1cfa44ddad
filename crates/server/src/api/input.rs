//! Reading request input: the JSON body and the query string, with errors that name the field
//! and say what was expected. Bodies are parsed whatever their `Content-Type` says.

use serde_json::{Map, Value};

use crate::notes::{NotesError, NotesResult};

/// Largest request body read (a 25 MiB attachment is about 33.4 MiB in base64).
pub const MAX_BODY_BYTES: usize = 36 * 1024 * 1024;

/// A JSON object body.
#[derive(Debug, Default)]
pub struct JsonBody(Map<String, Value>);

impl JsonBody {
    /// Parses `bytes` as a JSON object; an empty body is an empty object unless `required`.
    pub fn parse(bytes: &[u8], required: bool) -> NotesResult<JsonBody> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            if required {
                return Err(NotesError::invalid(
                    "missing_body",
                    "Request body is required: send a JSON object (Content-Type: application/json).",
                ));
            }
            return Ok(JsonBody::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(NotesError::invalid(
                "invalid_json",
                "The request body must be a JSON object, e.g. {\"content\": \"…\"}.",
            )),
            Err(err) => Err(NotesError::invalid(
                "invalid_json",
                format!("The request body is not valid JSON ({err}); send a JSON object."),
            )),
        }
    }

    /// True when the body has `field` (even as `null`).
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// An optional string field; `null` counts as absent.
    pub fn string(&self, field: &str) -> NotesResult<Option<&str>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(field, "a string", other)),
        }
    }

    /// A required string field; `missing` is the message when it is absent.
    pub fn required_string(&self, field: &str, missing: &str) -> NotesResult<&str> {
        self.string(field)?
            .ok_or_else(|| NotesError::invalid("missing_field", missing))
    }

    /// An optional boolean field.
    pub fn bool(&self, field: &str) -> NotesResult<Option<bool>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(field, "true or false", other)),
        }
    }

    /// The body as a JSON value (for deserializing tagged types).
    pub fn value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

fn wrong_type(field: &str, expected: &str, got: &Value) -> NotesError {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    NotesError::invalid(
        "invalid_field",
        format!("Field '{field}' must be {expected}, not {kind}."),
    )
}

/// A parsed query string.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=x` (percent-decoded once).
    pub fn parse(raw: &str) -> Query {
        Query(
            url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed; empty values count as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A non-negative integer parameter, or `default`.
    pub fn number(&self, name: &str, default: usize) -> NotesResult<usize> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text.parse::<usize>().map_err(|_| {
                NotesError::invalid(
                    "invalid_query",
                    format!(
                        "Query parameter '{name}' must be a non-negative integer, not “{}”.",
                        text.chars().take(40).collect::<String>()
                    ),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_fields_are_typed() {
        let body = JsonBody::parse(br#"{"content": 5, "message": null, "ok": true}"#, true)
            .expect("object");
        assert_eq!(
            body.string("content").err().map(|e| e.code()),
            Some("invalid_field")
        );
        assert_eq!(body.string("message").ok(), Some(None));
        assert_eq!(body.bool("ok").ok(), Some(Some(true)));
        assert_eq!(
            body.required_string("missing", "x").err().map(|e| e.code()),
            Some("missing_field")
        );
        assert_eq!(
            JsonBody::parse(b"[1]", true).err().map(|e| e.code()),
            Some("invalid_json")
        );
        assert_eq!(
            JsonBody::parse(b"{", true).err().map(|e| e.code()),
            Some("invalid_json")
        );
        assert_eq!(
            JsonBody::parse(b" ", true).err().map(|e| e.code()),
            Some("missing_body")
        );
        assert!(JsonBody::parse(b"", false).is_ok());
    }

    #[test]
    fn query_numbers() {
        let q = Query::parse("limit=5&offset=x&empty=");
        assert_eq!(q.number("limit", 1).ok(), Some(5));
        assert_eq!(
            q.number("offset", 0).err().map(|e| e.code()),
            Some("invalid_query")
        );
        assert_eq!(q.number("empty", 7).ok(), Some(7));
    }
}
