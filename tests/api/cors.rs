//! Issue 7, visibility: CORS for the browser origins the settings allow.
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
