//! Bad requests of every kind get problem+json with the right status.
use reqwest::Method;
use serde_json::json;

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
