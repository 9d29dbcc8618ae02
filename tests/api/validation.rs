//! A 422 names every invalid value of a request at once, each with where it
//! is (`in` and `field`: a JSON pointer into the body, or a parameter's
//! name), a documented `code` and a sentence a form can show.
use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{FieldEntry, PASSWORD, assert_invalid, invalid_entries};

type Entry = FieldEntry;

fn entry(location: &str, field: &str, code: &str, message: &str) -> Entry {
    (location.into(), field.into(), code.into(), message.into())
}

fn bad_task() -> Value {
    json!({"title": "", "description": 5, "priority": "huge", "tags": ["ok", " ", 3]})
}

fn bad_task_errors() -> Vec<Entry> {
    vec![
        entry("body", "/title", "too_short", "must not be empty"),
        entry("body", "/description", "wrong_type", "must be a string"),
        entry(
            "body",
            "/priority",
            "not_one_of",
            "must be one of low, medium, high, urgent",
        ),
        entry("body", "/tags/1", "too_short", "must not be empty"),
        entry("body", "/tags/2", "wrong_type", "must be a string"),
    ]
}

backend_test!(every_bad_task_field_is_reported_at_once, |app| async move {
    let s = app.sign_up().await;
    let resp = app
        .send(&s, Method::POST, &app.tasks_path(&s), Some(bad_task()))
        .await;
    assert_eq!(invalid_entries(resp).await, bad_task_errors());
    let task = app.create_task(&s, json!({"title": "kept"})).await;
    let path = app.task_path(&s, task["id"].as_str().unwrap());
    let resp = app.send(&s, Method::PUT, &path, Some(bad_task())).await;
    assert_eq!(invalid_entries(resp).await, bad_task_errors());
    // Once the kinds are right, the rules of each field are reported too.
    let patch = json!({
        "title": "t".repeat(201),
        "due_date": "tomorrow",
        "recurrence": "yearly",
        "tags": ["fine", "x".repeat(51), " "],
        "completed": null,
    });
    let resp = app.send(&s, Method::PATCH, &path, Some(patch)).await;
    assert_eq!(
        invalid_entries(resp).await,
        [
            entry(
                "body",
                "/title",
                "too_long",
                "must be at most 200 characters"
            ),
            entry("body", "/completed", "wrong_type", "must not be null"),
            entry(
                "body",
                "/tags/1",
                "too_long",
                "must be at most 50 characters"
            ),
            entry("body", "/tags/2", "too_short", "must not be empty"),
            entry(
                "body",
                "/due_date",
                "invalid_format",
                "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z"
            ),
            entry(
                "body",
                "/recurrence",
                "not_one_of",
                "must be one of daily, weekly, monthly"
            ),
        ]
    );
    assert_eq!(app.get_task(&s, task["id"].as_str().unwrap()).await, task);
});

backend_test!(account_bodies_report_every_bad_field, |app| async move {
    let resp = app
        .sign_up_with(json!({"email": "nope", "password": "ééé", "name": 5}))
        .await;
    assert_eq!(
        invalid_entries(resp).await,
        [
            entry(
                "body",
                "/email",
                "invalid_format",
                "must be a valid email address"
            ),
            entry("body", "/password", "too_short", "must be at least 8 bytes"),
            entry("body", "/name", "wrong_type", "must be a string"),
        ]
    );
    let resp = app
        .request(Method::POST, "/api/auth/login")
        .json(&json!({"email": "", "password": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        invalid_entries(resp).await,
        [
            entry("body", "/email", "too_short", "must not be empty"),
            entry("body", "/password", "wrong_type", "must be a string"),
        ]
    );
    let (_, body) = app.sign_up_body().await;
    let access = body["access_token"].as_str().unwrap();
    let resp = app.change_password(access, "", "short").await;
    assert_eq!(
        invalid_entries(resp).await,
        [
            entry(
                "body",
                "/current_password",
                "too_short",
                "must not be empty"
            ),
            entry(
                "body",
                "/new_password",
                "too_short",
                "must be at least 8 bytes"
            ),
        ]
    );
});

backend_test!(password_limits_are_counted_in_bytes, |app| async move {
    // Four two-byte characters are 8 bytes: enough, though only 4 characters.
    let resp = app
        .sign_up_with(json!({"email": "bytes@example.com", "password": "éééé"}))
        .await;
    assert_eq!(resp.status(), 201);
    // 25 three-byte characters are 75 bytes, though only 25 characters.
    let euros = "€".repeat(25);
    let resp = app
        .sign_up_with(json!({"email": "euro@example.com", "password": euros}))
        .await;
    assert_eq!(
        invalid_entries(resp).await,
        [entry(
            "body",
            "/password",
            "too_long",
            "must be at most 72 bytes"
        )]
    );
    let (_, body) = app.sign_up_body().await;
    let access = body["access_token"].as_str().unwrap();
    let resp = app.change_password(access, PASSWORD, &"€".repeat(25)).await;
    assert_eq!(
        invalid_entries(resp).await,
        [entry(
            "body",
            "/new_password",
            "too_long",
            "must be at most 72 bytes"
        )]
    );
    assert_eq!(
        app.change_password(access, PASSWORD, &"€".repeat(24))
            .await
            .status(),
        204
    );
});

backend_test!(
    a_body_error_and_a_parameter_error_are_reported_together,
    |app| async move {
        let s = app.sign_up().await;
        let resp = app
            .authed(Method::POST, &app.tasks_path(&s), &s)
            .header("idempotency-key", "")
            .json(&json!({"title": 7}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            invalid_entries(resp).await,
            [
                entry("body", "/title", "wrong_type", "must be a string"),
                entry(
                    "header",
                    "Idempotency-Key",
                    "too_short",
                    "must not be empty"
                ),
            ]
        );
        let path = format!("{}/not-a-uuid", app.tasks_path(&s));
        let resp = app.send(&s, Method::PUT, &path, Some(json!({}))).await;
        assert_eq!(
            invalid_entries(resp).await,
            [
                entry("body", "/title", "required", "is required"),
                entry("path", "task_id", "invalid_format", "must be a UUID"),
            ]
        );
    }
);

backend_test!(query_parameters_are_named_in_words, |app| async move {
    let s = app.sign_up().await;
    for (query, expected) in [
        (
            "limit=500",
            entry("query", "limit", "out_of_range", "must be at most 100"),
        ),
        (
            "limit=0",
            entry("query", "limit", "out_of_range", "must be at least 1"),
        ),
        (
            "limit=ten",
            entry(
                "query",
                "limit",
                "wrong_type",
                "must be a whole number, 0 or more",
            ),
        ),
        (
            "sort=size",
            entry(
                "query",
                "sort",
                "not_one_of",
                "must be one of created_at, updated_at, title, due_date, priority",
            ),
        ),
        (
            "due_before=soon",
            entry(
                "query",
                "due_before",
                "invalid_format",
                "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z",
            ),
        ),
    ] {
        let resp = app.list_response(&s, query).await;
        assert_eq!(invalid_entries(resp).await, [expected], "{query}");
    }
    let resp = app
        .send(&s, Method::DELETE, &app.tasks_path(&s), None)
        .await;
    assert_invalid(resp, "status").await;
});

backend_test!(
    json_bodies_are_application_json_with_or_without_charset,
    |app| async move {
        let s = app.sign_up().await;
        let body = r#"{"title": "typed"}"#;
        for content_type in ["application/json", "application/json; charset=utf-8"] {
            let resp = app
                .authed(Method::POST, &app.tasks_path(&s), &s)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201, "{content_type}");
        }
        for content_type in [
            "text/plain",
            "application/json; charset=latin1",
            // JSON, but a media type with rules of its own no operation declares.
            "application/merge-patch+json",
        ] {
            let resp = app
                .authed(Method::POST, &app.tasks_path(&s), &s)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 415, "{content_type}");
        }
        let resp = app
            .authed(Method::POST, &app.tasks_path(&s), &s)
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(
            invalid_entries(resp).await,
            [entry(
                "body",
                "",
                "invalid_format",
                "must be valid JSON (line 1, column 10)"
            )]
        );
    }
);

backend_test!(
    the_spec_declares_request_bodies_as_plain_json,
    |app| async move {
        let spec = app.served_spec().await;
        let mut bodies = 0;
        for operation in spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
        {
            let Some(content) = operation["requestBody"]["content"].as_object() else {
                continue;
            };
            bodies += 1;
            let types: Vec<&String> = content.keys().collect();
            assert!(
                types == ["application/json"] || types == ["application/x-www-form-urlencoded"],
                "{types:?}"
            );
        }
        assert!(bodies >= 10, "{bodies} request bodies");
        let codes = &spec["components"]["schemas"]["FieldErrorCode"]["enum"];
        assert_eq!(codes, &json!(crate::harness::FIELD_CODES));
        let password = &spec["components"]["schemas"]["SignUpRequest"]["properties"]["password"];
        // No `maxLength`: 72 characters may be far over the 72 bytes allowed.
        assert!(password.get("maxLength").is_none(), "{password}");
        assert!(password["description"].as_str().unwrap().contains("bytes"));
    }
);
