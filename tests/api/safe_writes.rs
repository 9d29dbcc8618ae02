//! Contract §6: ETags and If-Match, idempotent creates, recurrence, and
//! clearing completed tasks — the racing cases included.
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use tasks_api::entity::idempotency_key;

use crate::db_test;
use crate::helpers::{Session, TestApp, assert_invalid, assert_problem};

async fn write(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.authed(method, path, s);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

fn etag(resp: &reqwest::Response) -> String {
    resp.headers()["etag"].to_str().unwrap().to_owned()
}

async fn current_etag(app: &TestApp, s: &Session, path: &str) -> String {
    etag(&app.authed(Method::GET, path, s).send().await.unwrap())
}

db_test!(every_write_changes_the_etag, |app| async move {
    let s = app.sign_up().await;
    let task = app.create_task(&s, json!({"title": "v1"})).await;
    let path = app.task_path(&s, task["id"].as_str().unwrap());
    let mut seen = vec![current_etag(&app, &s, &path).await];
    for (method, suffix, body) in [
        (Method::PUT, "", Some(json!({"title": "v2"}))),
        (Method::PATCH, "", Some(json!({"title": "v3"}))),
        (Method::PATCH, "/complete", None),
    ] {
        let resp = write(&app, &s, method, &format!("{path}{suffix}"), None, body).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tag = etag(&resp);
        assert_eq!(
            tag,
            current_etag(&app, &s, &path).await,
            "the response carries the new ETag"
        );
        assert!(!seen.contains(&tag), "ETag {tag} was reused");
        seen.push(tag);
    }
});

db_test!(
    a_stale_if_match_is_412_and_changes_nothing,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "original"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let stale = current_etag(&app, &s, &path).await;
        let resp = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some(&stale),
            Some(json!({"title": "first"})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let fresh = etag(&resp);
        let before = app.get_task(&s, task["id"].as_str().unwrap()).await;
        for (method, suffix, body) in [
            (Method::PUT, "", Some(json!({"title": "lost update"}))),
            (Method::PATCH, "", Some(json!({"title": "lost update"}))),
            (Method::PATCH, "/complete", Some(json!({"completed": true}))),
            (Method::DELETE, "", None),
        ] {
            let resp = write(
                &app,
                &s,
                method,
                &format!("{path}{suffix}"),
                Some(&stale),
                body,
            )
            .await;
            assert_problem(resp, 412, "precondition_failed").await;
        }
        assert_eq!(app.get_task(&s, task["id"].as_str().unwrap()).await, before);
        // The current ETag, a list containing it, or `*` all match.
        let resp = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some(&format!("{stale}, {fresh}")),
            Some(json!({})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some("*"),
            Some(json!({"title": "star"})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tag = etag(&resp);
        assert_eq!(
            write(&app, &s, Method::DELETE, &path, Some(&tag), None)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
    }
);

db_test!(
    a_weak_or_malformed_if_match_never_matches,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "t"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let tag = current_etag(&app, &s, &path).await;
        let weak = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some(&format!("W/{tag}")),
            Some(json!({})),
        )
        .await;
        assert_problem(weak, 412, "precondition_failed").await;
        // An If-Match that names no entity tag fails its condition.
        let garbage = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some("not-a-tag"),
            Some(json!({})),
        )
        .await;
        assert_problem(garbage, 412, "precondition_failed").await;
    }
);

db_test!(
    two_writers_racing_with_one_etag_get_one_200_and_one_412,
    |app| async move {
        let s = app.sign_up().await;
        for round in 0..8 {
            let task = app
                .create_task(&s, json!({"title": format!("race {round}")}))
                .await;
            let path = app.task_path(&s, task["id"].as_str().unwrap());
            let tag = current_etag(&app, &s, &path).await;
            let (a, b) = tokio::join!(
                write(
                    &app,
                    &s,
                    Method::PATCH,
                    &path,
                    Some(&tag),
                    Some(json!({"title": "writer a"}))
                ),
                write(
                    &app,
                    &s,
                    Method::PUT,
                    &path,
                    Some(&tag),
                    Some(json!({"title": "writer b"}))
                ),
            );
            let mut statuses = [a.status().as_u16(), b.status().as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 412], "round {round}");
            let winner = if a.status() == StatusCode::OK {
                "writer a"
            } else {
                "writer b"
            };
            assert_eq!(
                app.get_task(&s, task["id"].as_str().unwrap()).await["title"],
                winner
            );
        }
    }
);

async fn create_keyed(app: &TestApp, s: &Session, key: &str, body: &str) -> reqwest::Response {
    app.authed(Method::POST, &app.tasks_path(s), s)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

db_test!(
    an_idempotent_retry_replays_the_first_response,
    |app| async move {
        let s = app.sign_up().await;
        let first = create_keyed(&app, &s, "key-1", r#"{"title": "Once", "tags": ["a"]}"#).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let (location, tag) = (first.headers()["location"].clone(), etag(&first));
        let first: Value = first.json().await.unwrap();
        // The same JSON value, written differently.
        let retry = create_keyed(&app, &s, "key-1", r#"{ "tags":["a"],  "title":"Once" }"#).await;
        assert_eq!(retry.status(), StatusCode::CREATED);
        assert_eq!(
            (retry.headers()["location"].clone(), etag(&retry)),
            (location, tag)
        );
        assert_eq!(retry.json::<Value>().await.unwrap(), first);
        assert_eq!(app.list(&s, "").await["total"], 1);

        let reused = create_keyed(&app, &s, "key-1", r#"{"title": "Twice"}"#).await;
        assert_problem(reused, 422, "idempotency_key_reused").await;
        assert_eq!(app.list(&s, "").await["total"], 1);
        // Keys are per user.
        let other = app.sign_up().await;
        let theirs = create_keyed(&app, &other, "key-1", r#"{"title": "Twice"}"#).await;
        assert_eq!(theirs.status(), StatusCode::CREATED);
    }
);

db_test!(
    identical_creates_racing_make_exactly_one_task,
    |app| async move {
        let s = app.sign_up().await;
        let body = r#"{"title": "Racing"}"#;
        let responses = futures_join(&app, &s, body).await;
        let ids: Vec<String> = responses
            .iter()
            .map(|(status, task)| {
                assert_eq!(*status, 201);
                task["id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        assert_eq!(app.list(&s, "").await["total"], 1);
    }
);

async fn futures_join(app: &TestApp, s: &Session, body: &str) -> Vec<(u16, Value)> {
    let send = || async {
        let resp = create_keyed(app, s, "race-key", body).await;
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    };
    let (a, b, c, d) = tokio::join!(send(), send(), send(), send());
    vec![a, b, c, d]
}

db_test!(
    expired_idempotency_keys_are_forgotten_and_purged,
    |app| async move {
        let s = app.sign_up().await;
        assert_eq!(
            create_keyed(&app, &s, "old", r#"{"title": "a"}"#)
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
        let reused = create_keyed(&app, &s, "old", r#"{"title": "b"}"#).await;
        assert_eq!(
            reused.status(),
            StatusCode::CREATED,
            "an expired key is free again"
        );
        assert_eq!(app.list(&s, "").await["total"], 2);
    }
);

db_test!(a_malformed_idempotency_key_is_422, |app| async move {
    let s = app.sign_up().await;
    assert_invalid(
        create_keyed(&app, &s, &"k".repeat(256), r#"{"title": "a"}"#).await,
        "Idempotency-Key",
    )
    .await;
});

db_test!(
    completing_a_recurring_task_creates_the_next_occurrence_once,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(
                &s,
                json!({
                    "title": "Water plants", "description": "all of them", "priority": "high",
                    "tags": ["home"], "due_date": "2026-12-01T08:00:00Z", "recurrence": "daily"
                }),
            )
            .await;
        let id = task["id"].as_str().unwrap();
        let complete = format!("{}/complete", app.task_path(&s, id));
        let done: Value = write(&app, &s, Method::PATCH, &complete, None, None)
            .await
            .json()
            .await
            .unwrap();
        let next_id = done["next_task_id"]
            .as_str()
            .expect("next_task_id is set")
            .to_owned();
        let next = app.get_task(&s, &next_id).await;
        assert_eq!(next["due_date"], "2026-12-02T08:00:00Z");
        for field in ["title", "description", "priority", "tags", "recurrence"] {
            assert_eq!(next[field], task[field], "{field} is copied");
        }
        assert_eq!(
            (next["completed"].clone(), next["next_task_id"].clone()),
            (json!(false), Value::Null)
        );
        // Un-completing keeps the occurrence; completing again makes no second.
        let reopened: Value = write(&app, &s, Method::PATCH, &complete, None, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(reopened["next_task_id"], next_id.as_str());
        write(
            &app,
            &s,
            Method::PATCH,
            &complete,
            None,
            Some(json!({"completed": true})),
        )
        .await;
        assert_eq!(app.list(&s, "").await["total"], 2);
        assert!(app.get_task(&s, id).await["next_task_id"] == next_id.as_str());
    }
);

db_test!(
    every_endpoint_that_completes_a_recurring_task_recurs_it,
    |app| async move {
        let s = app.sign_up().await;
        let monthly = app
        .create_task(&s, json!({"title": "Rent", "due_date": "2027-01-31T09:00:00Z", "recurrence": "monthly"}))
        .await;
        let path = app.task_path(&s, monthly["id"].as_str().unwrap());
        let done: Value = write(
            &app,
            &s,
            Method::PATCH,
            &path,
            None,
            Some(json!({"completed": true})),
        )
        .await
        .json()
        .await
        .unwrap();
        let next = app
            .get_task(&s, done["next_task_id"].as_str().unwrap())
            .await;
        assert_eq!(
            next["due_date"], "2027-02-28T09:00:00Z",
            "monthly clamps to the month's end"
        );

        let weekly = app
            .create_task(&s, json!({"title": "Review", "recurrence": "weekly"}))
            .await;
        let path = app.task_path(&s, weekly["id"].as_str().unwrap());
        let replaced: Value = write(
            &app,
            &s,
            Method::PUT,
            &path,
            None,
            Some(json!({"title": "Review", "recurrence": "weekly", "completed": true})),
        )
        .await
        .json()
        .await
        .unwrap();
        let next = app
            .get_task(&s, replaced["next_task_id"].as_str().unwrap())
            .await;
        let due = chrono::DateTime::parse_from_rfc3339(next["due_date"].as_str().unwrap()).unwrap();
        let expected = chrono::Utc::now() + chrono::Duration::days(7);
        assert!(
            (due.timestamp() - expected.timestamp()).abs() < 60,
            "undated: one week from now"
        );
        // A task that does not recur gets no next occurrence.
        let once = app.create_task(&s, json!({"title": "Once"})).await;
        let path = format!(
            "{}/complete",
            app.task_path(&s, once["id"].as_str().unwrap())
        );
        let done: Value = write(&app, &s, Method::PATCH, &path, None, None)
            .await
            .json()
            .await
            .unwrap();
        assert!(done["next_task_id"].is_null());
    }
);

db_test!(
    racing_completions_create_one_next_occurrence,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(&s, json!({"title": "Daily", "recurrence": "daily"}))
            .await;
        let complete = format!(
            "{}/complete",
            app.task_path(&s, task["id"].as_str().unwrap())
        );
        let body = Some(json!({"completed": true}));
        let (a, b, c) = tokio::join!(
            write(&app, &s, Method::PATCH, &complete, None, body.clone()),
            write(&app, &s, Method::PATCH, &complete, None, body.clone()),
            write(&app, &s, Method::PATCH, &complete, None, body.clone()),
        );
        assert!(
            [a.status(), b.status(), c.status()]
                .iter()
                .all(|s| *s == StatusCode::OK)
        );
        assert_eq!(app.list(&s, "").await["total"], 2);
    }
);

db_test!(
    clearing_completed_tasks_deletes_only_those,
    |app| async move {
        let s = app.sign_up().await;
        for (title, completed) in [("a", true), ("b", false), ("c", true)] {
            app.create_task(&s, json!({"title": title, "completed": completed}))
                .await;
        }
        let other = app.sign_up().await;
        app.create_task(&other, json!({"title": "theirs", "completed": true}))
            .await;
        let path = app.tasks_path(&s);
        for query in ["", "?status=pending", "?status=all"] {
            let resp = app
                .authed(Method::DELETE, &format!("{path}{query}"), &s)
                .send()
                .await
                .unwrap();
            assert_invalid(resp, "status").await;
        }
        assert_eq!(
            app.list(&s, "").await["total"],
            3,
            "a refused clear deletes nothing"
        );
        let resp = app
            .authed(Method::DELETE, &format!("{path}?status=completed"), &s)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<Value>().await.unwrap(), json!({"deleted": 2}));
        let left = app.list(&s, "").await;
        assert_eq!(
            (left["total"].clone(), left["items"][0]["title"].clone()),
            (json!(1), json!("b"))
        );
        assert_eq!(app.list(&other, "").await["total"], 1);
        let again = app
            .authed(Method::DELETE, &format!("{path}?status=completed"), &s)
            .send()
            .await
            .unwrap();
        assert_eq!(again.json::<Value>().await.unwrap(), json!({"deleted": 0}));
    }
);

db_test!(
    many_unconditional_patches_of_one_task_all_succeed,
    |app| async move {
        // Without If-Match a patch that keeps losing the race takes the
        // row's lock instead of failing: none of these may answer 500.
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "contended"})).await;
        let url = app.url(&app.task_path(&s, task["id"].as_str().unwrap()));
        let mut writers = tokio::task::JoinSet::new();
        for n in 0..40 {
            let (client, url, token) = (app.client.clone(), url.clone(), s.token.clone());
            writers.spawn(async move {
                let resp = client
                    .patch(url)
                    .bearer_auth(token)
                    .json(&json!({"title": format!("writer {n}")}))
                    .send()
                    .await
                    .unwrap();
                resp.status().as_u16()
            });
        }
        while let Some(status) = writers.join_next().await {
            assert_eq!(status.unwrap(), 200);
        }
        let resp = app
            .authed(
                Method::GET,
                &app.task_path(&s, task["id"].as_str().unwrap()),
                &s,
            )
            .send()
            .await
            .unwrap();
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.ends_with("-41\""), "41 writes in all, got {etag}");
    }
);
