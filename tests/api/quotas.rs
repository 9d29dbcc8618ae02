//! What one account may keep: its tasks and its stored idempotent answers
//! are bounded, so it cannot fill the disk for everyone.
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tasks_api::entity::idempotency_key;

use crate::backend_test;
use crate::harness::{Backend, TestApp, assert_problem};

backend_test!(
    a_create_past_the_task_quota_is_409_until_one_is_deleted,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.quotas.max_tasks_per_user = 3).await;
        let s = app.sign_up().await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let task = app.create_task(&s, json!({"title": format!("t{i}")})).await;
            ids.push(task["id"].as_str().unwrap().to_owned());
        }
        let over = app
            .create_task_request(&s, &json!({"title": "one more"}))
            .send()
            .await
            .unwrap();
        assert_problem(over, 409, "too_many_tasks").await;
        let keyed = app.create_keyed(&s, "k", r#"{"title": "one more"}"#).await;
        assert_problem(keyed, 409, "too_many_tasks").await;
        assert_eq!(app.list(&s, "").await["total"], 3);
        // Another account has its own quota.
        let other = app.sign_up().await;
        app.create_task(&other, json!({"title": "theirs"})).await;

        let path = app.task_path(&s, &ids[0]);
        let deleted = app.send(&s, Method::DELETE, &path, None).await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        app.create_task(&s, json!({"title": "room again"})).await;
    }
);

backend_test!(
    racing_creates_never_pass_the_task_quota,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.quotas.max_tasks_per_user = 5).await;
        let s = app.sign_up().await;
        let create = |i: usize| {
            let request = app.create_task_request(&s, &json!({"title": format!("r{i}")}));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let statuses = futures_util::future::join_all((0..12).map(create)).await;
        let created = statuses.iter().filter(|&&s| s == 201).count();
        assert_eq!(created, 5, "{statuses:?}");
        assert!(
            statuses.iter().all(|&s| s == 201 || s == 409),
            "{statuses:?}"
        );
        assert_eq!(app.list(&s, "").await["total"], 5);
    }
);

backend_test!(
    past_the_key_quota_the_oldest_idempotent_answers_are_forgotten,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.quotas.max_idempotency_keys_per_user = 3).await;
        let s = app.sign_up().await;
        for i in 0..5 {
            let resp = app
                .create_keyed(&s, &format!("k{i}"), r#"{"title": "a"}"#)
                .await;
            assert_eq!(resp.status(), StatusCode::CREATED);
        }
        let user = uuid::Uuid::parse_str(&s.user_id).unwrap();
        let kept = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::UserId.eq(user))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(kept, 3);
        // The newest key still replays; the oldest was forgotten, so its
        // retry is a new create.
        app.create_keyed(&s, "k4", r#"{"title": "a"}"#).await;
        assert_eq!(app.list(&s, "").await["total"], 5);
        app.create_keyed(&s, "k0", r#"{"title": "a"}"#).await;
        assert_eq!(app.list(&s, "").await["total"], 6);
    }
);
