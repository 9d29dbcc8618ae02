//! Input whose cost is bounded, and every bad input a clear 4xx on
//! both databases: passwords past bcrypt's 72 bytes, emails in any Unicode
//! normal form, NUL in any text, bounded tag lists and filters, recurrence
//! that ends at year 9999, and database errors read per backend.
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use tasks_api::domain::Error;

use crate::backend_test;
use crate::harness::{
    Backend, JWT_SECRET, PASSWORD, Session, TestApp, assert_each_overlaps, assert_invalid,
    assert_oauth_error, assert_problem, timed,
};
use crate::metrics::wait_until_hashing;

backend_test!(
    a_password_over_72_bytes_is_refused_without_bcrypt_work_or_counting,
    |backend: Backend| async move {
        // One bcrypt thread and no waiting for it: a login that needed
        // bcrypt while the thread hashes would be 503.
        let app = TestApp::with(backend, |s| {
            s.bcrypt_cost = 13;
            s.bcrypt_concurrency = Some(1);
            s.bcrypt_max_wait_ms = 0;
            s.metrics_addr = Some("127.0.0.1:0".into());
        })
        .await;
        let exact = "p".repeat(72);
        let body = json!({"email": "long@example.com", "password": exact});
        assert_eq!(app.sign_up_with(body).await.status(), StatusCode::CREATED);
        let longer = format!("{exact}and more");
        // More attempts than the per-email failure limit (10): none counts.
        for _ in 0..6 {
            let resp = app.log_in("long@example.com", &longer).await;
            assert_problem(resp, 401, "invalid_credentials").await;
            let resp = app.token_grant("long@example.com", &longer).await;
            assert_oauth_error(resp, "invalid_grant").await;
        }
        let resp = app.log_in("long@example.com", &exact).await;
        assert_eq!(resp.status(), StatusCode::OK);

        // A wrong password for the account: one bcrypt job (an unknown
        // email would first make the dummy hash, a second job).
        let slow = app.log_in_request("long@example.com", "a wrong password");
        let slow = tokio::spawn(timed(async move { slow.send().await.unwrap() }));
        wait_until_hashing(&app, 1).await;
        let (resp, long_span) = timed(app.log_in("long@example.com", &longer)).await;
        assert_problem(resp, 401, "invalid_credentials").await;
        // The control: a password that needs bcrypt finds the thread busy.
        let resp = app.log_in("long@example.com", "wrong password").await;
        assert_problem(resp, 503, "server_busy").await;
        let (resp, slow_span) = slow.await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_each_overlaps(&[long_span], &[slow_span], "the over-long login");
    }
);

backend_test!(
    an_email_is_one_account_in_either_unicode_normal_form,
    |app| async move {
        let composed = "caf\u{e9}@example.com";
        let decomposed = "CAFE\u{301}@example.com";
        let created: Value = app
            .sign_up_with(json!({"email": decomposed, "password": PASSWORD}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(created["user"]["email"], composed);
        let resp = app.sign_up_request(composed, PASSWORD).send().await;
        assert_problem(resp.unwrap(), 409, "email_taken").await;
        for spelling in [composed, decomposed] {
            let resp = app.log_in(spelling, PASSWORD).await;
            assert_eq!(resp.status(), StatusCode::OK, "{spelling:?}");
            let resp = app.token_grant(spelling, PASSWORD).await;
            assert_eq!(resp.status(), StatusCode::OK, "{spelling:?}");
        }
    }
);

backend_test!(nul_in_any_task_text_is_a_422_naming_it, |app| async move {
    let s = app.sign_up().await;
    let kept = app.create_task(&s, json!({"title": "kept"})).await;
    let task_path = app.task_path(&s, kept["id"].as_str().unwrap());
    let changes = [
        ("/title", json!({"title": "a\u{0}b"})),
        ("/description", json!({"description": "a\u{0}"})),
        ("/tags/1", json!({"tags": ["ok", "a\u{0}"]})),
    ];
    for (field, change) in changes {
        let mut whole = json!({"title": "t"});
        whole
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        for (method, path) in [
            (Method::POST, app.tasks_path(&s)),
            (Method::PUT, task_path.clone()),
        ] {
            let resp = app
                .send(&s, method.clone(), &path, Some(whole.clone()))
                .await;
            assert_invalid(resp, field).await;
        }
        let resp = app.send(&s, Method::PATCH, &task_path, Some(change)).await;
        assert_invalid(resp, field).await;
    }
    let page = app.list(&s, "").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0], kept, "nothing was written");
});

backend_test!(
    nul_in_any_account_text_is_a_4xx_naming_it,
    |app| async move {
        let signups = [
            (
                "/email",
                json!({"email": "a\u{0}@example.com", "password": PASSWORD}),
            ),
            (
                "/password",
                json!({"email": "p@example.com", "password": "pass\u{0}word"}),
            ),
            (
                "/name",
                json!({"email": "n@example.com", "password": PASSWORD, "name": "A\u{0}"}),
            ),
        ];
        for (field, body) in signups {
            assert_invalid(app.sign_up_with(body).await, field).await;
        }
        assert_invalid(app.log_in("a\u{0}@example.com", PASSWORD).await, "/email").await;
        assert_invalid(app.refresh("a\u{0}").await, "/refresh_token").await;
        assert_invalid(app.log_out("a\u{0}").await, "/refresh_token").await;
        let body = assert_oauth_error(
            app.token_grant("a\u{0}@example.com", PASSWORD).await,
            "invalid_request",
        )
        .await;
        assert!(
            body["detail"].as_str().unwrap().contains("username"),
            "{body}"
        );
        let (email, body) = app.sign_up_body().await;
        let access = body["access_token"].as_str().unwrap();
        let resp = app
            .change_password(access, PASSWORD, "new\u{0}password")
            .await;
        assert_invalid(resp, "/new_password").await;
        // Nothing was stored, and the account's password is unchanged.
        assert_eq!(
            app.sign_up_status("p@example.com").await,
            StatusCode::CREATED
        );
        assert_eq!(app.log_in(&email, PASSWORD).await.status(), StatusCode::OK);
    }
);

backend_test!(nul_in_a_list_filter_is_a_422_naming_it, |app| async move {
    let s = app.sign_up().await;
    for (query, field) in [
        ("q=a%00b", "q"),
        ("tag=a%00", "tag"),
        ("tag=ok&tag=%00", "tag"),
    ] {
        assert_invalid(app.list_response(&s, query).await, field).await;
    }
});

backend_test!(
    a_tag_list_is_bounded_before_its_tags_are_normalised,
    |app| async move {
        let s = app.sign_up().await;
        let path = app.tasks_path(&s);
        // As many copies of one tag as fit in the 64 KiB a body may have:
        // refused before any is read (checking each took over 30 s here).
        let flood = json!({"title": "t", "tags": vec!["a"; 15_000]});
        let (resp, span) = timed(app.send(&s, Method::POST, &path, Some(flood))).await;
        assert!(span.answered - span.sent < Duration::from_secs(5));
        assert_invalid(resp, "/tags").await;
        let resp = app
            .send(
                &s,
                Method::POST,
                &path,
                Some(json!({"title": "t", "tags": vec!["x"; 101]})),
            )
            .await;
        assert_invalid(resp, "/tags").await;
        let distinct: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        let resp = app
            .send(
                &s,
                Method::POST,
                &path,
                Some(json!({"title": "t", "tags": distinct})),
            )
            .await;
        assert_invalid(resp, "/tags").await;
        let spellings: Vec<&str> = ["Same", " same", "SAME "].repeat(33);
        let task = app
            .create_task(&s, json!({"title": "t", "tags": spellings}))
            .await;
        assert_eq!(task["tags"], json!(["same"]));
    }
);

backend_test!(
    repeated_list_filters_are_capped_and_deduplicated,
    |app| async move {
        let s = app.sign_up().await;
        let both = app
            .create_task(&s, json!({"title": "both", "tags": ["a", "b"]}))
            .await;
        app.create_task(&s, json!({"title": "a only", "tags": ["a"]}))
            .await;
        // 20 values, naming two distinct tags: one task carries both.
        let twenty = ["tag=A", "tag=a", "tag=b", "tag=%20B"].repeat(5).join("&");
        let page = app.list(&s, &twenty).await;
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["id"], both["id"]);
        let resp = app.list_response(&s, &format!("{twenty}&tag=a")).await;
        assert_invalid(resp, "tag").await;
        let four = "priority=low&priority=medium&priority=high&priority=urgent";
        assert_eq!(app.list(&s, four).await["total"], 2);
        let resp = app.list_response(&s, &format!("{four}&priority=low")).await;
        assert_invalid(resp, "priority").await;
    }
);

backend_test!(
    a_recurring_task_stops_rather_than_pass_year_9999,
    |app| async move {
        let s = app.sign_up().await;
        for (due, recurrence) in [
            ("9999-12-31T00:00:00Z", "daily"),
            ("9999-12-25T00:00:00Z", "weekly"),
            ("9999-12-01T00:00:00Z", "monthly"),
        ] {
            let task = app
                .create_task(
                    &s,
                    json!({"title": recurrence, "due_date": due, "recurrence": recurrence}),
                )
                .await;
            assert_eq!(complete(&app, &s, &task).await, Value::Null, "{recurrence}");
        }
        // The last instant itself is still a due date.
        let task = app
            .create_task(
                &s,
                json!({"title": "last", "due_date": "9999-12-30T23:59:59Z", "recurrence": "daily"}),
            )
            .await;
        let next = complete(&app, &s, &task).await;
        let next = app.get_task(&s, next.as_str().unwrap()).await;
        assert_eq!(next["due_date"], "9999-12-31T23:59:59Z");
        assert_eq!(app.list(&s, "").await["total"], 5);
    }
);

/// Completes `task`; its `next_task_id`.
async fn complete(app: &TestApp, s: &Session, task: &Value) -> Value {
    let done = app.complete(s, task["id"].as_str().unwrap(), None).await;
    assert_eq!(done["completed"], true, "{done}");
    done["next_task_id"].clone()
}

backend_test!(
    a_token_from_the_future_or_with_a_non_canonical_sub_is_refused,
    |app| async move {
        let s = app.sign_up().await;
        let now = chrono::Utc::now().timestamp();
        let sign = |sub: &str, extra: Value| {
            let mut claims = json!({"sub": sub, "iat": now, "exp": now + 600, "iss": "tasks-api", "aud": "tasks-api"});
            claims
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
        };
        let id = s.user_id.as_str();
        let accepted = app
            .me_with(Some(format!("Bearer {}", sign(id, json!({})))))
            .await;
        assert_eq!(accepted.status(), StatusCode::OK, "the control case");
        let uuid: uuid::Uuid = id.parse().unwrap();
        let refused = [
            sign(id, json!({"nbf": now + 120})),
            sign(id, json!({"iat": now + 120})),
            sign(&id.to_uppercase(), json!({})),
            sign(&uuid.simple().to_string(), json!({})),
            sign(&uuid.braced().to_string(), json!({})),
        ];
        for token in refused {
            let resp = app.me_with(Some(format!("Bearer {token}"))).await;
            assert_problem(resp, 401, "invalid_token").await;
        }
    }
);

backend_test!(only Postgres:
    a_postgres_sqlstate_is_never_read_as_a_sqlite_code,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // SQLSTATE 22021, whose low byte as a number is SQLITE_BUSY's 5.
        let nul = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT $1::text", ["a\u{0}b".into()]);
        let err = app.db.query_one_raw(nul).await.unwrap_err();
        assert!(err.to_string().contains("0x00"), "{err}");
        let err = Error::from(err);
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
    }
);
