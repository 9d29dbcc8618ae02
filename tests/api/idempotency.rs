//! Idempotent creates with an `Idempotency-Key`, the racing
//! retries included.
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;
use tasks_api::entity::idempotency_key;

use crate::backend_test;
use crate::harness::{assert_invalid, assert_overlapped, assert_problem, etag, overlapped, timed};

backend_test!(
    an_idempotent_retry_replays_the_first_response,
    |app| async move {
        let s = app.sign_up().await;
        let first = app
            .create_keyed(&s, "key-1", r#"{"title": "Once", "tags": ["a"]}"#)
            .await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let (location, tag) = (first.headers()["location"].clone(), etag(&first));
        let first: Value = first.json().await.unwrap();
        // The same JSON value, written differently.
        let retry = app
            .create_keyed(&s, "key-1", r#"{ "tags":["a"],  "title":"Once" }"#)
            .await;
        assert_eq!(retry.status(), StatusCode::CREATED);
        assert_eq!(
            (retry.headers()["location"].clone(), etag(&retry)),
            (location, tag)
        );
        assert_eq!(retry.json::<Value>().await.unwrap(), first);
        assert_eq!(app.list(&s, "").await["total"], 1);

        let reused = app.create_keyed(&s, "key-1", r#"{"title": "Twice"}"#).await;
        assert_problem(reused, 422, "idempotency_key_reused").await;
        assert_eq!(app.list(&s, "").await["total"], 1);
        // Keys are per user.
        let other = app.sign_up().await;
        let theirs = app
            .create_keyed(&other, "key-1", r#"{"title": "Twice"}"#)
            .await;
        assert_eq!(theirs.status(), StatusCode::CREATED);
    }
);

backend_test!(
    identical_creates_racing_make_exactly_one_task,
    |app| async move {
        let s = app.sign_up().await;
        let body = r#"{"title": "Racing"}"#;
        // On a loaded machine the first create can be answered before the
        // last is sent; each round is checked, and one must have raced.
        let mut rounds = 0;
        loop {
            rounds += 1;
            let key = format!("race-key-{rounds}");
            let send = || async {
                let (resp, span) = timed(app.create_keyed(&s, &key, body)).await;
                (
                    resp.status().as_u16(),
                    resp.json::<Value>().await.unwrap(),
                    span,
                )
            };
            let (a, b, c, d) = tokio::join!(send(), send(), send(), send());
            let responses = [(a.0, a.1), (b.0, b.1), (c.0, c.1), (d.0, d.1)];
            let ids: Vec<String> = responses
                .iter()
                .map(|(status, task)| {
                    assert_eq!(*status, 201);
                    task["id"].as_str().unwrap().to_owned()
                })
                .collect();
            assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
            assert_eq!(app.list(&s, "").await["total"], rounds);
            let spans = [a.2, b.2, c.2, d.2];
            if overlapped(&spans) || rounds == 5 {
                assert_overlapped(&spans, "four creates with one key, in the last of 5 rounds");
                break;
            }
        }
    }
);

backend_test!(
    expired_idempotency_keys_are_forgotten_and_purged,
    |app| async move {
        let s = app.sign_up().await;
        assert_eq!(
            app.create_keyed(&s, "old", r#"{"title": "a"}"#)
                .await
                .status(),
            StatusCode::CREATED
        );
        let user = uuid::Uuid::parse_str(&s.user_id).unwrap();
        let record = idempotency_key::Entity::find_by_id((user, "old".to_owned()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut aged = record.into_active_model();
        aged.created_at = Set(chrono::Utc::now() - chrono::Duration::hours(25));
        aged.update(&app.db).await.unwrap();
        assert_eq!(
            tasks_api::service::idempotency::purge_expired(&app.db)
                .await
                .unwrap(),
            1
        );
        let reused = app.create_keyed(&s, "old", r#"{"title": "b"}"#).await;
        assert_eq!(
            reused.status(),
            StatusCode::CREATED,
            "an expired key is free again"
        );
        assert_eq!(app.list(&s, "").await["total"], 2);
    }
);

backend_test!(a_malformed_idempotency_key_is_422, |app| async move {
    let s = app.sign_up().await;
    assert_invalid(
        app.create_keyed(&s, &"k".repeat(256), r#"{"title": "a"}"#)
            .await,
        "Idempotency-Key",
    )
    .await;
});
