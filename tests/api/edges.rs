//! Input at the edges of its alphabet: idempotency keys beyond ASCII, text
//! that shows nothing or reorders itself, addresses spelled with invisible
//! or fullwidth characters, and hashes made at another bcrypt cost.
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tasks_api::entity::user;

use crate::backend_test;
use crate::harness::{PASSWORD, TestApp, assert_invalid, assert_problem};

backend_test!(
    an_idempotency_key_outside_printable_ascii_is_422,
    |app| async move {
        let s = app.sign_up().await;
        // Bytes beyond ASCII (UTF-8 "clé") and a tab: each refused, never ignored.
        for raw in [&b"cl\xc3\xa9-1"[..], b"key\twith-tab"] {
            for _ in 0..2 {
                let resp = app
                    .authed(reqwest::Method::POST, &app.tasks_path(&s), &s)
                    .header("idempotency-key", HeaderValue::from_bytes(raw).unwrap())
                    .json(&json!({"title": "Once"}))
                    .send()
                    .await
                    .unwrap();
                assert_invalid(resp, "Idempotency-Key").await;
            }
        }
        assert_eq!(app.list(&s, "").await["total"], 0);
    }
);

/// The 422 for a task body, with the code of its one failure at `field`.
async fn refused_code(app: &TestApp, body: Value, field: &str) -> String {
    let s = app.sign_up().await;
    let resp = app.create_task_request(&s, &body).send().await.unwrap();
    let problem = assert_invalid(resp, field).await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    errors[0]["code"].as_str().unwrap().to_owned()
}

backend_test!(
    text_that_shows_nothing_or_holds_bidi_controls_is_422,
    |app| async move {
        for blank in [
            "\u{200B}",
            "\u{FEFF}",
            "\u{301}\u{308}",
            " \u{2060}\u{200D} ",
        ] {
            let code = refused_code(&app, json!({"title": blank}), "/title").await;
            assert_eq!(code, "too_short", "{blank:?}");
            let description = json!({"title": "t", "description": blank});
            assert_eq!(
                refused_code(&app, description, "/description").await,
                "too_short"
            );
            let tags = json!({"title": "t", "tags": ["ok", blank]});
            assert_eq!(refused_code(&app, tags, "/tags/1").await, "too_short");
        }
        for bidi in ["invoice\u{202E}fdp.exe", "\u{2067}x\u{2069}"] {
            let code = refused_code(&app, json!({"title": bidi}), "/title").await;
            assert_eq!(code, "invalid_format", "{bidi:?}");
        }
        // Combining marks on a letter, an emoji's variation selector and
        // right-to-left script are ordinary text.
        let s = app.sign_up().await;
        for title in ["e\u{301}te\u{301}", "\u{2764}\u{FE0F}", "שלום"] {
            let task = app.create_task(&s, json!({"title": title})).await;
            assert_eq!(task["title"], title);
        }
    }
);

backend_test!(
    addresses_with_invisible_characters_are_422_and_fullwidth_ones_fold,
    |app| async move {
        for email in [
            "a\u{200B}da@example.com",
            "ada@exa\u{202E}mple.com",
            "\u{FEFF}ada@example.com",
        ] {
            let resp = app
                .sign_up_with(json!({"email": email, "password": PASSWORD}))
                .await;
            assert_invalid(resp, "/email").await;
        }
        let plain = format!("fold-{}@example.com", uuid::Uuid::now_v7().simple());
        let fullwidth: String = plain
            .chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
                other => other,
            })
            .collect();
        let session = app.sign_up_as(&plain).await;
        assert_eq!(
            app.sign_up_status(&fullwidth).await,
            StatusCode::CONFLICT,
            "{fullwidth} is {plain}"
        );
        let resp = app.log_in(&fullwidth, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["user"]["id"], session.user_id.as_str());
        assert_eq!(body["user"]["email"], plain.as_str());
    }
);

async fn stored_hash(app: &TestApp, email: &str) -> String {
    let row = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    row.password_hash
}

backend_test!(
    a_log_in_rehashes_a_hash_made_at_another_cost,
    |app| async move {
        let email = format!("cost-{}@example.com", uuid::Uuid::now_v7().simple());
        app.sign_up_as(&email).await;
        // As an account hashed when BCRYPT_COST was 5 (the test server's is 4).
        let old = bcrypt::hash(PASSWORD, 5).unwrap();
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, old.clone().into())
            .filter(user::Column::Email.eq(&email))
            .exec(&app.db)
            .await
            .unwrap();
        let wrong = app.log_in(&email, "not the password").await;
        assert_problem(wrong, 401, "invalid_credentials").await;
        assert_eq!(
            stored_hash(&app, &email).await,
            old,
            "a failed log-in changes nothing"
        );

        assert_eq!(app.log_in(&email, PASSWORD).await.status(), StatusCode::OK);
        let new = stored_hash(&app, &email).await;
        assert!(new.starts_with("$2b$04$"), "{new}");
        assert!(bcrypt::verify(PASSWORD, &new).unwrap());
        assert_eq!(app.log_in(&email, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(stored_hash(&app, &email).await, new, "rehashed once");
    }
);
