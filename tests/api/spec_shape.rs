//! The spec as client generators read it. Every JSON body is
//! plain `application/json`; no reference is wrapped in `allOf`; the
//! headers and statuses the server always sends are declared where it sends
//! them; and each error response says which `code`s it can carry, in a
//! schema a typed client can narrow on.
use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;

fn spec() -> Value {
    serde_json::from_str(&tasks_api::startup::openapi().spec()).unwrap()
}

/// Every operation: (path, method, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            found.push((path.clone(), method.clone(), op.clone()));
        }
    }
    assert!(found.len() >= 18, "only {} operations", found.len());
    found
}

/// Every (where, value) pair of the document, depth first.
fn walk<'a>(at: String, value: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    out.push((at.clone(), value));
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| walk(format!("{at}/{k}"), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| walk(format!("{at}/{i}"), v, out)),
        _ => {}
    }
}

fn referenced<'a>(spec: &'a Value, schema: &Value) -> &'a Value {
    // An event stream is declared as an array of its events.
    let schema = if schema["format"] == "event-stream" {
        &schema["items"]
    } else {
        schema
    };
    let name = schema["$ref"]
        .as_str()
        .expect("a response schema is a $ref");
    &spec["components"]["schemas"][name.rsplit('/').next().unwrap()]
}

#[test]
fn every_response_body_is_plain_json_or_a_problem() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(content) = response["content"].as_object() else {
                continue;
            };
            for media in content.keys() {
                let expected = if path.ends_with("/events") && status == "200" {
                    "text/event-stream"
                } else if status.starts_with('2') {
                    "application/json"
                } else {
                    "application/problem+json"
                };
                assert_eq!(media, expected, "{method} {path} {status}");
            }
        }
    }
}

#[test]
fn no_reference_is_wrapped_and_every_nullable_schema_has_a_type() {
    let spec = spec();
    let mut nodes = Vec::new();
    walk(String::new(), &spec, &mut nodes);
    for (at, node) in nodes {
        assert!(node.get("allOf").is_none(), "allOf at {at}");
        if node.get("nullable") == Some(&Value::Bool(true)) {
            assert!(node["type"].is_string(), "nullable without a type at {at}");
            if let Some(items) = node["enum"].as_array() {
                assert!(
                    items.contains(&Value::Null),
                    "nullable enum without null at {at}"
                );
            }
        }
    }
    let recurrence = &spec["components"]["schemas"]["Task"]["properties"]["recurrence"];
    assert_eq!(
        recurrence["enum"],
        json!(["daily", "weekly", "monthly", null])
    );
    let priority = &spec["components"]["schemas"]["Task"]["properties"]["priority"];
    assert_eq!(priority, &json!({"$ref": "#/components/schemas/Priority"}));
}

#[test]
fn x_request_id_is_declared_on_every_operation_and_response() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        let param = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "X-Request-Id")
            .unwrap_or_else(|| panic!("{method} {path} takes no X-Request-Id"));
        assert_eq!(
            (&param["in"], &param["required"]),
            (&json!("header"), &json!(false))
        );
        for (status, response) in op["responses"].as_object().unwrap() {
            let header = &response["headers"]["X-Request-Id"];
            assert_eq!(header["required"], true, "{method} {path} {status}");
        }
    }
}

#[test]
fn headers_are_spelled_as_http_writes_them_and_always_sent_ones_are_required() {
    let known = [
        "ETag",
        "Location",
        "Cache-Control",
        "Retry-After",
        "WWW-Authenticate",
        "X-Accel-Buffering",
        "X-Request-Id",
    ];
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let headers = response["headers"].as_object().unwrap();
            for name in headers.keys() {
                assert!(
                    known.contains(&name.as_str()),
                    "{method} {path} {status}: {name}"
                );
            }
            let expected: &[&str] = match status.as_str() {
                "401" => &["WWW-Authenticate"],
                "429" | "503" => &["Retry-After"],
                _ => &[],
            };
            for name in expected {
                assert_eq!(headers[*name]["required"], true, "{method} {path} {status}");
            }
            if let Some(retry) = headers.get("Retry-After") {
                assert_eq!(retry["schema"]["type"], "integer", "{method} {path}");
            }
        }
    }
}

#[test]
fn every_status_the_middleware_can_send_is_declared() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        let statuses: &[&str] = if path.starts_with("/health/") {
            &["403", "408", "413"]
        } else if path.ends_with("/events") && method == "get" {
            // A stream takes no admission place and has no deadline.
            &["403", "408", "413", "500", "503"]
        } else {
            &["403", "408", "413", "500", "503", "504"]
        };
        for status in statuses {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} does not declare {status}"
            );
        }
    }
}

#[test]
fn each_error_response_lists_its_codes_and_its_schema_enumerates_them() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        let mut listed = Vec::new();
        for (status, response) in op["responses"].as_object().unwrap() {
            let description = response["description"].as_str().unwrap();
            assert!(!description.is_empty(), "{method} {path} {status}");
            // Successes, and 304s (which have no body).
            if status.starts_with('2') || status.starts_with('3') {
                continue;
            }
            let schema = &response["content"]["application/problem+json"]["schema"];
            let problem = referenced(&spec, schema);
            let codes: Vec<&str> = problem["properties"]["code"]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} {status}: code is no enum"))
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            let here: Vec<&str> = codes
                .iter()
                .copied()
                .filter(|code| description.contains(&format!("`{code}`")))
                .collect();
            assert!(!here.is_empty(), "{method} {path} {status} names no code");
            listed.extend(here);
            let required = problem["required"].as_array().unwrap();
            assert!(required.contains(&json!("request_id")));
            // The schema's own example is one of its codes too.
            let shown = problem["example"]["code"].as_str().unwrap_or_default();
            assert!(codes.contains(&shown), "{method} {path}: example {shown}");
        }
        let schema = &op["responses"]["403"]["content"]["application/problem+json"]["schema"];
        for code in referenced(&spec, schema)["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
        {
            let code = code.as_str().unwrap();
            assert!(
                listed.contains(&code),
                "{method} {path}: `{code}` in no response"
            );
        }
    }
}

#[test]
fn every_response_body_shows_an_example() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(content) = response["content"].as_object() else {
                continue;
            };
            for media in content.values() {
                let schema = referenced(&spec, &media["schema"]);
                assert!(
                    schema["example"].is_object(),
                    "{method} {path} {status} has no example"
                );
            }
        }
    }
}

#[test]
fn each_error_response_shows_a_problem_of_each_of_its_codes() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    for (path, method, op) in operations(&spec) {
        let mut shown = Vec::new();
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(media) = response["content"].get("application/problem+json") else {
                continue;
            };
            let at = format!("{method} {path} {status}");
            let problem = referenced(&spec, &media["schema"]);
            let enumerated = problem["properties"]["code"]["enum"].as_array().unwrap();
            let description = response["description"].as_str().unwrap();
            let examples = media["examples"]
                .as_object()
                .unwrap_or_else(|| panic!("{at}: no examples"));
            let mut codes = Vec::new();
            for example in examples.values() {
                let summary = &example["summary"];
                let example = &example["value"];
                assert_eq!(example["status"].to_string(), *status, "{at}");
                assert_eq!(summary, &example["detail"], "{at}");
                let code = example["code"].as_str().unwrap_or_else(|| panic!("{at}"));
                assert!(description.contains(&format!("`{code}`")), "{at}: {code}");
                // Valid against its schema: every required member, no other.
                assert_members(example, problem, &at);
                assert!(enumerated.contains(&json!(code)), "{at}: {code}");
                if status == "422" && code == "validation_failed" {
                    let entry = &example["errors"][0];
                    assert_members(entry, &schemas["FieldError"], &at);
                    let field = entry["field"].as_str().unwrap();
                    let taken = match entry["in"].as_str().unwrap() {
                        "body" => op["requestBody"].is_object(),
                        _ => op["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| p["name"] == field && p["in"] == entry["in"]),
                    };
                    assert!(taken, "{at}: the example names {entry}");
                }
                codes.push(code.to_owned());
                shown.push(example.clone());
            }
            // Every code the description gives this status is shown.
            for code in enumerated.iter().filter_map(|c| c.as_str()) {
                if description.contains(&format!("`{code}`")) {
                    assert!(
                        codes.iter().any(|c| c == code),
                        "{at}: no example of {code}"
                    );
                }
            }
        }
        // No two examples of an operation are the same problem.
        for (i, example) in shown.iter().enumerate() {
            assert!(!shown[i + 1..].contains(example), "{method} {path}");
        }
    }
}

/// `value` has every member `schema` requires and none it does not declare.
fn assert_members(value: &Value, schema: &Value, at: &str) {
    let members = value.as_object().unwrap_or_else(|| panic!("{at}: {value}"));
    for name in schema["required"].as_array().unwrap() {
        assert!(
            members.contains_key(name.as_str().unwrap()),
            "{at}: no {name}"
        );
    }
    for name in members.keys() {
        assert!(
            schema["properties"][name].is_object(),
            "{at}: undeclared {name}"
        );
    }
}

#[test]
fn descriptions_say_only_what_their_operation_can_answer() {
    let spec = spec();
    let op = |path: &str, method: &str| spec["paths"][path][method].clone();
    let text = |op: &Value, status: &str| op["responses"][status]["description"].to_string();
    let get_task = op("/api/{user_id}/tasks/{task_id}", "get");
    assert!(!text(&get_task, "422").contains("idempotency_key_reused"));
    assert!(!text(&get_task, "401").contains("refresh"));
    let create = op("/api/{user_id}/tasks", "post");
    assert!(text(&create, "422").contains("idempotency_key_reused"));
    let refresh = op("/api/auth/refresh", "post");
    assert!(text(&refresh, "401").contains("invalid_refresh_token"));
}

backend_test!(
    json_answers_carry_plain_application_json,
    |app| async move {
        let s = app.sign_up().await;
        let created = app
            .authed(Method::POST, &app.tasks_path(&s), &s)
            .json(&json!({"title": "Buy milk"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        assert_eq!(created.headers()["content-type"], "application/json");
        let listed = app
            .authed(Method::GET, &app.tasks_path(&s), &s)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.headers()["content-type"], "application/json");
        let page: Value = listed.json().await.unwrap();
        assert_eq!(page["items"][0]["title"], "Buy milk");
        for path in ["/health/live", "/health/ready"] {
            let resp = app.request(Method::GET, path).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.headers()["content-type"], "application/json", "{path}");
        }
    }
);
