//! Issue 6: at most BCRYPT_CONCURRENCY password checks run at once; beyond
//! that a request waits BCRYPT_MAX_WAIT_MS, then gets 503 `server_busy`.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::backend_test;
use crate::helpers::{assert_problem, spawn_tweaked};
use crate::sessions::log_in;

backend_test!(
    password_checks_beyond_the_bound_get_503_instead_of_queueing,
    |backend| async move {
        let app = spawn_tweaked(backend, |s| {
            s.bcrypt_cost = 12;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
        })
        .await;
        let attempts: Vec<_> = (0..4)
            .map(|i| {
                let (client, url) = (app.client.clone(), app.url("/api/auth/login"));
                tokio::spawn(async move {
                    let email = format!("busy{i}@example.com");
                    let body = json!({"email": email, "password": "wrong password"});
                    client.post(url).json(&body).send().await.unwrap()
                })
            })
            .collect();
        let mut busy = 0;
        for attempt in attempts {
            let resp = attempt.await.unwrap();
            if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(resp.headers()["retry-after"], "1");
                assert_problem(resp, 503, "server_busy").await;
                busy += 1;
            } else {
                assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
            }
        }
        assert!((1..4).contains(&busy), "{busy} of 4 were refused as busy");
        // Once the work is done the server answers normally again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let resp = log_in(&app, "busy0@example.com", "wrong password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
);
