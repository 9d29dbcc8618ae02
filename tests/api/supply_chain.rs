//! Why the two quick-xml advisories in deny.toml cannot be reached: quick-xml
//! comes in only through poem and poem-openapi, whose XML payloads would parse
//! a request body with it. No operation declares an XML body, so poem-openapi
//! refuses one with 415 before anything reads it.
use reqwest::Method;
use serde_json::Value;

use crate::backend_test;
use crate::harness::{Backend, TestApp};

fn spec() -> Value {
    serde_json::from_str(&tasks_api::startup::openapi().spec()).unwrap()
}

/// Every (path, method) whose operation takes a request body, with its media types.
fn bodies(spec: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(content) = op["requestBody"]["content"].as_object() {
                let types = content.keys().cloned().collect();
                found.push((path.clone(), method.clone(), types));
            }
        }
    }
    assert!(
        found.len() >= 8,
        "only {} operations take a body",
        found.len()
    );
    found
}

#[test]
fn no_operation_reads_an_xml_body() {
    for (path, method, types) in bodies(&spec()) {
        for media in types {
            assert!(!media.contains("xml"), "{method} {path} reads {media}");
        }
    }
}

/// One start tag with many namespace declarations and attributes: the shape
/// of both advisories (quadratic duplicate-attribute check, unbounded
/// namespace bindings), kept under the 64 KiB body limit.
fn hostile_xml() -> String {
    let mut tag = String::from("<task");
    for i in 0..1500 {
        tag.push_str(&format!(" xmlns:n{i}=\"u\" a{i}=\"v\""));
    }
    tag + "/>"
}

backend_test!(
    only Sqlite: every_operation_refuses_an_xml_body_unread,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let s = app.sign_up().await;
        let task = app.create_task(&s, serde_json::json!({"title": "x"})).await;
        let task_id = task["id"].as_str().unwrap();
        let xml = hostile_xml();
        for (path, method, _) in bodies(&spec()) {
            let path = path
                .replace("{user_id}", &s.user_id)
                .replace("{task_id}", task_id);
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = app
                .authed(method.clone(), &path, &s)
                .header("content-type", "application/xml")
                .body(xml.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 415, "{method} {path}");
        }
    }
);
