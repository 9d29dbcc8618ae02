//! Completing a recurring task creates its next occurrence,
//! once, whichever endpoint completes it and however many do at once.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{assert_overlapped, timed};

backend_test!(
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
        let done = app.complete(&s, id, None).await;
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
        let reopened = app.complete(&s, id, None).await;
        assert_eq!(reopened["next_task_id"], next_id.as_str());
        app.complete(&s, id, Some(json!({"completed": true}))).await;
        assert_eq!(app.list(&s, "").await["total"], 2);
        assert!(app.get_task(&s, id).await["next_task_id"] == next_id.as_str());
    }
);

backend_test!(
    every_endpoint_that_completes_a_recurring_task_recurs_it,
    |app| async move {
        let s = app.sign_up().await;
        let monthly = app
        .create_task(&s, json!({"title": "Rent", "due_date": "2027-01-31T09:00:00Z", "recurrence": "monthly"}))
        .await;
        let path = app.task_path(&s, monthly["id"].as_str().unwrap());
        let done: Value = app
            .send(&s, Method::PATCH, &path, Some(json!({"completed": true})))
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
        let replaced: Value = app
            .send(
                &s,
                Method::PUT,
                &path,
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
        let done = app.complete(&s, once["id"].as_str().unwrap(), None).await;
        assert!(done["next_task_id"].is_null());
    }
);

backend_test!(
    racing_completions_create_one_next_occurrence,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(&s, json!({"title": "Daily", "recurrence": "daily"}))
            .await;
        let complete = app.complete_path(&s, task["id"].as_str().unwrap());
        let body = Some(json!({"completed": true}));
        let ((a, a_span), (b, b_span), (c, c_span)) = tokio::join!(
            timed(app.send(&s, Method::PATCH, &complete, body.clone())),
            timed(app.send(&s, Method::PATCH, &complete, body.clone())),
            timed(app.send(&s, Method::PATCH, &complete, body.clone())),
        );
        assert_overlapped(&[a_span, b_span, c_span], "three completions");
        assert!(
            [a.status(), b.status(), c.status()]
                .iter()
                .all(|s| *s == StatusCode::OK)
        );
        assert_eq!(app.list(&s, "").await["total"], 2);
    }
);
