//! Logs: the real binary in production mode logs one JSON line per
//! request, and never a password, a token, the JWT secret or the database
//! password, whatever the auth flow went through. It also stops cleanly on
//! SIGTERM.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::backend_test;
use crate::harness::{Backend, TestDatabase};

const JWT_SECRET: &str = "log-test-secret-that-must-never-be-logged-0123";
const DB_PASSWORD: &str = "db-password-never-logged";

/// The server binary with its stderr collected line by line.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    base: String,
}

impl Running {
    fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tasks-api"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APP_ENV", "production")
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("BCRYPT_COST", "4")
            // Everything this crate and its libraries say at debug level.
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let started = Instant::now();
        let base = loop {
            let address = lines.lock().unwrap().iter().find_map(|line| {
                let v: Value = serde_json::from_str(line).ok()?;
                (v["message"] == "listening" && v["target"] == "tasks_api::startup")
                    .then(|| v["address"].as_str().map(str::to_owned))
                    .flatten()
            });
            if let Some(address) = address {
                break format!("http://{address}");
            }
            if started.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
                panic!("the server did not start: {:?}", lines.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Self { child, lines, base }
    }

    /// SIGTERM, then the exit status and every line logged.
    fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                self.child.kill().ok();
                panic!("the server did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader thread drains the pipe once the process has gone.
        std::thread::sleep(Duration::from_millis(200));
        let lines = self.lines.lock().unwrap().clone();
        (status, lines)
    }
}

/// The database's URL with a password in it (PostgreSQL's test cluster
/// trusts local connections, so any password works).
fn with_password(database: &TestDatabase, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => database.url().to_owned(),
        Backend::Postgres => {
            let mut url = url::Url::parse(database.url()).unwrap();
            url.set_password(Some(DB_PASSWORD)).unwrap();
            url.to_string()
        }
    }
}

backend_test!(
    logs_name_each_request_and_never_a_secret,
    |backend: Backend| async move {
        let database = TestDatabase::fresh(backend).await;
        let server = Running::start(&with_password(&database, backend));
        let base = server.base.clone();
        let client = reqwest::Client::new();
        let at = |path: &str| format!("{base}{path}");
        let email = format!("logs-{}@example.com", Uuid::now_v7().simple());
        let (first, second, wrong) = (
            "first-password-in-the-logs?",
            "second-password-in-the-logs?",
            "wrong-password-in-the-logs?",
        );
        let mut secrets = vec![
            first.to_owned(),
            second.to_owned(),
            wrong.to_owned(),
            JWT_SECRET.to_owned(),
            DB_PASSWORD.to_owned(),
        ];
        let mut remember = |body: &Value| {
            for key in ["access_token", "refresh_token"] {
                if let Some(token) = body[key].as_str() {
                    secrets.push(token.to_owned());
                }
            }
        };

        let send = |method: Method, path: &str| client.request(method, at(path));
        let signup: Value = send(Method::POST, "/api/auth/signup")
            .json(&json!({"email": email, "password": first}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        remember(&signup);
        let me = signup["user"]["id"].as_str().unwrap().to_owned();
        let resp = send(Method::POST, "/api/auth/login")
            .json(&json!({"email": email, "password": wrong}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let login: Value = send(Method::POST, "/api/auth/login")
            .json(&json!({"email": email, "password": first}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        remember(&login);
        let refreshed: Value = send(Method::POST, "/api/auth/refresh")
            .json(&json!({"refresh_token": login["refresh_token"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        remember(&refreshed);
        let granted: Value = send(Method::POST, "/api/auth/token")
            .form(&[
                ("grant_type", "password"),
                ("username", email.as_str()),
                ("password", first),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        remember(&granted);
        let token = granted["access_token"].as_str().unwrap().to_owned();
        let resp = send(Method::POST, "/api/auth/password")
            .bearer_auth(&token)
            .json(&json!({"current_password": first, "new_password": second}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
        // A refresh token revoked by the password change, presented again.
        let resp = send(Method::POST, "/api/auth/refresh")
            .json(&json!({"refresh_token": refreshed["refresh_token"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = send(Method::POST, &format!("/api/{me}/tasks"))
            .bearer_auth(&token)
            .header("x-request-id", "log-test-create")
            .json(&json!({"title": "a task"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let resp = send(Method::GET, "/api/auth/me")
            .bearer_auth("not.a.valid-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);

        let (status, lines) = server.stop();
        assert!(status.success(), "exit status {status}");
        let log = lines.join("\n");
        for secret in &secrets {
            assert!(
                !log.contains(secret.as_str()),
                "a secret reached the log: {secret}"
            );
        }
        let entries: Vec<Value> = lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
            .collect();
        let create = entries
            .iter()
            .find(|e| e["message"] == "request" && e["span"]["request_id"] == "log-test-create")
            .expect("a line for the create request");
        assert_eq!(create["route"], "/api/{user_id}/tasks");
        assert_eq!(create["operation"], "createTask");
        assert_eq!(create["status"], 201);
        assert_eq!(create["span"]["method"], "POST");
        assert_eq!(create["span"]["user_id"], me.as_str());
        assert!(create["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
        let requests = entries.iter().filter(|e| e["message"] == "request").count();
        assert_eq!(requests, 9, "one line per request");
        assert!(entries.iter().any(|e| e["message"] == "stopped"));
    }
);
