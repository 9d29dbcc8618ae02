//! One example per error response of the published document.
//!
//! poem-openapi's media types carry no example, so every error response of
//! an operation would show its problem schema's one example, whatever its
//! status. Each `application/problem+json` media type is given its own
//! here: a problem of that response's status, with the first code its
//! schema lists for that status; a 422 names a value the operation takes.
// serde_yaml's Value, as in `openapi_doc`: its maps keep the order of keys.
use serde_yaml::{Mapping, Value};

use super::error::{PROBLEM_JSON, problem_example};
use super::openapi_doc::METHODS;

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

/// Gives every problem+json media type of every operation an `example` of
/// its response's status (see the module documentation).
pub fn give_error_examples(document: &mut Value) {
    let schemas = document["components"]["schemas"].clone();
    let Some(paths) = document.get_mut("paths").and_then(Value::as_mapping_mut) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_mapping_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(method, _)| method.as_str().is_some_and(|m| METHODS.contains(&m)))
                .map(|(_, operation)| operation)
        });
    for operation in operations {
        let entry = field_error(operation, &schemas);
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
            let Some(mut example) = problem_example(status, &codes) else {
                continue;
            };
            if example.get("errors").is_some() {
                example["errors"] = serde_json::Value::Array(vec![entry.clone()]);
            }
            media.insert(Value::from("example"), ordered(&example));
        }
    }
}

/// The codes the problem schema `schema` refers to enumerates.
fn codes(schema: &Value, schemas: &Value) -> Vec<String> {
    let name = schema["$ref"]
        .as_str()
        .and_then(|name| name.rsplit('/').next())
        .unwrap_or_default();
    schemas[name]["properties"]["code"]["enum"]
        .as_sequence()
        .map(|codes| {
            codes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A `FieldError` the operation could answer with: a required member of
/// its JSON body missing, else a path parameter that is no UUID, else a
/// body that is no JSON.
fn field_error(operation: &Value, schemas: &Value) -> serde_json::Value {
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    let body_schema = body["$ref"]
        .as_str()
        .and_then(|name| name.rsplit('/').next())
        .map_or(&Value::Null, |name| &schemas[name]);
    if let Some(member) = body_schema["required"]
        .as_sequence()
        .and_then(|required| required.first())
        .and_then(Value::as_str)
    {
        return serde_json::json!({
            "in": "body",
            "field": format!("/{member}"),
            "code": "required",
            "message": "is required",
        });
    }
    let parameters = operation["parameters"].as_sequence().into_iter().flatten();
    if let Some(name) = parameters
        .filter(|p| p["in"].as_str() == Some("path") && p["schema"]["format"] == "uuid")
        .find_map(|p| p["name"].as_str())
    {
        return serde_json::json!({
            "in": "path",
            "field": name,
            "code": "invalid_format",
            "message": "must be a UUID",
        });
    }
    serde_json::json!({
        "in": "body",
        "field": "",
        "code": "invalid_format",
        "message": "must be valid JSON (line 1, column 1)",
    })
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

    fn document(operation: serde_json::Value) -> serde_json::Value {
        let problem = json!({"properties": {"code": {"enum": [
            "validation_failed", "missing_token", "invalid_token", "task_not_found",
            "idempotency_key_reused",
        ]}}});
        let media = json!({"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/P"}
        }});
        let mut operation = operation;
        operation["responses"] = json!({
            "200": {"description": "ok", "content": {"application/json": {"schema": {}}}},
            "401": {"description": "no", "content": media},
            "404": {"description": "no", "content": media},
            "422": {"description": "no", "content": media},
            "500": {"description": "no", "content": media},
        });
        let mut document: Value = serde_json::from_value(json!({
            "paths": {"/t/{task_id}": {"put": operation}},
            "components": {"schemas": {
                "P": problem,
                "In": {"required": ["title"], "properties": {"title": {}}},
            }},
        }))
        .unwrap();
        give_error_examples(&mut document);
        let document = serde_json::to_value(&document).unwrap();
        document["paths"]["/t/{task_id}"]["put"]["responses"].clone()
    }

    fn example(responses: &serde_json::Value, status: &str) -> serde_json::Value {
        responses[status]["content"]["application/problem+json"]["example"].clone()
    }

    #[test]
    fn each_error_response_shows_the_first_of_its_codes_with_its_status() {
        let responses = document(json!({}));
        let unauthorized = example(&responses, "401");
        assert_eq!(
            (&unauthorized["status"], &unauthorized["code"]),
            (&json!(401), &json!("missing_token"))
        );
        assert_eq!(unauthorized["title"], "Unauthorized");
        assert_eq!(example(&responses, "404")["code"], "task_not_found");
        assert_eq!(example(&responses, "422")["code"], "validation_failed");
        // No listed code has the status: no example rather than a wrong one.
        assert!(example(&responses, "500").is_null());
        assert!(responses["200"]["content"]["application/json"]["example"].is_null());
    }

    #[test]
    fn a_422_names_a_value_the_operation_takes() {
        let with_body = document(json!({"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/In"}
        }}}}));
        assert_eq!(
            example(&with_body, "422")["errors"],
            json!([{"in": "body", "field": "/title", "code": "required", "message": "is required"}])
        );
        let with_path = document(json!({"parameters": [
            {"name": "task_id", "in": "path", "schema": {"type": "string", "format": "uuid"}},
        ]}));
        let errors = &example(&with_path, "422")["errors"];
        assert_eq!(
            (&errors[0]["in"], &errors[0]["field"]),
            (&json!("path"), &json!("task_id"))
        );
    }
}
