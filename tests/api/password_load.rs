//! Issue 6: at most BCRYPT_CONCURRENCY password checks run at once; beyond
//! that a request waits BCRYPT_MAX_WAIT_MS, then gets 503 `server_busy`.
use std::time::Duration;

use reqwest::StatusCode;

use crate::backend_test;
use crate::harness::{Backend, TestApp, assert_each_overlaps, assert_problem, timed};

backend_test!(
    password_checks_beyond_the_bound_get_503_instead_of_queueing,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.bcrypt_cost = 12;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
        })
        .await;
        let attempts: Vec<_> = (0..4)
            .map(|i| {
                let email = format!("busy{i}@example.com");
                let request = app.log_in_request(&email, "wrong password");
                tokio::spawn(timed(async move { request.send().await.unwrap() }))
            })
            .collect();
        let (mut busy, mut refused, mut checked) = (0, vec![], vec![]);
        for attempt in attempts {
            let (resp, span) = attempt.await.unwrap();
            if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(resp.headers()["retry-after"], "1");
                assert_problem(resp, 503, "server_busy").await;
                busy += 1;
                refused.push(span);
            } else {
                assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
                checked.push(span);
            }
        }
        // Each refusal came while a password check held the one turn.
        assert_each_overlaps(&refused, &checked, "logins refused as busy");
        assert!((1..4).contains(&busy), "{busy} of 4 were refused as busy");
        // Once the work is done the server answers normally again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let resp = app.log_in("busy0@example.com", "wrong password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
);
