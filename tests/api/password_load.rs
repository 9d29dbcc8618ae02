//! A burst of logins is queued for the hashing threads and all
//! answered, not refused; 503 `server_busy` only when the queue's expected
//! wait exceeds BCRYPT_MAX_WAIT_MS; and nothing a dropped request leaves
//! behind can hold the logins up.
use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::json;
use tasks_api::service::transaction::BeginWrite;

use crate::backend_test;
use crate::harness::{
    Backend, PASSWORD, TestApp, TestDatabase, assert_each_overlaps, assert_problem, timed,
};
use crate::metrics::wait_until_hashing;

/// `n` accounts (`burst-<i>@example.com`), then `n` logins to them all at
/// once; their statuses (with the problem's code for a failure).
async fn login_burst(app: &TestApp, n: usize) -> Vec<(StatusCode, String)> {
    for i in 0..n {
        app.sign_up_as(&format!("burst-{i}@example.com")).await;
    }
    let logins: Vec<_> = (0..n)
        .map(|i| {
            let request = app.log_in_request(&format!("burst-{i}@example.com"), PASSWORD);
            tokio::spawn(async move {
                let resp = request.send().await.unwrap();
                let status = resp.status();
                let body: serde_json::Value = resp.json().await.unwrap();
                (status, body["code"].as_str().unwrap_or("").to_owned())
            })
        })
        .collect();
    let mut statuses = vec![];
    for login in logins {
        statuses.push(login.await.unwrap());
    }
    statuses
}

backend_test!(
    a_burst_of_16_logins_is_queued_and_all_answered,
    |backend: Backend| async move {
        // Cost 10: a quarter of the real cost's work, so that the test
        // stays well inside the request deadline on a loaded machine.
        let app = TestApp::with(backend, |s| s.bcrypt_cost = 10).await;
        let statuses = login_burst(&app, 16).await;
        assert!(
            statuses.iter().all(|(s, _)| *s == StatusCode::OK),
            "{statuses:?}"
        );
    }
);

backend_test!(
    a_burst_of_64_logins_is_queued_and_all_answered,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.bcrypt_cost = 8).await;
        let statuses = login_burst(&app, 64).await;
        assert!(
            statuses.iter().all(|(s, _)| *s == StatusCode::OK),
            "{statuses:?}"
        );
    }
);

backend_test!(
    logins_are_refused_at_once_only_while_the_queue_is_over_its_bound,
    |backend: Backend| async move {
        // One hashing thread and no wait allowed: a login is queued only
        // while the thread is idle, and refused while it hashes.
        let app = TestApp::with(backend, |s| {
            s.bcrypt_cost = 12;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
        })
        .await;
        let attempts: Vec<_> = (0..8)
            .map(|i| {
                let request = app.log_in_request(&format!("q{i}@example.com"), "wrong password");
                tokio::spawn(timed(async move { request.send().await.unwrap() }))
            })
            .collect();
        let (mut refused, mut checked) = (vec![], vec![]);
        for attempt in attempts {
            let (resp, span) = attempt.await.unwrap();
            if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(resp.headers()["retry-after"], "1");
                assert_problem(resp, 503, "server_busy").await;
                refused.push(span);
            } else {
                assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
                checked.push(span);
            }
        }
        assert!(
            !checked.is_empty() && !refused.is_empty(),
            "{} checked",
            checked.len()
        );
        // Each refusal came while a check was hashing.
        assert_each_overlaps(&refused, &checked, "logins refused as busy");
        // With the queue drained and the thread idle: never refused.
        while app
            .log_in("q0@example.com", "wrong password")
            .await
            .status()
            != 401
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
);

backend_test!(
    logins_refused_as_busy_do_not_use_up_the_addresss_allowance,
    |backend: Backend| async move {
        // One hashing thread, no wait allowed (at cost 13, ~0.5 s a hash), and
        // 4 auth requests a window for the address: while one login hashes,
        // every other is refused 503 before it is counted.
        let app = TestApp::with(backend, |s| {
            s.bcrypt_cost = 13;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
            s.auth_requests_per_ip = 4;
            s.metrics_addr = Some("127.0.0.1:0".into());
        })
        .await;
        let first = app.log_in_request("busy@example.com", "wrong password");
        let hashing = tokio::spawn(async move { first.send().await.unwrap().status() });
        wait_until_hashing(&app, 1).await;
        // Five times the address's allowance, all while the first hashes.
        for _ in 0..20 {
            let resp = app.log_in("busy@example.com", "wrong password").await;
            assert_problem(resp, 503, "server_busy").await;
        }
        assert_eq!(hashing.await.unwrap(), StatusCode::UNAUTHORIZED);
        // Only the first was counted: three more are checked, then 429.
        for _ in 0..3 {
            let resp = app.log_in("busy@example.com", "wrong password").await;
            assert_problem(resp, 401, "invalid_credentials").await;
        }
        let resp = app.log_in("busy@example.com", "wrong password").await;
        assert_problem(resp, 429, "rate_limited").await;
    }
);

backend_test!(
    requests_dropped_mid_write_leave_nothing_that_holds_logins_up,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.bcrypt_cost = 8).await;
        let session = app.sign_up().await;
        // Creates whose clients give up after a few hundred microseconds:
        // the server drops them at every point, `BEGIN` included.
        let client = reqwest::Client::new();
        let url = app.url(&app.tasks_path(&session));
        let drops: Vec<_> = (0..200u64)
            .map(|i| {
                let request = client
                    .post(&url)
                    .bearer_auth(&session.token)
                    .json(&json!({"title": format!("dropped {i}")}))
                    .timeout(Duration::from_micros(200 + 40 * i));
                tokio::spawn(async move { request.send().await })
            })
            .collect();
        for dropped in drops {
            let _ = dropped.await.unwrap();
        }
        let burst = tokio::time::timeout(Duration::from_secs(20), login_burst(&app, 16));
        let statuses = burst.await.expect("the logins were answered in time");
        assert!(
            statuses.iter().all(|(s, _)| *s == StatusCode::OK),
            "{statuses:?}"
        );
    }
);

/// Whether the connection is inside a transaction block: only there may a
/// savepoint be set (25P01 elsewhere).
async fn in_transaction(db: &DatabaseConnection) -> bool {
    match db.execute_unprepared("SAVEPOINT probe").await {
        Ok(_) => {
            db.execute_unprepared("RELEASE SAVEPOINT probe")
                .await
                .unwrap();
            true
        }
        Err(err) => {
            assert!(err.to_string().contains("transaction block"), "{err}");
            false
        }
    }
}

backend_test!(
    only Postgres: a_transaction_dropped_while_it_begins_is_never_left_open,
    |backend: Backend| async move {
        let database = TestDatabase::fresh(backend).await;
        let mut options = ConnectOptions::new(database.url());
        options.max_connections(1).min_connections(1);
        let db = Database::connect(options).await.unwrap();
        // One connection, reused each time: dropped after 0, 20, 40 ... µs,
        // some begins are dropped before `BEGIN` is sent, some while its
        // answer is on the way, some once it is begun.
        for i in 0..150u64 {
            let begin = db.begin_write();
            let _ = tokio::time::timeout(Duration::from_micros(20 * i), begin).await;
            assert!(!in_transaction(&db).await, "left open by a begin dropped after {}µs", 20 * i);
        }
    }
);
