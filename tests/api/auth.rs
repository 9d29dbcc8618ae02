//! Signing up, logging in, and who a token belongs to.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{PASSWORD, assert_invalid, assert_problem};

backend_test!(
    sign_up_returns_the_user_and_a_bearer_token,
    |app| async move {
        let resp = app
            .sign_up_with(
                json!({"email": "  Ada@Example.COM ", "password": PASSWORD, "name": " Ada "}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(resp.headers()["location"], "/api/auth/me");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 900);
        assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
        let user = &body["user"];
        assert_eq!(user["email"], "ada@example.com");
        assert_eq!(user["name"], "Ada");
        assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
        let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["created_at", "email", "id", "name"], "no hash, ever");
        assert_eq!(
            uuid::Uuid::parse_str(user["id"].as_str().unwrap())
                .unwrap()
                .get_version_num(),
            7
        );
    }
);

backend_test!(a_name_is_optional_and_null_when_absent, |app| async move {
    let resp = app
        .sign_up_with(json!({"email": "noname@example.com", "password": PASSWORD}))
        .await;
    let body: Value = resp.json().await.unwrap();
    assert!(body["user"]["name"].is_null());
});

backend_test!(
    an_email_can_only_sign_up_once_whatever_its_case,
    |app| async move {
        app.sign_up_as("twice@example.com").await;
        let resp = app
            .sign_up_with(json!({"email": "TWICE@example.com", "password": PASSWORD}))
            .await;
        assert_problem(resp, 409, "email_taken").await;
    }
);

backend_test!(
    sign_up_enforces_every_limit_at_its_bound,
    |app| async move {
        let local = |n: usize| format!("{}@example.com", "a".repeat(n - "@example.com".len()));
        let cases = [
            (json!({"email": local(254), "password": PASSWORD}), None),
            (
                json!({"email": local(255), "password": PASSWORD}),
                Some("/email"),
            ),
            (
                json!({"email": "not-an-email", "password": PASSWORD}),
                Some("/email"),
            ),
            (
                json!({"email": "p8@example.com", "password": "12345678"}),
                None,
            ),
            (
                json!({"email": "p7@example.com", "password": "1234567"}),
                Some("/password"),
            ),
            (
                json!({"email": "p72@example.com", "password": "x".repeat(72)}),
                None,
            ),
            (
                json!({"email": "p73@example.com", "password": "x".repeat(73)}),
                Some("/password"),
            ),
            // 24 × "€" is 72 bytes; 25 is 75 bytes but only 25 characters.
            (
                json!({"email": "e24@example.com", "password": "€".repeat(24)}),
                None,
            ),
            (
                json!({"email": "e25@example.com", "password": "€".repeat(25)}),
                Some("/password"),
            ),
            (
                json!({"email": "n100@example.com", "password": PASSWORD, "name": "n".repeat(100)}),
                None,
            ),
            (
                json!({"email": "n101@example.com", "password": PASSWORD, "name": "n".repeat(101)}),
                Some("/name"),
            ),
            (json!({"password": PASSWORD}), Some("/email")),
            (json!({"email": "nopass@example.com"}), Some("/password")),
            (json!({"email": 42, "password": PASSWORD}), Some("/email")),
            (
                json!({"email": "num@example.com", "password": 12345678}),
                Some("/password"),
            ),
        ];
        for (body, failing) in cases {
            let resp = app.sign_up_with(body.clone()).await;
            match failing {
                None => assert_eq!(resp.status(), StatusCode::CREATED, "{body}"),
                Some(field) => {
                    assert_invalid(resp, field).await;
                }
            }
        }
    }
);

backend_test!(
    a_password_that_fits_in_bytes_logs_in_with_exactly_those_bytes,
    |app| async move {
        let password = "€".repeat(24);
        let resp = app
            .sign_up_with(json!({"email": "euro@example.com", "password": password}))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(
            app.log_in("euro@example.com", &password).await.status(),
            StatusCode::OK
        );
        let one_less = "€".repeat(23);
        assert_eq!(
            app.log_in("euro@example.com", &one_less).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
);

backend_test!(
    log_in_returns_a_session_for_the_right_password,
    |app| async move {
        let session = app.sign_up_as("login@example.com").await;
        let resp = app.log_in(" LOGIN@example.com ", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["user"]["id"], session.user_id.as_str());
        assert_eq!(body["token_type"], "bearer");
        let me = app
            .request(Method::GET, "/api/auth/me")
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
);

backend_test!(
    unknown_email_and_wrong_password_fail_identically,
    |app| async move {
        app.sign_up_as("known@example.com").await;
        let wrong = app.log_in("known@example.com", "wrong password").await;
        let unknown = app.log_in("nobody@example.com", "wrong password").await;
        assert_eq!(
            wrong.headers()["www-authenticate"],
            unknown.headers()["www-authenticate"]
        );
        let wrong = assert_problem(wrong, 401, "invalid_credentials").await;
        let unknown = assert_problem(unknown, 401, "invalid_credentials").await;
        assert_eq!(wrong, unknown);
    }
);

backend_test!(
    log_in_applies_no_sign_up_rules_to_its_inputs,
    |app| async move {
        app.sign_up_as("rules@example.com").await;
        // Too short or too long to have been set: simply wrong, not invalid.
        for password in ["short", &"x".repeat(73), &"x".repeat(1024)] {
            let resp = app.log_in("rules@example.com", password).await;
            assert_problem(resp, 401, "invalid_credentials").await;
        }
        let resp = app.log_in("not an email", PASSWORD).await;
        assert_problem(resp, 401, "invalid_credentials").await;
        // Empty strings and over 1 KiB are malformed requests.
        assert_invalid(app.log_in("", PASSWORD).await, "/email").await;
        assert_invalid(app.log_in("rules@example.com", "").await, "/password").await;
        assert_invalid(
            app.log_in("rules@example.com", &"x".repeat(1025)).await,
            "/password",
        )
        .await;
    }
);

backend_test!(me_returns_the_token_owner, |app| async move {
    let session = app.sign_up_as("me@example.com").await;
    let resp = app
        .authed(Method::GET, "/api/auth/me", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], session.user_id.as_str());
    assert_eq!(body["email"], "me@example.com");
    assert!(body.get("password_hash").is_none());
});
