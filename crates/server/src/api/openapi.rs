//! The OpenAPI 3.1 document of the REST API, generated from [`ENDPOINTS`].
//!
//! Hand-written `serde_json` rather than a derive crate (`utoipa`): the router dispatches through
//! the same table, with greedy `{path}` parameters and method-specific suffixes that derive
//! macros on axum routes cannot describe, and the response types live in the transport-neutral
//! notes service, which should not carry OpenAPI annotations. One table, one document, and a test
//! that the two agree.

use serde_json::{Map, Value, json};

use super::routes::{Access, ENDPOINTS, Endpoint};
use super::schemas;

/// The document, with `wiki_url` as the server.
pub fn document(wiki_url: &str) -> Value {
    let mut paths = Map::new();
    for endpoint in ENDPOINTS {
        let item = paths
            .entry(endpoint.path.to_string())
            .or_insert_with(|| json!({}));
        item[endpoint.method.to_ascii_lowercase()] = operation(endpoint);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "robot.wtf wiki API",
            "version": "1.0.0",
            "description": "Pages, history, links, attachments and search of one wiki. Compatible \
                with the otterwiki-api. Authenticate with `Authorization: Bearer <token>` (a \
                per-wiki token: `robot token create <wiki> --name <agent>`) or a signed-in \
                session. Errors are JSON `{error, message}`: `error` is a stable code, `message` \
                says what to do next. Page paths go into URLs unencoded except for special \
                characters; spaces may be written as `_`.",
        },
        "servers": [{ "url": format!("{wiki_url}/api/v1") }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "A per-wiki API token." },
                "session": {
                    "type": "apiKey", "in": "cookie", "name": "robot_session",
                    "description": "A platform session; requests that change something also need \
                        the CSRF token in `X-CSRF-Token`."
                },
            },
            "schemas": schemas::all(),
            "responses": error_responses(),
        },
    })
}

fn operation(e: &Endpoint) -> Value {
    let mut parameters: Vec<Value> = Vec::new();
    if e.path.contains("{path}") {
        parameters.push(json!({
            "name": "path", "in": "path", "required": true,
            "description": "Page path, e.g. `Projects/Big_Plan`: `/` between segments is not \
                encoded; `_` reads as a space.",
            "schema": { "type": "string" },
        }));
    }
    if e.path.contains("{filename}") {
        parameters.push(json!({
            "name": "filename", "in": "path", "required": true,
            "description": "The attachment's file name, percent-encoded.",
            "schema": { "type": "string" },
        }));
    }
    for (name, kind, description) in e.query {
        parameters.push(json!({
            "name": name, "in": "query", "required": false,
            "description": description, "schema": { "type": kind },
        }));
    }
    let success = json!({
        "description": e.summary,
        "content": { "application/json": { "schema": reference(e.response) } },
    });
    let mut responses = Map::new();
    responses.insert(e.status.to_string(), success.clone());
    if e.id == "writePage" {
        responses.insert(
            "201".into(),
            json!({
                "description": "Created",
                "content": { "application/json": { "schema": reference(e.response) } },
            }),
        );
    }
    let mut errors: Vec<&str> = Vec::new();
    if e.access != Access::Public {
        errors.extend(["401", "403"]);
    }
    if e.path.contains('{') {
        errors.push("404");
    }
    if !e.query.is_empty() || e.body.is_some() || e.path.contains('{') {
        errors.push("422");
    }
    if matches!(e.access, Access::Write) && e.body.is_some() {
        errors.push("409");
    }
    if e.body_required {
        errors.push("413");
    }
    for code in errors {
        responses.insert(
            code.into(),
            json!({ "$ref": format!("#/components/responses/E{code}") }),
        );
    }
    let mut op = json!({
        "operationId": e.id,
        "summary": e.summary,
        "description": e.description,
        "parameters": parameters,
        "responses": responses,
        "x-permission": match e.access {
            Access::Public => "none",
            Access::Read => "read",
            Access::Write => "write",
            Access::Upload => "upload",
        },
    });
    if let Some(body) = e.body {
        op["requestBody"] = json!({
            "required": e.body_required,
            "content": { "application/json": { "schema": reference(body) } },
        });
    }
    if e.access == Access::Public {
        op["security"] = json!([]);
    }
    op
}

fn reference(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

fn error_responses() -> Value {
    let error = |description: &str, schema: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": reference(schema) } },
        })
    };
    json!({
        "E401": error("No valid token or session (`login_required`, `invalid_token`).", "Error"),
        "E403": error("Not allowed (`forbidden`): e.g. a read-only token, or a token of another wiki.", "Error"),
        "E404": error("`page_not_found`, `attachment_not_found`, `revision_not_found`.", "Error"),
        "E409": error("`revision_required`, `conflict` (with `current_revision` and `diff`), `already_exists`.", "Conflict"),
        "E413": error("`too_large`: pages over 4 MiB, attachments over 25 MiB.", "Error"),
        "E422": error("Invalid input: `missing_field`, `invalid_field`, `invalid_json`, `invalid_path`, \
            `invalid_revision`, `invalid_filename`, `invalid_base64`, `no_match`, `ambiguous_match`, \
            `section_not_found`, …", "Error"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_referenced_schema_exists() {
        let doc = document("http://w.localhost");
        let text = doc.to_string();
        let schemas = &doc["components"]["schemas"];
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(schemas.get(&name).is_some(), "schema {name} is missing");
        }
        for piece in text.split("#/components/responses/").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                doc["components"]["responses"].get(&name).is_some(),
                "response {name}"
            );
        }
    }
}
