//! An example of every problem each error response can carry.
//!
//! poem-openapi's media types carry no example, so every error response of
//! an operation would show its problem schema's one example, whatever its
//! status. Each `application/problem+json` media type is given its own
//! `examples` here: for each code of its schema with the response's status,
//! the problems the operation answers with (`ApiError::samples`), made by
//! the function that makes the live ones.
use poem_openapi::registry::MetaApi;
use poem_openapi::types::{ParseFromJSON, ToJSON};
// serde_yaml's Value, as in `document`: its maps keep the order of keys.
use serde_yaml::{Mapping, Value};

use super::document::operations_mut;
use crate::api::error::{ApiError, ErrorCode, Operation, PROBLEM_JSON};

/// The members of an example, in the order the problem schema lists them.
const MEMBERS: [&str; 8] = [
    "type",
    "title",
    "status",
    "detail",
    "code",
    "errors",
    "error",
    "request_id",
];

/// Gives every problem+json media type of every operation its examples
/// (see the module documentation); `apis` declares the operations.
pub(super) fn give_error_examples(document: &mut Value, apis: &[MetaApi]) {
    let schemas = document["components"]["schemas"].clone();
    for (path, method, operation) in operations_mut(document) {
        let declared = apis
            .iter()
            .flat_map(|api| api.paths.iter())
            .filter(|declared| declared.path == path)
            .flat_map(|declared| declared.operations.iter())
            .find(|declared| declared.method.as_str().eq_ignore_ascii_case(method));
        let facts = declared.map_or_else(Operation::default, |meta| Operation::new(meta, vec![]));
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_mapping_mut)
        else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            let status = status.as_str().and_then(|s| s.parse::<u16>().ok());
            let media = response
                .get_mut("content")
                .and_then(|content| content.get_mut(PROBLEM_JSON))
                .and_then(Value::as_mapping_mut);
            let (Some(status), Some(media)) = (status, media) else {
                continue;
            };
            let codes = codes(media.get("schema").unwrap_or(&Value::Null), &schemas);
            let examples = examples(status, &codes, &facts);
            if !examples.is_empty() {
                media.insert(Value::from("examples"), Value::Mapping(examples));
            }
        }
    }
}

/// The examples of a response of `status` whose schema lists `codes`, by
/// code (`invalid_token`, then `invalid_token_2`... for other details).
fn examples(status: u16, codes: &[ErrorCode], operation: &Operation) -> Mapping {
    let mut examples = Mapping::new();
    for &code in codes.iter().filter(|code| code.status() == status) {
        let name = code.to_json().and_then(|v| v.as_str().map(str::to_owned));
        let name = name.unwrap_or_default();
        for (i, err) in ApiError::samples(code, operation).iter().enumerate() {
            let key = match i {
                0 => name.clone(),
                _ => format!("{name}_{}", i + 1),
            };
            let mut example = Mapping::new();
            example.insert(Value::from("summary"), Value::from(err.detail()));
            example.insert(Value::from("value"), ordered(&err.example()));
            examples.insert(Value::from(key), Value::Mapping(example));
        }
    }
    examples
}

/// The codes the problem schema `schema` refers to enumerates.
fn codes(schema: &Value, schemas: &Value) -> Vec<ErrorCode> {
    let name = schema["$ref"]
        .as_str()
        .and_then(|name| name.rsplit('/').next())
        .unwrap_or_default();
    let listed = schemas[name]["properties"]["code"]["enum"].as_sequence();
    listed
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|code| ErrorCode::parse_from_json(Some(code.into())).ok())
        .collect()
}

/// `example` with its members in the schema's order (serde_json's maps
/// sort their keys).
fn ordered(example: &serde_json::Value) -> Value {
    let mut mapping = Mapping::new();
    for name in MEMBERS {
        if let Some(member) = example.get(name) {
            let member = serde_yaml::to_value(member).unwrap_or(Value::Null);
            mapping.insert(Value::from(name), member);
        }
    }
    Value::Mapping(mapping)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serde_yaml::Value;

    use super::give_error_examples;

    fn responses() -> serde_json::Value {
        let problem = json!({"properties": {"code": {"enum": [
            "validation_failed", "missing_token", "invalid_token", "task_not_found",
            "idempotency_key_reused",
        ]}}});
        let media = json!({"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/P"}
        }});
        let operation = json!({"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {}}}},
            "401": {"description": "no", "content": media},
            "404": {"description": "no", "content": media},
            "422": {"description": "no", "content": media},
            "500": {"description": "no", "content": media},
        }});
        let mut document: Value = serde_json::from_value(json!({
            "paths": {"/t/{task_id}": {"put": operation}},
            "components": {"schemas": {"P": problem}},
        }))
        .unwrap();
        give_error_examples(&mut document, &[]);
        let document = serde_json::to_value(&document).unwrap();
        document["paths"]["/t/{task_id}"]["put"]["responses"].clone()
    }

    fn examples(responses: &serde_json::Value, status: &str) -> serde_json::Value {
        responses[status]["content"]["application/problem+json"]["examples"].clone()
    }

    #[test]
    fn each_error_response_shows_each_of_its_codes_with_its_status() {
        let responses = responses();
        let unauthorized = examples(&responses, "401");
        let mut codes: Vec<_> = unauthorized.as_object().unwrap().keys().cloned().collect();
        codes.sort();
        assert_eq!(codes, ["invalid_token", "missing_token"]);
        let missing = &unauthorized["missing_token"]["value"];
        assert_eq!(
            (&missing["status"], &missing["title"]),
            (&json!(401), &json!("Unauthorized"))
        );
        assert_eq!(
            unauthorized["missing_token"]["summary"], missing["detail"],
            "the summary is the detail"
        );
        assert!(examples(&responses, "404")["task_not_found"].is_object());
        let invalid = &examples(&responses, "422")["validation_failed"]["value"];
        assert_eq!(invalid["errors"][0]["code"], "required");
        // No listed code has the status: no example rather than a wrong one.
        assert!(examples(&responses, "500").is_null());
        assert!(responses["200"]["content"]["application/json"]["examples"].is_null());
    }
}
