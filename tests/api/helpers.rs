//! `spawn_app()`: the real server on port 0 over a fresh, migrated database,
//! and typed helpers to talk HTTP to it.
use std::sync::Arc;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tasks_api::config::{AppEnv, Settings};
use tasks_api::startup::Application;
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `db_test!(name, |app| async move {..})`
/// makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// The URL of a new, empty database for one test.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("tasks.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin_url = match std::env::var("TEST_DATABASE_URL") {
                Ok(url) => url,
                Err(_) if std::env::var("TASKS_API_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
                    // Opting out must be explicit; the test still fails so
                    // the report never counts a leg that did not run.
                    panic!(
                        "PostgreSQL leg not run: TASKS_API_SKIP_POSTGRES=1 (use scripts/test.sh)"
                    )
                }
                Err(_) => panic!(
                    "TEST_DATABASE_URL is not set: the PostgreSQL leg needs a server (scripts/test.sh provisions one)"
                ),
            };
            let admin = Database::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
            let name = format!("tasks_test_{}", Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            (url.to_string(), None)
        }
    }
}

pub fn settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned().into(),
        bind_addr: "127.0.0.1:0".into(),
        app_env: AppEnv::Development,
        jwt_secret: Some(JWT_SECRET.to_owned().into()),
        jwt_ttl_seconds: 900,
        jwt_issuer: "tasks-api".into(),
        jwt_audience: "tasks-api".into(),
        // Tests use the lowest cost; benchmarks and production the real one.
        bcrypt_cost: 4,
        cors_origins: vec![],
        log_format: None,
        rust_log: "error".into(),
        database_max_connections: 5,
        refresh_ttl_seconds: 30 * 24 * 3600,
        auth_failures_per_email: 10,
        // Every test client is 127.0.0.1: the per-address limit is tested
        // in its own apps (tests/api/rate_limits.rs).
        auth_requests_per_ip: 1_000_000,
        auth_window_seconds: 900,
        trusted_proxies: Default::default(),
        bcrypt_concurrency: None,
        bcrypt_max_wait_ms: 30_000,
        metrics_addr: None,
        max_concurrent_requests: 32,
        admission_max_wait_ms: 5000,
        request_timeout_seconds: 30,
        database_statement_timeout_seconds: 10,
        database_acquire_timeout_ms: 1000,
        shutdown_grace_seconds: 30,
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let (url, dir) = fresh_database(backend).await;
    spawn_with(settings(&url), dir).await
}

pub async fn spawn_with(settings: Settings, dir: Option<tempfile::TempDir>) -> TestApp {
    let app = Application::build(&settings).await.expect("the app builds");
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let db = Database::connect(settings.database_url.expose())
        .await
        .expect("test db connection");
    TestApp {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        _dir: dir.map(Arc::new),
    }
}

/// A signed-up user and their token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn authed(&self, method: Method, path: &str, session: &Session) -> RequestBuilder {
        self.request(method, path).bearer_auth(&session.token)
    }

    pub async fn sign_up_as(&self, email: &str) -> Session {
        let resp = self
            .request(Method::POST, "/api/auth/signup")
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "sign-up of {email}");
        let body: Value = resp.json().await.unwrap();
        Session {
            user_id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn sign_up(&self) -> Session {
        self.sign_up_as(&format!("user-{}@example.com", Uuid::now_v7().simple()))
            .await
    }

    pub fn tasks_path(&self, session: &Session) -> String {
        format!("/api/{}/tasks", session.user_id)
    }

    pub fn task_path(&self, session: &Session, task_id: &str) -> String {
        format!("/api/{}/tasks/{}", session.user_id, task_id)
    }

    /// Creates a task and returns its JSON.
    pub async fn create_task(&self, session: &Session, body: Value) -> Value {
        let resp = self
            .authed(Method::POST, &self.tasks_path(session), session)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "create {body}");
        resp.json().await.unwrap()
    }

    pub async fn get_task(&self, session: &Session, task_id: &str) -> Value {
        let resp = self
            .authed(Method::GET, &self.task_path(session, task_id), session)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// The raw response to a list request with this query string.
    pub async fn list_response(&self, session: &Session, query: &str) -> Response {
        let path = format!("{}?{query}", self.tasks_path(session));
        self.authed(Method::GET, &path, session)
            .send()
            .await
            .unwrap()
    }

    pub async fn list(&self, session: &Session, query: &str) -> Value {
        let resp = self.list_response(session, query).await;
        assert_eq!(resp.status(), StatusCode::OK, "list ?{query}");
        resp.json().await.unwrap()
    }
}

/// Asserts an `application/problem+json` answer with this status and code,
/// naming the request id of its `X-Request-Id` header, and returns its body
/// without that id (which differs on every request).
pub async fn assert_problem(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status for expected {code}");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let mut body: Value = resp.json().await.unwrap();
    let named = body.as_object_mut().and_then(|b| b.remove("request_id"));
    assert_eq!(named, Some(Value::from(request_id)), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    for member in ["type", "title", "detail"] {
        assert!(body[member].is_string(), "problem lacks {member}: {body}");
    }
    body
}

/// Asserts a 422 naming `field` among its errors.
pub async fn assert_invalid(resp: Response, field: &str) -> Value {
    let body = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&field), "expected {field} among {fields:?}");
    body
}

/// Like `db_test!`, for tests that spawn their own apps (custom settings,
/// several instances): the body gets the `Backend` to use.
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$backend:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::helpers::Backend) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// An app over a fresh database, with settings adjusted by `tweak`.
pub async fn spawn_tweaked(backend: Backend, tweak: impl Fn(&mut Settings)) -> TestApp {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = settings(&url);
    tweak(&mut settings);
    spawn_with(settings, dir).await
}

/// Two instances of the app sharing one fresh database (one SQLite file,
/// or one PostgreSQL database), as behind a load balancer.
pub async fn spawn_pair(backend: Backend, tweak: impl Fn(&mut Settings)) -> (TestApp, TestApp) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = settings(&url);
    tweak(&mut settings);
    let first = spawn_with(settings.clone(), dir).await;
    let mut second = spawn_with(settings, None).await;
    // The second instance keeps the first's SQLite directory alive too.
    second._dir = first._dir.clone();
    (first, second)
}
