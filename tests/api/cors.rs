//! Visibility: CORS for the browser origins the settings allow.
use reqwest::Method;

use crate::harness::{Backend, TestApp, assert_problem};

/// An app that lets one browser origin in.
async fn app_with_cors() -> TestApp {
    TestApp::with(Backend::Sqlite, |s| {
        s.cors_origins = vec!["http://app.example".into()];
    })
    .await
}

fn preflight(app: &TestApp, origin: &str) -> reqwest::RequestBuilder {
    app.request(Method::OPTIONS, "/api/auth/login")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, x-request-id",
        )
}

/// `GET /health/live` as a browser page at `origin` sends it.
async fn live_from(app: &TestApp, origin: &str) -> reqwest::Response {
    app.request(Method::GET, "/health/live")
        .header("origin", origin)
        .send()
        .await
        .unwrap()
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
    let resp = live_from(&app, "http://app.example").await;
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

/// An app with `CORS_ORIGINS` unset, the default.
async fn app_without_cors() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cors_origins_a_cross_origin_request_is_refused() {
    let app = app_without_cors().await;
    let resp = live_from(&app, "http://elsewhere.example").await;
    assert_eq!(resp.headers()["vary"], "Origin");
    assert_problem(resp, 403, "origin_not_allowed").await;
    // A preflight too: a 403 problem, not 405.
    let resp = preflight(&app, "http://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert_problem(resp, 403, "origin_not_allowed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_origin_is_never_refused() {
    for app in [app_without_cors().await, app_with_cors().await] {
        // What a browser sends with a POST from `/docs` on this server.
        let own = app.base.clone();
        let resp = app
            .request(Method::POST, "/api/auth/signup")
            .header("origin", own)
            .json(&serde_json::json!({"email": "docs@example.com", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        assert!(resp.headers().get("access-control-allow-origin").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_to_an_allowed_origin_vary_on_the_origin() {
    let app = app_with_cors().await;
    let resp = live_from(&app, "http://app.example").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://app.example"
    );
    let vary: Vec<_> = resp.headers().get_all("vary").iter().collect();
    assert!(
        vary.iter().any(|v| v.to_str().unwrap().contains("Origin")),
        "{vary:?}"
    );
}
