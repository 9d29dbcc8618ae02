//! Bad requests of every kind get problem+json with the right status.
use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{assert_invalid, assert_problem};

backend_test!(malformed_json_is_422_against_the_body, |app| async move {
    let s = app.sign_up().await;
    let resp = app
        .authed(Method::POST, &app.tasks_path(&s), &s)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "").await;
    let resp = app
        .authed(Method::POST, &app.tasks_path(&s), &s)
        .json(&json!(["not", "an", "object"]))
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "").await;
});

backend_test!(a_body_that_is_not_json_is_415, |app| async move {
    let s = app.sign_up().await;
    let resp = app
        .authed(Method::POST, &app.tasks_path(&s), &s)
        .header("content-type", "text/plain")
        .body("title=x")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported_media_type").await;
});

backend_test!(a_body_over_64_kib_is_413, |app| async move {
    let s = app.sign_up().await;
    let big = json!({"title": "t", "description": "d".repeat(64 * 1024)});
    let resp = app
        .authed(Method::POST, &app.tasks_path(&s), &s)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 413, "payload_too_large").await;
    // Chunked, with no Content-Length to refuse early.
    let stream = chunked(big.to_string().into_bytes());
    let resp = app
        .authed(Method::POST, &app.tasks_path(&s), &s)
        .header("content-type", "application/json")
        .body(stream)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 413, "payload_too_large").await;
    assert_eq!(app.list(&s, "").await["total"], 0);
});

/// A body reqwest sends chunked (its length unknown up front).
fn chunked(bytes: Vec<u8>) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(8192).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(tokio_stream::iter(chunks))
}

backend_test!(unknown_routes_and_methods_are_problems, |app| async move {
    let resp = app
        .request(Method::GET, "/api/nothing-here")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    let resp = app
        .request(Method::PUT, "/api/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["allow"], "DELETE, GET");
    assert_problem(resp, 405, "method_not_allowed").await;
});

backend_test!(a_path_id_that_is_not_a_uuid_is_422, |app| async move {
    let s = app.sign_up().await;
    let resp = app
        .authed(Method::GET, &format!("{}/42", app.tasks_path(&s)), &s)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
});

/// The `detail`s the spec's examples show for `status` of the operation at
/// `template` and `method`, by code.
fn shown(spec: &Value, template: &str, method: &str, status: u16) -> Vec<(String, String)> {
    let response = &spec["paths"][template][method]["responses"][status.to_string()];
    let examples = response["content"]["application/problem+json"]["examples"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} {status} shows no examples"));
    examples
        .values()
        .map(|example| {
            let value = &example["value"];
            let text = |name: &str| value[name].as_str().unwrap().to_owned();
            (text("code"), text("detail"))
        })
        .collect()
}

backend_test!(
    what_the_server_answers_is_among_its_operations_examples,
    |app| async move {
        let spec = app.served_spec().await;
        let s = app.sign_up().await;
        let task = format!("{}/{}", app.tasks_path(&s), uuid::Uuid::nil());
        let events = format!("/api/{}/events?ticket=used-or-never-issued", s.user_id);
        let form = "application/x-www-form-urlencoded";
        let answers = [
            (
                "/api/{user_id}/tasks/{task_id}",
                app.authed(Method::GET, &task, &s),
            ),
            (
                "/api/{user_id}/tasks/{task_id}",
                app.authed(Method::GET, &format!("{}/42", app.tasks_path(&s)), &s),
            ),
            ("/api/auth/me", app.request(Method::GET, "/api/auth/me")),
            (
                "/api/auth/me",
                app.request(Method::GET, "/api/auth/me")
                    .bearer_auth("not-a-jwt"),
            ),
            (
                "/api/{user_id}/tasks",
                app.authed(Method::POST, &app.tasks_path(&s), &s)
                    .header("content-type", "text/plain")
                    .body("title=x"),
            ),
            (
                "/api/auth/token",
                app.request(Method::POST, "/api/auth/token")
                    .json(&json!({})),
            ),
            (
                "/api/auth/token",
                app.request(Method::POST, "/api/auth/token")
                    .header("content-type", form)
                    .body("grant_type=password&username=a@example.com"),
            ),
            ("/api/{user_id}/events", app.request(Method::GET, &events)),
            (
                "/api/auth/token",
                app.request(Method::POST, "/api/auth/token")
                    .header("content-type", form)
                    .body("grant_type=password&username=nobody@example.com&password=guess"),
            ),
        ];
        let mut details = Vec::new();
        for (template, request) in answers {
            let request = request.build().unwrap();
            let method = request.method().as_str().to_lowercase();
            let resp = app.client.execute(request).await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            let (code, detail) = (
                body["code"].as_str().unwrap(),
                body["detail"].as_str().unwrap(),
            );
            let examples = shown(&spec, template, &method, status);
            assert!(
                examples
                    .iter()
                    .any(|(c, d)| (c.as_str(), d.as_str()) == (code, detail)),
                "{method} {template} {status}: `{code}` \"{detail}\" is not among {examples:?}"
            );
            details.push(detail.to_owned());
        }
        // Each sentence is true of its operation.
        assert!(details[5].contains(form), "{}", details[5]);
        assert_eq!(details[6], "`password` is required");
        assert!(!details[7].contains("bearer"), "{}", details[7]);
        assert!(details[7].contains("ticket"), "{}", details[7]);
    }
);
