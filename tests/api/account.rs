//! Contract §7: changing the password and deleting the account.
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tasks_api::entity::{refresh_token, task};

use crate::db_test;
use crate::helpers::{PASSWORD, Session, TestApp, assert_invalid, assert_problem};
use crate::sessions::{log_in, me, refresh, sign_up_body};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn change_password(app: &TestApp, access: &str, current: &str, new: &str) -> Response {
    app.request(Method::POST, "/api/auth/password")
        .bearer_auth(access)
        .json(&json!({"current_password": current, "new_password": new}))
        .send()
        .await
        .unwrap()
}

async fn delete_account(app: &TestApp, access: &str, password: &str) -> Response {
    app.request(Method::DELETE, "/api/auth/me")
        .bearer_auth(access)
        .json(&json!({"password": password}))
        .send()
        .await
        .unwrap()
}

fn tokens(body: &Value) -> (String, String) {
    let get = |name: &str| body[name].as_str().unwrap().to_owned();
    (get("access_token"), get("refresh_token"))
}

db_test!(
    a_password_change_needs_the_current_password_and_signup_rules,
    |app| async move {
        let (_, body) = sign_up_body(&app).await;
        let (access, _) = tokens(&body);
        let wrong = change_password(&app, &access, "not my password", NEW_PASSWORD).await;
        assert_problem(wrong, 403, "wrong_password").await;
        for bad in ["short", &"x".repeat(73), &"€".repeat(25)] {
            let resp = change_password(&app, &access, PASSWORD, bad).await;
            assert_invalid(resp, "new_password").await;
        }
        let resp = app
            .request(Method::POST, "/api/auth/password")
            .bearer_auth(&access)
            .json(&json!({"current_password": PASSWORD, "new_password": 12345678}))
            .send()
            .await
            .unwrap();
        assert_invalid(resp, "new_password").await;
        let anonymous = app
            .request(Method::POST, "/api/auth/password")
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_problem(anonymous, 401, "missing_token").await;
    }
);

db_test!(
    a_password_change_swaps_the_password_and_revokes_every_refresh_token,
    |app| async move {
        let (email, body) = sign_up_body(&app).await;
        let (access, first) = tokens(&body);
        let second: Value = log_in(&app, &email, PASSWORD).await.json().await.unwrap();
        let resp = change_password(&app, &access, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_problem(
            log_in(&app, &email, PASSWORD).await,
            401,
            "invalid_credentials",
        )
        .await;
        assert_eq!(
            log_in(&app, &email, NEW_PASSWORD).await.status(),
            StatusCode::OK
        );
        for old in [first, tokens(&second).1] {
            assert_problem(refresh(&app, &old).await, 401, "invalid_refresh_token").await;
        }
        // Access tokens run until they expire.
        assert_eq!(me(&app, &access).await, StatusCode::OK);
    }
);

db_test!(deleting_the_account_needs_its_password, |app| async move {
    let (_, body) = sign_up_body(&app).await;
    let (access, _) = tokens(&body);
    let wrong = delete_account(&app, &access, "not my password").await;
    assert_problem(wrong, 403, "wrong_password").await;
    assert_eq!(me(&app, &access).await, StatusCode::OK);
    let resp = app
        .request(Method::DELETE, "/api/auth/me")
        .bearer_auth(&access)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "password").await;
});

db_test!(
    a_deleted_account_takes_its_tasks_and_tokens_and_frees_its_email,
    |app| async move {
        let (email, body) = sign_up_body(&app).await;
        let (access, refresh_token) = tokens(&body);
        let session = Session {
            user_id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: access.clone(),
        };
        app.create_task(&session, json!({"title": "doomed"})).await;
        let user_id: uuid::Uuid = session.user_id.parse().unwrap();

        let resp = delete_account(&app, &access, PASSWORD).await;
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
            refresh(&app, &refresh_token).await,
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
        assert_eq!(me(&app, &access).await, StatusCode::UNAUTHORIZED);
    }
);
