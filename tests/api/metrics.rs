//! Visibility: the metrics listener and what it counts.
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::backend_test;
use crate::harness::{Backend, PASSWORD, TestApp, assert_each_overlaps, assert_overlapped, timed};

/// One sample of the scrape, e.g. `tasks_api_http_requests_total` with
/// `{operation="createTask",status="201"}`.
pub(crate) fn sample(scrape: &str, name: &str, labels: &str) -> Option<f64> {
    let key = format!("{name}{labels} ");
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(&key))
        .map(|value| value.trim().parse().expect("a number"))
}

/// Waits (at most 5 s) until `app`'s bcrypt threads are all busy, `threads`
/// of them: for a test that needs a password operation hashing while it
/// sends others. `app` needs a metrics listener.
pub(crate) async fn wait_until_hashing(app: &TestApp, threads: usize) {
    let addr = app.metrics.expect("a metrics listener");
    for _ in 0..250 {
        let text = scrape(&app.client, addr).await;
        if sample(&text, "tasks_api_bcrypt_in_flight", "") == Some(threads as f64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no password operation reached the hashing threads in 5 s");
}

pub(crate) async fn scrape(client: &reqwest::Client, addr: std::net::SocketAddr) -> String {
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
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.metrics_addr = Some("127.0.0.1:0".into());
        })
        .await;
        let addr = app.metrics.expect("a metrics listener");
        let s = app.sign_up().await;
        for title in ["one", "two"] {
            app.create_task(&s, json!({"title": title})).await;
        }
        let missing = app.task_path(&s, &Uuid::now_v7().to_string());
        let resp = app.authed(Method::GET, &missing, &s).send().await.unwrap();
        assert_eq!(resp.status(), 404);

        let text = scrape(&app.client, addr).await;
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
        // The sign-up hashed, so one hash's time is known; nothing waits.
        let hash = sample(&text, "tasks_api_bcrypt_hash_seconds", "").unwrap();
        assert!(hash > 0.0 && hash < 5.0, "{hash}");
        let wait = sample(&text, "tasks_api_bcrypt_expected_wait_seconds", "");
        assert_eq!(wait, Some(0.0));

        // The public listener does not serve them.
        let public = app.request(Method::GET, "/metrics").send().await.unwrap();
        assert_eq!(public.status(), 404);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_requests_queueing_for_bcrypt() {
    let app = TestApp::with(Backend::Sqlite, |s| {
        s.metrics_addr = Some("127.0.0.1:0".into());
        s.bcrypt_cost = 12;
        s.bcrypt_concurrency = Some(1);
    })
    .await;
    let addr = app.metrics.unwrap();
    let signups: Vec<_> = (0..3)
        .map(|i| {
            let email = format!("q{i}-{}@example.com", Uuid::now_v7().simple());
            tokio::spawn(timed(app.sign_up_request(&email, PASSWORD).send()))
        })
        .collect();
    // The first sign-up may still be on its database steps when the third
    // already waits for the thread, and all three may be queued before the
    // thread (at a lower priority) takes the first; wait for one to be
    // hashing while another waits, and never see more than were sent.
    let mut seen = false;
    for _ in 0..100 {
        let text = scrape(&app.client, addr).await;
        let queue = sample(&text, "tasks_api_bcrypt_queue_length", "").unwrap();
        let running = sample(&text, "tasks_api_bcrypt_in_flight", "").unwrap();
        assert!(
            queue + running <= 3.0 && running <= 1.0,
            "queue {queue}, running {running}"
        );
        if queue >= 1.0 && running == 1.0 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "never one sign-up hashing while another waited");
    let mut spans = vec![];
    for signup in signups {
        let (resp, span) = signup.await.unwrap();
        assert_eq!(resp.unwrap().status(), 201);
        spans.push(span);
    }
    assert_overlapped(&spans, "three sign-ups");
    // A hashing thread sends its answer just before it counts itself idle,
    // so the gauges settle a moment after the last answer (bounded: 1 s).
    let mut settled = None;
    for _ in 0..50 {
        let text = scrape(&app.client, addr).await;
        let queue = sample(&text, "tasks_api_bcrypt_queue_length", "");
        let running = sample(&text, "tasks_api_bcrypt_in_flight", "");
        settled = Some((queue, running));
        if settled == Some((Some(0.0), Some(0.0))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(settled, Some((Some(0.0), Some(0.0))), "(queue, running)");
}

backend_test!(
    requests_refused_before_routing_are_counted_under_their_operation,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.metrics_addr = Some("127.0.0.1:0".into());
            // ~60 ms a hash: long enough for six logins to overlap.
            s.bcrypt_cost = 10;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
        })
        .await;
        let addr = app.metrics.expect("a metrics listener");
        // One bcrypt thread and no wait allowed: of six logins at once, the
        // ones that come while it hashes are refused (503 `server_busy`).
        let logins: Vec<_> = (0..6)
            .map(|i| {
                let email = format!("busy{i}@example.com");
                tokio::spawn(timed(app.log_in_request(&email, PASSWORD).send()))
            })
            .collect();
        let (mut busy, mut refused, mut checked) = (0.0, vec![], vec![]);
        for login in logins {
            let (resp, span) = login.await.unwrap();
            if resp.unwrap().status() == 503 {
                busy += 1.0;
                refused.push(span);
            } else {
                checked.push(span);
            }
        }
        // Each refusal came while a login that was queued was in flight.
        assert_each_overlaps(&refused, &checked, "logins refused as busy");
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
