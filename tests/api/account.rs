//! Changing the password and deleting the account.
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tasks_api::entity::{refresh_token, task};

use crate::backend_test;
use crate::harness::{PASSWORD, Session, assert_invalid, assert_problem, tokens};

const NEW_PASSWORD: &str = "a brand new passphrase";

backend_test!(
    a_password_change_needs_the_current_password_and_signup_rules,
    |app| async move {
        let (_, body) = app.sign_up_body().await;
        let (access, _) = tokens(&body);
        let wrong = app
            .change_password(&access, "not my password", NEW_PASSWORD)
            .await;
        assert_problem(wrong, 403, "wrong_password").await;
        for bad in ["short", &"x".repeat(73), &"€".repeat(25)] {
            let resp = app.change_password(&access, PASSWORD, bad).await;
            assert_invalid(resp, "/new_password").await;
        }
        let resp = app
            .request(Method::POST, "/api/auth/password")
            .bearer_auth(&access)
            .json(&json!({"current_password": PASSWORD, "new_password": 12345678}))
            .send()
            .await
            .unwrap();
        assert_invalid(resp, "/new_password").await;
        let anonymous = app
            .request(Method::POST, "/api/auth/password")
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_problem(anonymous, 401, "missing_token").await;
    }
);

backend_test!(
    a_password_change_swaps_the_password_and_revokes_every_refresh_token,
    |app| async move {
        let (email, body) = app.sign_up_body().await;
        let (access, first) = tokens(&body);
        let second: Value = app.log_in(&email, PASSWORD).await.json().await.unwrap();
        let resp = app.change_password(&access, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_problem(
            app.log_in(&email, PASSWORD).await,
            401,
            "invalid_credentials",
        )
        .await;
        assert_eq!(
            app.log_in(&email, NEW_PASSWORD).await.status(),
            StatusCode::OK
        );
        for old in [first, tokens(&second).1] {
            assert_problem(app.refresh(&old).await, 401, "invalid_refresh_token").await;
        }
        // Access tokens run until they expire.
        assert_eq!(app.me(&access).await, StatusCode::OK);
    }
);

backend_test!(deleting_the_account_needs_its_password, |app| async move {
    let (_, body) = app.sign_up_body().await;
    let (access, _) = tokens(&body);
    let wrong = app.delete_account(&access, "not my password").await;
    assert_problem(wrong, 403, "wrong_password").await;
    assert_eq!(app.me(&access).await, StatusCode::OK);
    let resp = app
        .request(Method::DELETE, "/api/auth/me")
        .bearer_auth(&access)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "/password").await;
});

backend_test!(
    a_deleted_account_takes_its_tasks_and_tokens_and_frees_its_email,
    |app| async move {
        let (email, body) = app.sign_up_body().await;
        let (access, refresh_token) = tokens(&body);
        let session = Session::from_body(&body);
        app.create_task(&session, json!({"title": "doomed"})).await;
        let user_id: uuid::Uuid = session.user_id.parse().unwrap();

        let resp = app.delete_account(&access, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        assert_problem(
            app.authed(Method::GET, "/api/auth/me", &session)
                .send()
                .await
                .unwrap(),
            401,
            "invalid_token",
        )
        .await;
        let tasks = app.authed(Method::GET, &app.tasks_path(&session), &session);
        assert_eq!(
            tasks.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
        assert_problem(
            app.refresh(&refresh_token).await,
            401,
            "invalid_refresh_token",
        )
        .await;
        let count_tasks = task::Entity::find().filter(task::Column::UserId.eq(user_id));
        assert_eq!(count_tasks.count(&app.db).await.unwrap(), 0);
        let count_tokens =
            refresh_token::Entity::find().filter(refresh_token::Column::UserId.eq(user_id));
        assert_eq!(count_tokens.count(&app.db).await.unwrap(), 0);

        // The email is free again, and the old token does not reach the
        // new account.
        let again = app.sign_up_as(&email).await;
        assert_ne!(again.user_id, session.user_id);
        assert_eq!(app.me(&access).await, StatusCode::UNAUTHORIZED);
    }
);

backend_test!(
    every_write_with_a_deleted_accounts_token_is_401,
    |app| async move {
        let (_, body) = app.sign_up_body().await;
        let (access, _) = tokens(&body);
        let session = Session::from_body(&body);
        let task = app.create_task(&session, json!({"title": "doomed"})).await;
        let task_path = app.task_path(&session, task["id"].as_str().unwrap());
        let etag = "\"anything\"";
        let resp = app.delete_account(&access, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        let tasks = app.tasks_path(&session);
        let complete = format!("{task_path}/complete");
        let writes = [
            (Method::POST, &tasks, json!({"title": "after"}), None, None),
            (Method::POST, &tasks, json!({"title": ""}), None, None),
            (
                Method::POST,
                &tasks,
                json!({"title": "k"}),
                Some("key-1"),
                None,
            ),
            (Method::PATCH, &task_path, json!({"title": "x"}), None, None),
            (Method::PATCH, &task_path, json!({"title": ""}), None, None),
            (
                Method::PUT,
                &task_path,
                json!({"title": "x"}),
                None,
                Some(etag),
            ),
            (
                Method::PATCH,
                &complete,
                json!({"completed": true}),
                None,
                None,
            ),
            (Method::DELETE, &task_path, Value::Null, None, None),
            (Method::DELETE, &task_path, Value::Null, None, Some(etag)),
        ];
        for (method, path, body, key, if_match) in writes {
            let mut request = app.authed(method.clone(), path, &session);
            if !body.is_null() {
                request = request.json(&body);
            }
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(tag) = if_match {
                request = request.header("If-Match", tag);
            }
            let resp = request.send().await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {body}"
            );
            assert_problem(resp, 401, "invalid_token").await;
        }
    }
);
