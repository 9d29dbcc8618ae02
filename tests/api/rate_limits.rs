//! Per-email lockout, and per-address limits shared by every
//! instance on one database, behind trusted proxies or not.
use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{Backend, PASSWORD, TestApp, assert_limited, assert_problem};

backend_test!(
    too_many_failures_lock_an_email_even_for_the_right_password,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.auth_failures_per_email = 3).await;
        app.sign_up_as("locked@example.com").await;
        app.sign_up_as("bystander@example.com").await;
        for _ in 0..3 {
            let resp = app.log_in("locked@example.com", "wrong password").await;
            assert_problem(resp, 401, "invalid_credentials").await;
        }
        assert_limited(
            app.log_in("locked@example.com", "wrong password").await,
            900,
        )
        .await;
        assert_limited(app.log_in(" LOCKED@example.com", PASSWORD).await, 900).await;
        // The token endpoint shares the lockout; it answers 429, not 400.
        assert_limited(app.token_grant("locked@example.com", PASSWORD).await, 900).await;
        // Other emails are unaffected.
        let other = app.log_in("bystander@example.com", PASSWORD).await;
        assert_eq!(other.status(), StatusCode::OK);
    }
);

backend_test!(
    a_successful_login_is_not_counted_as_a_failure,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.auth_failures_per_email = 3).await;
        app.sign_up_as("careful@example.com").await;
        for _ in 0..2 {
            let wrong = app.log_in("careful@example.com", "wrong password").await;
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
            let right = app.log_in("careful@example.com", PASSWORD).await;
            assert_eq!(right.status(), StatusCode::OK);
        }
        // Five attempts so far, two of them failures: the third locks it.
        let wrong = app.log_in("careful@example.com", "wrong password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_limited(app.log_in("careful@example.com", PASSWORD).await, 900).await;
    }
);

backend_test!(
    a_locked_unknown_email_looks_exactly_like_a_locked_account,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.auth_failures_per_email = 2).await;
        app.sign_up_as("real@example.com").await;
        let mut locked = vec![];
        for email in ["real@example.com", "ghost@example.com"] {
            for _ in 0..2 {
                let resp = app.log_in(email, "wrong password").await;
                assert_problem(resp, 401, "invalid_credentials").await;
            }
            let resp = app.log_in(email, PASSWORD).await;
            let headers: Vec<String> = resp.headers().keys().map(|k| k.to_string()).collect();
            let (body, retry_after) = assert_limited(resp, 900).await;
            locked.push((body, retry_after, headers));
        }
        let (real, ghost) = (&locked[0], &locked[1]);
        assert_eq!(real.0, ghost.0, "same body");
        assert!(real.1.abs_diff(ghost.1) <= 1, "same Retry-After");
        let without_date = |h: &Vec<String>| {
            h.iter()
                .filter(|k| *k != "date")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            without_date(&real.2),
            without_date(&ghost.2),
            "same headers"
        );
    }
);

backend_test!(
    a_locked_email_is_refused_before_any_bcrypt_work,
    |backend: Backend| async move {
        // At cost 13 one bcrypt takes hundreds of milliseconds; a refusal
        // that skips it takes a database round trip.
        let app = TestApp::with(backend, |s| {
            s.bcrypt_cost = 13;
            s.auth_failures_per_email = 1;
        })
        .await;
        app.sign_up_as("slow@example.com").await;
        for email in ["slow@example.com", "nobody@example.com"] {
            let started = Instant::now();
            let failed = app.log_in(email, "wrong password").await;
            let bcrypt_time = started.elapsed();
            assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
            let started = Instant::now();
            let refused = app.log_in(email, PASSWORD).await;
            let refusal_time = started.elapsed();
            assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
            // Had the refusal paid for bcrypt it would take at least as
            // long; half leaves room for a loaded machine's round trips.
            assert!(
                refusal_time * 2 < bcrypt_time,
                "{email}: refused in {refusal_time:?}, a bcrypt check took {bcrypt_time:?}"
            );
        }
    }
);

backend_test!(
    a_client_address_gets_a_bounded_number_of_auth_requests,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.auth_requests_per_ip = 3).await;
        assert_eq!(
            app.sign_up_status("ip@example.com").await,
            StatusCode::CREATED
        );
        let session: Value = app
            .log_in("ip@example.com", PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            app.token_grant("ip@example.com", PASSWORD).await.status(),
            StatusCode::OK
        );
        // The fourth sign-up, login or token request from 127.0.0.1 is refused.
        assert_limited(app.log_in("ip@example.com", PASSWORD).await, 900).await;
        assert_eq!(
            app.sign_up_status("ip2@example.com").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_limited(app.token_grant("ip@example.com", PASSWORD).await, 900).await;
        // Other operations are not auth requests.
        let me = app
            .request(Method::GET, "/api/auth/me")
            .bearer_auth(session["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
);

backend_test!(
    instances_on_one_database_share_the_limits,
    |backend: Backend| async move {
        let (a, b) = TestApp::pair(backend, |s| {
            s.auth_failures_per_email = 3;
            s.auth_requests_per_ip = 8;
        })
        .await;
        a.sign_up_as("shared@example.com").await; // request 1 from 127.0.0.1
        for app in [&a, &b, &a] {
            let resp = app.log_in("shared@example.com", "wrong password").await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED); // requests 2..=4
        }
        // Three failures spread over two instances lock the email on both.
        assert_limited(b.log_in("shared@example.com", PASSWORD).await, 900).await; // 5
        assert_limited(a.log_in("shared@example.com", PASSWORD).await, 900).await; // 6
        // And the address's budget of 8 is one budget across both.
        assert_eq!(
            b.sign_up_status("more@example.com").await,
            StatusCode::CREATED
        ); // 7
        assert_eq!(
            a.sign_up_status("most@example.com").await,
            StatusCode::CREATED
        ); // 8
        assert_eq!(
            b.sign_up_status("over@example.com").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            a.sign_up_status("over@example.com").await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
);

backend_test!(
    forwarded_addresses_count_only_behind_a_trusted_proxy,
    |backend: Backend| async move {
        let behind_proxy = TestApp::with(backend, |s| {
            s.auth_requests_per_ip = 2;
            s.trusted_proxies = "127.0.0.0/8".parse().unwrap();
        })
        .await;
        let attempt = |app: &TestApp, forwarded: &str| {
            app.request(Method::POST, "/api/auth/login")
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": "x@example.com", "password": "wrong password"}))
                .send()
        };
        // The proxy appended the real client; what the client wrote first
        // does not matter.
        for forged in ["1.1.1.1, 198.51.100.1", "2.2.2.2, 198.51.100.1"] {
            let resp = attempt(&behind_proxy, forged).await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = attempt(&behind_proxy, "3.3.3.3, 198.51.100.1")
            .await
            .unwrap();
        assert_limited(resp, 900).await;
        // Another client behind the same proxy has its own budget.
        let resp = attempt(&behind_proxy, "198.51.100.2").await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

        // Without trusted proxies the header is ignored: the peer is limited.
        let direct = TestApp::with(backend, |s| s.auth_requests_per_ip = 2).await;
        for forged in ["198.51.100.3", "198.51.100.4"] {
            let resp = attempt(&direct, forged).await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        assert_limited(attempt(&direct, "198.51.100.5").await.unwrap(), 900).await;
    }
);

backend_test!(
    ipv6_clients_of_one_64_share_one_budget,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.auth_requests_per_ip = 3;
            s.trusted_proxies = "127.0.0.0/8".parse().unwrap();
        })
        .await;
        let attempt = |forwarded: String| {
            app.request(Method::POST, "/api/auth/login")
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": "x@example.com", "password": "wrong password"}))
                .send()
        };
        // Three addresses of one /64 use its budget; a fourth is refused.
        for host in 1..=3 {
            let resp = attempt(format!("2001:db8:5:6::{host:x}")).await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        assert_limited(attempt("2001:db8:5:6:ffff::1".into()).await.unwrap(), 900).await;
        // The next /64 has a budget of its own.
        let resp = attempt("2001:db8:5:7::1".into()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
);

backend_test!(
    a_strangers_failures_lock_out_the_stranger_not_the_owner,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.auth_failures_per_email = 3;
            s.auth_failures_per_email_total = 7;
            s.trusted_proxies = "127.0.0.0/8".parse().unwrap();
        })
        .await;
        app.sign_up_as("owner@example.com").await;
        let log_in_from = |client: &str, password: &str| {
            app.request(Method::POST, "/api/auth/login")
                .header("x-forwarded-for", client.to_owned())
                .json(&json!({"email": "owner@example.com", "password": password}))
                .send()
        };
        // A stranger's guesses lock the stranger's address out...
        for _ in 0..3 {
            let resp = log_in_from("203.0.113.9", "wrong password").await.unwrap();
            assert_problem(resp, 401, "invalid_credentials").await;
        }
        assert_limited(log_in_from("203.0.113.9", PASSWORD).await.unwrap(), 900).await;
        // ...while the owner, elsewhere, still logs in.
        let owner = log_in_from("198.51.100.20", PASSWORD).await.unwrap();
        assert_eq!(owner.status(), StatusCode::OK);
        // Guesses spread over many addresses meet the per-email backstop:
        // 3 + 2 + 2 failures reach the total of 7, and then every address,
        // the owner's included, is refused.
        for client in [
            "203.0.113.10",
            "203.0.113.10",
            "203.0.113.11",
            "203.0.113.11",
        ] {
            let resp = log_in_from(client, "wrong password").await.unwrap();
            assert_problem(resp, 401, "invalid_credentials").await;
        }
        assert_limited(log_in_from("198.51.100.20", PASSWORD).await.unwrap(), 900).await;
    }
);
