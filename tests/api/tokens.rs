//! Every access-token rejection is a 401 with a Bearer
//! challenge.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{JWT_SECRET, Session, TestApp, assert_problem};

fn claims(sub: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "iat": now, "exp": now + 600, "iss": "tasks-api", "aud": "tasks-api"})
}

fn sign(claims: &Value, alg: Algorithm, secret: &str) -> String {
    // The server's HMAC-only signer, which any token forged here needs too.
    tasks_api::auth::install_jwt_crypto();
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn assert_rejected(app: &TestApp, token: String, code: &str, why: &str) {
    let resp = app.me_with(Some(format!("Bearer {token}"))).await;
    assert_eq!(resp.status().as_u16(), 401, "{why} was accepted");
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"),
        "{why}"
    );
    assert_problem(resp, 401, code).await;
}

backend_test!(a_valid_token_is_accepted, |app| async move {
    let session = app.sign_up().await;
    let forged = sign(&claims(&session.user_id), Algorithm::HS256, JWT_SECRET);
    let resp = app.me_with(Some(format!("Bearer {forged}"))).await;
    assert_eq!(resp.status(), 200, "the control case must pass");
});

backend_test!(every_invalid_token_is_rejected_with_401, |app| async move {
    let session = app.sign_up().await;
    let sub = session.user_id.as_str();
    let base = claims(sub);
    let with = |key: &str, value: Value| {
        let mut c = base.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = base.clone();
        c.as_object_mut().unwrap().remove(key);
        c
    };
    let past = chrono::Utc::now().timestamp() - 3600;
    let cases = [
        (
            "bad signature",
            sign(
                &base,
                Algorithm::HS256,
                "another-secret-another-secret-another",
            ),
        ),
        ("HS512", sign(&base, Algorithm::HS512, JWT_SECRET)),
        (
            "wrong iss",
            sign(
                &with("iss", json!("someone-else")),
                Algorithm::HS256,
                JWT_SECRET,
            ),
        ),
        (
            "wrong aud",
            sign(
                &with("aud", json!("someone-else")),
                Algorithm::HS256,
                JWT_SECRET,
            ),
        ),
        (
            "missing sub",
            sign(&without("sub"), Algorithm::HS256, JWT_SECRET),
        ),
        (
            "missing exp",
            sign(&without("exp"), Algorithm::HS256, JWT_SECRET),
        ),
        (
            "sub not a user id",
            sign(&with("sub", json!("admin")), Algorithm::HS256, JWT_SECRET),
        ),
        ("not a jwt", "not-a-jwt".to_owned()),
    ];
    for (why, token) in cases {
        assert_rejected(&app, token, "invalid_token", why).await;
    }
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(base.to_string())
    );
    assert_rejected(&app, none, "invalid_token", "alg none").await;
    // Correctly signed, but naming a critical extension the server cannot honour.
    tasks_api::auth::install_jwt_crypto();
    let mut critical = Header::new(Algorithm::HS256);
    critical.crit = Some(vec!["exp-ext".to_owned()]);
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let crit = jsonwebtoken::encode(&critical, &base, &key).unwrap();
    assert_rejected(&app, crit, "invalid_token", "a crit header").await;
    let expired = sign(&with("exp", json!(past)), Algorithm::HS256, JWT_SECRET);
    assert_rejected(&app, expired, "token_expired", "expired").await;
});

backend_test!(
    a_missing_or_non_bearer_authorization_is_401,
    |app| async move {
        assert_problem(app.me_with(None).await, 401, "missing_token").await;
        let session: Session = app.sign_up().await;
        let basic = app.me_with(Some(format!("Basic {}", session.token))).await;
        assert_eq!(basic.status(), 401);
    }
);

backend_test!(a_token_whose_user_is_gone_is_rejected, |app| async move {
    let session = app.sign_up().await;
    let id = uuid::Uuid::parse_str(&session.user_id).unwrap();
    let deleted = tasks_api::entity::user::Entity::delete_by_id(id)
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 1);
    assert_rejected(&app, session.token.clone(), "invalid_token", "deleted user").await;
});

backend_test!(
    a_token_whose_user_is_gone_is_401_on_every_task_operation,
    |app| async move {
        let session = app.sign_up().await;
        let other = app.sign_up().await;
        let task = app.create_task(&session, json!({"title": "orphan?"})).await;
        let task_path = app.task_path(&session, task["id"].as_str().unwrap());
        let tasks_path = app.tasks_path(&session);
        let id = uuid::Uuid::parse_str(&session.user_id).unwrap();
        tasks_api::entity::user::Entity::delete_by_id(id)
            .exec(&app.db)
            .await
            .unwrap();
        let body = json!({"title": "t"});
        let requests = [
            (Method::GET, tasks_path.clone(), None),
            (Method::GET, format!("{tasks_path}?q=nothing-matches"), None),
            (Method::POST, tasks_path.clone(), Some(body.clone())),
            (
                Method::DELETE,
                format!("{tasks_path}?status=completed"),
                None,
            ),
            (Method::GET, task_path.clone(), None),
            (Method::PUT, task_path.clone(), Some(body.clone())),
            (Method::PATCH, task_path.clone(), Some(body)),
            (Method::DELETE, task_path.clone(), None),
            (Method::PATCH, format!("{task_path}/complete"), None),
            // Another user's path: 401 for the gone account, never 403.
            (Method::GET, app.tasks_path(&other), None),
            (
                Method::GET,
                format!(
                    "{}/{}",
                    app.tasks_path(&other),
                    task["id"].as_str().unwrap()
                ),
                None,
            ),
        ];
        for (method, path, body) in requests {
            let mut req = app.authed(method.clone(), &path, &session);
            if let Some(body) = body {
                req = req.json(&body);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{method} {path}");
            assert_problem(resp, 401, "invalid_token").await;
        }
    }
);

backend_test!(
    a_live_account_reading_another_users_tasks_is_403,
    |app| async move {
        let session = app.sign_up().await;
        let other = app.sign_up().await;
        let task = app.create_task(&other, json!({"title": "theirs"})).await;
        let task_path = app.task_path(&other, task["id"].as_str().unwrap());
        for path in [app.tasks_path(&other), task_path] {
            let resp = app
                .authed(Method::GET, &path, &session)
                .send()
                .await
                .unwrap();
            assert_problem(resp, 403, "forbidden").await;
        }
    }
);
