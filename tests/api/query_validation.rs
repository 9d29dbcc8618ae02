//! Query and path parameters: a 422 names every bad one at once, and the
//! limits the published spec declares for a parameter are exactly the
//! limits the server holds it to.
use reqwest::{Method, Response};
use serde_json::Value;

use crate::backend_test;
use crate::harness::{Session, TestApp, invalid_entries};

/// Each error of a 422 as `(in, field, code)`, in order.
async fn named(resp: Response) -> Vec<(String, String, String)> {
    let entries = invalid_entries(resp).await;
    let named = entries
        .into_iter()
        .map(|(at, field, code, _)| (at, field, code));
    named.collect()
}

fn query(field: &str, code: &str) -> (String, String, String) {
    ("query".into(), field.into(), code.into())
}

backend_test!(
    every_bad_list_parameter_is_reported_at_once,
    |app| async move {
        let s = app.sign_up().await;
        let long = "q".repeat(201);
        let tags = "&tag=t".repeat(21);
        let bad = format!(
            "status=done&q={long}&priority=low&priority=huge{tags}&due_before=soon\
         &due_after=later&overdue=maybe&sort=size&order=up&limit=0&offset=-1"
        );
        assert_eq!(
            named(app.list_response(&s, &bad).await).await,
            [
                query("status", "not_one_of"),
                query("q", "too_long"),
                query("priority", "not_one_of"),
                query("tag", "too_long"),
                query("due_before", "invalid_format"),
                query("due_after", "invalid_format"),
                query("overdue", "wrong_type"),
                query("sort", "not_one_of"),
                query("order", "not_one_of"),
                query("limit", "out_of_range"),
                query("offset", "wrong_type"),
            ]
        );
        // One bad parameter among good ones is named alone.
        let one = app
            .list_response(&s, "status=pending&limit=101&sort=title")
            .await;
        assert_eq!(named(one).await, [query("limit", "out_of_range")]);
    }
);

backend_test!(
    bad_paths_are_reported_with_bad_parameters,
    |app| async move {
        let s = app.sign_up().await;
        let resp = app
            .send(&s, Method::DELETE, "/api/not-a-user/tasks?status=all", None)
            .await;
        assert_eq!(
            named(resp).await,
            [
                ("path".into(), "user_id".into(), "invalid_format".into()),
                query("status", "not_one_of"),
            ]
        );
        let changes = format!(
            "/api/{}/changes?cursor={}&limit=501",
            s.user_id,
            "c".repeat(129)
        );
        let resp = app.send(&s, Method::GET, &changes, None).await;
        assert_eq!(
            named(resp).await,
            [query("cursor", "too_long"), query("limit", "out_of_range")]
        );
    }
);

/// A value of `schema` for the `n`-th repetition of a parameter.
fn item(spec: &Value, schema: &Value, n: usize) -> String {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &spec["components"]["schemas"][name]
        }
        None => schema,
    };
    match schema["enum"].as_array() {
        Some(values) => values[n % values.len()].as_str().unwrap().to_owned(),
        None => format!("v{n}"),
    }
}

/// Each limit the spec declares for a query parameter of `operation_id`,
/// as `(parameter, query at the limit, query one past it, code past it)`.
fn limits(spec: &Value, operation_id: &str) -> Vec<(String, String, String, &'static str)> {
    let operation = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .find(|o| o["operationId"] == operation_id)
        .unwrap_or_else(|| panic!("{operation_id} in the spec"));
    let mut found = Vec::new();
    for param in operation["parameters"].as_array().unwrap() {
        let (name, schema) = (param["name"].as_str().unwrap(), &param["schema"]);
        if param["in"] != "query" {
            continue;
        }
        let at = |value: &dyn ToString| format!("{name}={}", value.to_string());
        let int = |k: &str| schema[k].as_f64().map(|v| v as u64);
        if let Some(max) = int("maximum") {
            found.push((name.into(), at(&max), at(&(max + 1)), "out_of_range"));
        }
        if let Some(min) = int("minimum").filter(|&min| min > 0) {
            found.push((name.into(), at(&min), at(&(min - 1)), "out_of_range"));
        }
        if let Some(max) = int("maxLength") {
            let text = |n| "a".repeat(n as usize);
            found.push((name.into(), at(&text(max)), at(&text(max + 1)), "too_long"));
        }
        if let Some(max) = int("maxItems") {
            let repeat = |n: u64| {
                let items = (0..n as usize).map(|i| at(&item(spec, &schema["items"], i)));
                items.collect::<Vec<_>>().join("&")
            };
            found.push((name.into(), repeat(max), repeat(max + 1), "too_long"));
        }
    }
    found
}

/// The request of `operation_id` with `query`.
async fn call(app: &TestApp, s: &Session, operation_id: &str, query: &str) -> Response {
    let path = match operation_id {
        "listTasks" => app.tasks_path(s),
        "listChanges" => format!("/api/{}/changes", s.user_id),
        other => panic!("no request for {other}"),
    };
    app.send(s, Method::GET, &format!("{path}?{query}"), None)
        .await
}

backend_test!(
    the_limits_the_spec_declares_are_the_limits_held,
    |app| async move {
        let s = app.sign_up().await;
        let spec = app.served_spec().await;
        let mut checked = 0;
        for operation_id in ["listTasks", "listChanges"] {
            for (name, at_limit, past_it, code) in limits(&spec, operation_id) {
                let resp = call(&app, &s, operation_id, &at_limit).await;
                if resp.status() == 422 {
                    let errors = named(resp).await;
                    // (A cursor at its length limit is still not one the
                    // server issued: only the limit's own code is ruled out.)
                    assert!(
                        !errors.iter().any(|(_, f, c)| *f == name && c == code),
                        "{operation_id}?{at_limit}: {errors:?}"
                    );
                }
                let resp = call(&app, &s, operation_id, &past_it).await;
                assert_eq!(
                    named(resp).await,
                    [query(&name, code)],
                    "{operation_id}?{past_it}"
                );
                checked += 1;
            }
        }
        // limit (min, max) and offset (max) of both lists' pages, q, cursor,
        // priority and tag.
        assert!(checked >= 8, "{checked} limits");
    }
);
