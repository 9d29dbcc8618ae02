//! Visibility: request ids, and the headers every response carries.
//! (`assert_problem` checks that a problem names the request id of its
//! `X-Request-Id` header.)
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::backend_test;
use crate::harness::{PASSWORD, assert_problem};

backend_test!(
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

backend_test!(
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

backend_test!(
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

backend_test!(
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

backend_test!(
    auth_responses_are_never_stored_by_caches,
    |app| async move {
        let email = format!("cache-{}@example.com", Uuid::now_v7().simple());
        let signup = app.sign_up_request(&email, PASSWORD).send().await.unwrap();
        assert_eq!(signup.status(), StatusCode::CREATED);
        assert_eq!(signup.headers()["cache-control"], "no-store");
        let session: Value = signup.json().await.unwrap();
        let token = session["access_token"].as_str().unwrap();
        let requests = [
            app.log_in_request(&email, PASSWORD),
            app.log_in_request(&email, "not the password"),
            app.request(Method::GET, "/api/auth/me").bearer_auth(token),
            app.request(Method::GET, "/api/auth/me"),
            app.refresh_request(session["refresh_token"].as_str().unwrap()),
            app.token_grant_request(&email, PASSWORD),
        ];
        for request in requests {
            let resp = request.send().await.unwrap();
            let what = format!("{} {}", resp.status(), resp.url().path());
            assert_eq!(resp.headers()["cache-control"], "no-store", "{what}");
        }
    }
);
