//! Issue 7, visibility: request ids, security headers, CORS and metrics.
//! (`assert_problem` checks that a problem names the request id of its
//! `X-Request-Id` header.)
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, PASSWORD, assert_problem, spawn_tweaked};
use crate::serve::{prepared, serve};
use crate::{backend_test, db_test};

db_test!(
    a_sane_request_id_is_echoed_and_named_in_problems,
    |app| async move {
        let s = app.sign_up().await;
        let id = "client-chosen.id:42";
        let resp = app
            .authed(
                Method::GET,
                &app.task_path(&s, &Uuid::now_v7().to_string()),
                &s,
            )
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], id);
        assert_problem(resp, 404, "task_not_found").await;

        let resp = app
            .authed(Method::GET, &app.tasks_path(&s), &s)
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-request-id"], id);
    }
);

db_test!(
    an_unusable_request_id_is_replaced_by_a_new_one,
    |app| async move {
        for sent in ["has spaces", &"x".repeat(129), "quote\"d"] {
            let resp = app
                .request(Method::GET, "/api/nothing-here")
                .header("x-request-id", sent)
                .send()
                .await
                .unwrap();
            let made = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
            assert_ne!(made, sent);
            let uuid: Uuid = made.parse().expect("a generated id is a UUID");
            assert_eq!(uuid.get_version_num(), 7);
            assert_problem(resp, 404, "not_found").await;
        }
        // Without one, every response still gets its own.
        let first = app
            .request(Method::GET, "/health/live")
            .send()
            .await
            .unwrap();
        let second = app
            .request(Method::GET, "/health/live")
            .send()
            .await
            .unwrap();
        assert_ne!(
            first.headers()["x-request-id"],
            second.headers()["x-request-id"]
        );
    }
);

db_test!(
    poems_own_errors_carry_the_request_id_too,
    |app| async move {
        let s = app.sign_up().await;
        let resp = app
            .request(Method::PUT, "/api/auth/me")
            .header("x-request-id", "wrong-method")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "wrong-method");
        assert_problem(resp, 405, "method_not_allowed").await;
        let resp = app
            .authed(Method::POST, &app.tasks_path(&s), &s)
            .header("x-request-id", "too-big")
            .json(&json!({"title": "t", "description": "d".repeat(70 * 1024)}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "too-big");
        assert_problem(resp, 413, "payload_too_large").await;
    }
);

db_test!(
    every_response_tells_browsers_not_to_sniff,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "t"})).await;
        let paths = [
            "/docs".to_owned(),
            "/openapi.json".to_owned(),
            "/health/ready".to_owned(),
            "/api/nothing-here".to_owned(),
            app.task_path(&s, task["id"].as_str().unwrap()),
        ];
        for path in paths {
            let resp = app.authed(Method::GET, &path, &s).send().await.unwrap();
            assert_eq!(
                resp.headers()["x-content-type-options"],
                "nosniff",
                "{path}"
            );
        }
    }
);

db_test!(
    auth_responses_are_never_stored_by_caches,
    |app| async move {
        let email = format!("cache-{}@example.com", Uuid::now_v7().simple());
        let credentials = json!({"email": email, "password": PASSWORD});
        let signup = app
            .request(Method::POST, "/api/auth/signup")
            .json(&credentials)
            .send()
            .await
            .unwrap();
        assert_eq!(signup.status(), StatusCode::CREATED);
        assert_eq!(signup.headers()["cache-control"], "no-store");
        let session: Value = signup.json().await.unwrap();
        let token = session["access_token"].as_str().unwrap();
        let wrong = json!({"email": email, "password": "not the password"});
        let requests = [
            app.request(Method::POST, "/api/auth/login")
                .json(&credentials),
            app.request(Method::POST, "/api/auth/login").json(&wrong),
            app.request(Method::GET, "/api/auth/me").bearer_auth(token),
            app.request(Method::GET, "/api/auth/me"),
            app.request(Method::POST, "/api/auth/refresh")
                .json(&json!({"refresh_token": session["refresh_token"]})),
            app.request(Method::POST, "/api/auth/token").form(&[
                ("grant_type", "password"),
                ("username", email.as_str()),
                ("password", PASSWORD),
            ]),
        ];
        for request in requests {
            let resp = request.send().await.unwrap();
            let what = format!("{} {}", resp.status(), resp.url().path());
            assert_eq!(resp.headers()["cache-control"], "no-store", "{what}");
        }
    }
);

/// An app that lets one browser origin in.
async fn app_with_cors() -> crate::helpers::TestApp {
    spawn_tweaked(Backend::Sqlite, |s| {
        s.cors_origins = vec!["http://app.example".into()];
    })
    .await
}

fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::RequestBuilder {
    app.request(Method::OPTIONS, "/api/auth/login")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, x-request-id",
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cors_preflight_from_an_allowed_origin_is_granted() {
    let app = app_with_cors().await;
    let resp = preflight(&app, "http://app.example").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let headers = resp.headers();
    assert_eq!(headers["access-control-allow-origin"], "http://app.example");
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("x-request-id"), "{allowed}");
    // The real request then lets the page read the request id.
    let resp = app
        .request(Method::GET, "/health/live")
        .header("origin", "http://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://app.example"
    );
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cors_preflight_from_another_origin_is_refused() {
    let app = app_with_cors().await;
    let resp = preflight(&app, "http://evil.example").send().await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers().get("x-request-id").is_some());
    assert_problem(resp, 403, "origin_not_allowed").await;
}

/// One sample of the scrape, e.g. `tasks_api_http_requests_total` with
/// `{operation="createTask",status="201"}`.
fn sample(scrape: &str, name: &str, labels: &str) -> Option<f64> {
    let key = format!("{name}{labels} ");
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(&key))
        .map(|value| value.trim().parse().expect("a number"))
}

async fn scrape(client: &reqwest::Client, addr: std::net::SocketAddr) -> String {
    let resp = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    resp.text().await.unwrap()
}

backend_test!(
    metrics_count_requests_by_operation_and_status,
    |backend| async move {
        let (settings, dir) = prepared(backend, |s| {
            s.metrics_addr = Some("127.0.0.1:0".into());
        })
        .await;
        let app = serve(settings, dir).await;
        let addr = app.metrics.expect("a metrics listener");
        let c = &app.client;
        let email = format!("m-{}@example.com", Uuid::now_v7().simple());
        let session: Value = c
            .post(app.url("/api/auth/signup"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (token, me) = (
            session["access_token"].as_str().unwrap(),
            session["user"]["id"].as_str().unwrap(),
        );
        for title in ["one", "two"] {
            let resp = c
                .post(app.url(&format!("/api/{me}/tasks")))
                .bearer_auth(token)
                .json(&json!({"title": title}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
        }
        let missing = format!("/api/{me}/tasks/{}", Uuid::now_v7());
        let resp = c
            .get(app.url(&missing))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);

        let text = scrape(c, addr).await;
        let requests = "tasks_api_http_requests_total";
        let count = |labels: &str| sample(&text, requests, labels);
        assert_eq!(
            count(r#"{operation="createTask",status="201"}"#),
            Some(2.0),
            "{text}"
        );
        assert_eq!(count(r#"{operation="getTask",status="404"}"#), Some(1.0));
        assert_eq!(count(r#"{operation="signUp",status="201"}"#), Some(1.0));
        let latency = "tasks_api_http_request_duration_seconds_count";
        assert_eq!(
            sample(&text, latency, r#"{operation="createTask",status="201"}"#),
            Some(2.0)
        );
        assert!(text.contains(r#"tasks_api_http_request_duration_seconds_bucket{operation="createTask",status="201",le="0.5"}"#));
        let max = sample(&text, "tasks_api_db_pool_max_connections", "").unwrap();
        assert_eq!(max, if backend == Backend::Sqlite { 8.0 } else { 5.0 });
        let idle = sample(&text, "tasks_api_db_pool_connections", r#"{state="idle"}"#).unwrap();
        assert!((1.0..=max).contains(&idle), "{idle} idle of {max}");
        assert_eq!(
            sample(&text, "tasks_api_bcrypt_queue_length", ""),
            Some(0.0)
        );

        // The public listener does not serve them.
        let public = c.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(public.status(), 404);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_requests_queueing_for_bcrypt() {
    let (settings, dir) = prepared(Backend::Sqlite, |s| {
        s.metrics_addr = Some("127.0.0.1:0".into());
        s.bcrypt_cost = 12;
        s.bcrypt_concurrency = Some(1);
    })
    .await;
    let app = serve(settings, dir).await;
    let addr = app.metrics.unwrap();
    let signups: Vec<_> = (0..3)
        .map(|i| {
            let request = app
                .client
                .post(app.url("/api/auth/signup"))
                .json(&json!({"email": format!("q{i}-{}@example.com", Uuid::now_v7().simple()), "password": PASSWORD}));
            tokio::spawn(request.send())
        })
        .collect();
    // The first sign-up may still be on its database steps when the third
    // already waits for a turn; wait for one to be hashing while another
    // waits, and never see more than the bound.
    let mut seen = false;
    for _ in 0..100 {
        let text = scrape(&app.client, addr).await;
        let queue = sample(&text, "tasks_api_bcrypt_queue_length", "").unwrap();
        let running = sample(&text, "tasks_api_bcrypt_in_flight", "").unwrap();
        assert!(
            queue <= 2.0 && running <= 1.0,
            "queue {queue}, running {running}"
        );
        if queue >= 1.0 && running == 1.0 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "never one sign-up hashing while another waited");
    for signup in signups {
        assert_eq!(signup.await.unwrap().unwrap().status(), 201);
    }
    let text = scrape(&app.client, addr).await;
    assert_eq!(
        sample(&text, "tasks_api_bcrypt_queue_length", ""),
        Some(0.0)
    );
    assert_eq!(sample(&text, "tasks_api_bcrypt_in_flight", ""), Some(0.0));
}

backend_test!(
    requests_refused_before_routing_are_counted_under_their_operation,
    |backend| async move {
        let (settings, dir) = prepared(backend, |s| {
            s.metrics_addr = Some("127.0.0.1:0".into());
            // ~60 ms a hash: long enough for six logins to overlap.
            s.bcrypt_cost = 10;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
        })
        .await;
        let app = serve(settings, dir).await;
        let addr = app.metrics.expect("a metrics listener");
        // One bcrypt slot gives two turns: of six logins at once, the ones
        // without a turn are refused before any route has seen them.
        let logins: Vec<_> = (0..6)
            .map(|i| {
                let body = json!({"email": format!("busy{i}@example.com"), "password": PASSWORD});
                tokio::spawn(
                    app.client
                        .post(app.url("/api/auth/login"))
                        .json(&body)
                        .send(),
                )
            })
            .collect();
        let mut busy = 0.0;
        for login in logins {
            if login.await.unwrap().unwrap().status() == 503 {
                busy += 1.0;
            }
        }
        assert!(busy >= 1.0, "no login was refused");
        let text = scrape(&app.client, addr).await;
        let requests = "tasks_api_http_requests_total";
        assert_eq!(
            sample(&text, requests, r#"{operation="logIn",status="503"}"#),
            Some(busy),
            "{text}"
        );
        assert!(!text.contains(r#"operation="unmatched""#), "{text}");
    }
);
