//! One task: creating, reading, replacing, patching, completing and
//! deleting it.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{assert_invalid, assert_problem};

backend_test!(a_new_task_has_the_documented_defaults, |app| async move {
    let s = app.sign_up().await;
    let resp = app
        .send(
            &s,
            Method::POST,
            &app.tasks_path(&s),
            Some(json!({"title": "  Buy milk  "})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(resp.headers().contains_key("etag"));
    let task: Value = resp.json().await.unwrap();
    assert_eq!(location, app.task_path(&s, task["id"].as_str().unwrap()));
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["description"], "");
    assert_eq!(task["completed"], false);
    assert!(task["completed_at"].is_null());
    assert_eq!(task["priority"], "medium");
    assert_eq!(task["tags"], json!([]));
    assert!(
        task["due_date"].is_null()
            && task["recurrence"].is_null()
            && task["next_task_id"].is_null()
    );
    assert_eq!(task["user_id"], s.user_id.as_str());
    assert_eq!(task["created_at"], task["updated_at"]);
    // The Location header leads to the same task.
    let fetched: Value = app
        .send(&s, Method::GET, &location, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, task);
});

backend_test!(every_field_round_trips_normalised, |app| async move {
    let s = app.sign_up().await;
    let task = app
        .create_task(&s, json!({
            "title": "Plan trip", "description": "Book flights", "completed": true, "priority": "urgent",
            "tags": [" Travel ", "travel", "FAMILY"], "due_date": "2026-12-24T18:30:00+02:00", "recurrence": "weekly"
        }))
        .await;
    assert_eq!(task["tags"], json!(["travel", "family"]));
    assert_eq!(task["due_date"], "2026-12-24T16:30:00Z");
    assert_eq!(task["priority"], "urgent");
    assert_eq!(task["recurrence"], "weekly");
    assert_eq!(task["completed"], true);
    assert!(task["completed_at"].is_string());
    assert_eq!(app.get_task(&s, task["id"].as_str().unwrap()).await, task);
});

backend_test!(
    task_fields_are_validated_at_their_bounds,
    |app| async move {
        let s = app.sign_up().await;
        let path = app.tasks_path(&s);
        let tags = |n: usize| (0..n).map(|i| format!("tag{i}")).collect::<Vec<_>>();
        let cases = [
            (json!({"title": "t".repeat(200)}), None),
            (json!({"title": "ü".repeat(200)}), None),
            (json!({"title": "t".repeat(201)}), Some("/title")),
            (json!({"title": ""}), Some("/title")),
            (json!({"title": "   "}), Some("/title")),
            (json!({}), Some("/title")),
            (json!({"title": false}), Some("/title")),
            (json!({"title": 7}), Some("/title")),
            (json!({"title": "d", "description": "d".repeat(2000)}), None),
            (
                json!({"title": "d", "description": "d".repeat(2001)}),
                Some("/description"),
            ),
            (json!({"title": "t", "tags": tags(20)}), None),
            (json!({"title": "t", "tags": tags(21)}), Some("/tags")),
            (json!({"title": "t", "tags": ["x".repeat(50)]}), None),
            (
                json!({"title": "t", "tags": ["x".repeat(51)]}),
                Some("/tags/0"),
            ),
            (json!({"title": "t", "tags": [" "]}), Some("/tags/0")),
            (json!({"title": "t", "tags": [1]}), Some("/tags/0")),
            (
                json!({"title": "t", "priority": "critical"}),
                Some("/priority"),
            ),
            (
                json!({"title": "t", "recurrence": "yearly"}),
                Some("/recurrence"),
            ),
            (
                json!({"title": "t", "due_date": "next tuesday"}),
                Some("/due_date"),
            ),
            (
                json!({"title": "t", "completed": "yes"}),
                Some("/completed"),
            ),
            (
                json!({"title": "t", "description": null}),
                Some("/description"),
            ),
            (
                json!({"title": "t", "due_date": null, "recurrence": null}),
                None,
            ),
        ];
        for (body, failing) in cases {
            let resp = app.send(&s, Method::POST, &path, Some(body.clone())).await;
            match failing {
                None => assert_eq!(resp.status(), StatusCode::CREATED, "{body}"),
                Some(field) => {
                    assert_invalid(resp, field).await;
                }
            }
        }
        // 25 tags that merge to 20 are fine.
        let merged: Vec<String> = (0..25).map(|i| format!("Tag{}", i % 20)).collect();
        let task = app
            .create_task(&s, json!({"title": "t", "tags": merged}))
            .await;
        assert_eq!(task["tags"].as_array().unwrap().len(), 20);
    }
);

backend_test!(
    put_replaces_every_field_and_resets_omitted_ones,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(
                &s,
                json!({
                    "title": "Old", "description": "old", "completed": true, "priority": "high",
                    "tags": ["a"], "due_date": "2026-12-01T00:00:00Z", "recurrence": "daily"
                }),
            )
            .await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let resp = app
            .send(&s, Method::PUT, &path, Some(json!({"title": "New"})))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let replaced: Value = resp.json().await.unwrap();
        assert_eq!(replaced["title"], "New");
        assert_eq!(replaced["description"], "");
        assert_eq!(replaced["completed"], false);
        assert!(replaced["completed_at"].is_null());
        assert_eq!(replaced["priority"], "medium");
        assert_eq!(replaced["tags"], json!([]));
        assert!(replaced["due_date"].is_null() && replaced["recurrence"].is_null());
        assert_eq!(replaced["created_at"], task["created_at"]);
        assert_ne!(replaced["updated_at"], task["updated_at"]);
        assert_invalid(
            app.send(
                &s,
                Method::PUT,
                &path,
                Some(json!({"description": "no title"})),
            )
            .await,
            "/title",
        )
        .await;
    }
);

backend_test!(
    patch_changes_only_what_is_sent_and_null_clears,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(
                &s,
                json!({
                    "title": "Keep", "description": "keep", "priority": "high", "tags": ["a"],
                    "due_date": "2026-12-01T00:00:00Z", "recurrence": "daily"
                }),
            )
            .await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let patched: Value = app
            .send(&s, Method::PATCH, &path, Some(json!({"priority": "low"})))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(patched["priority"], "low");
        for field in [
            "title",
            "description",
            "tags",
            "due_date",
            "recurrence",
            "completed",
        ] {
            assert_eq!(patched[field], task[field], "{field} changed");
        }
        let cleared: Value = app
            .send(
                &s,
                Method::PATCH,
                &path,
                Some(json!({"due_date": null, "recurrence": null})),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(cleared["due_date"].is_null() && cleared["recurrence"].is_null());
        assert_eq!(cleared["title"], "Keep");
        let empty: Value = app
            .send(&s, Method::PATCH, &path, Some(json!({})))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(empty["title"], "Keep");
        assert_invalid(
            app.send(&s, Method::PATCH, &path, Some(json!({"title": " "})))
                .await,
            "/title",
        )
        .await;
        assert_invalid(
            app.send(
                &s,
                Method::PATCH,
                &path,
                Some(json!({"tags": ["x".repeat(51)]})),
            )
            .await,
            "/tags/0",
        )
        .await;
        let after = app.get_task(&s, task["id"].as_str().unwrap()).await;
        assert_eq!(after["title"], "Keep", "a refused patch changes nothing");
    }
);

backend_test!(
    complete_toggles_without_a_body_and_sets_with_one,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "Toggle"})).await;
        let id = task["id"].as_str().unwrap();
        let path = app.complete_path(&s, id);
        let on = app.complete(&s, id, None).await;
        assert_eq!(on["completed"], true);
        assert!(on["completed_at"].is_string());
        let off = app.complete(&s, id, None).await;
        assert_eq!(off["completed"], false);
        assert!(off["completed_at"].is_null());
        let set = app.complete(&s, id, Some(json!({"completed": true}))).await;
        let again = app.complete(&s, id, Some(json!({"completed": true}))).await;
        assert_eq!(
            (set["completed"].clone(), again["completed"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(
            again["completed_at"], set["completed_at"],
            "setting twice is idempotent"
        );
        let empty_object: Value = app
            .send(&s, Method::PATCH, &path, Some(json!({})))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            empty_object["completed"], false,
            "an empty object toggles too"
        );
        assert_invalid(
            app.send(&s, Method::PATCH, &path, Some(json!({"completed": "yes"})))
                .await,
            "/completed",
        )
        .await;
        let null_body = app.send(&s, Method::PATCH, &path, Some(json!(null))).await;
        assert_invalid(null_body, "").await;
        let null_field = app
            .send(&s, Method::PATCH, &path, Some(json!({"completed": null})))
            .await;
        assert_invalid(null_field, "/completed").await;
    }
);

backend_test!(delete_answers_204_once_then_404, |app| async move {
    let s = app.sign_up().await;
    let task = app.create_task(&s, json!({"title": "Bye"})).await;
    let path = app.task_path(&s, task["id"].as_str().unwrap());
    let first = app.send(&s, Method::DELETE, &path, None).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.send(&s, Method::DELETE, &path, None).await,
        404,
        "task_not_found",
    )
    .await;
    assert_problem(
        app.send(&s, Method::GET, &path, None).await,
        404,
        "task_not_found",
    )
    .await;
});

backend_test!(an_unknown_task_is_404, |app| async move {
    let s = app.sign_up().await;
    let path = app.task_path(&s, &uuid::Uuid::now_v7().to_string());
    for method in [Method::GET, Method::DELETE] {
        assert_problem(
            app.send(&s, method, &path, None).await,
            404,
            "task_not_found",
        )
        .await;
    }
    assert_problem(
        app.send(&s, Method::PUT, &path, Some(json!({"title": "x"})))
            .await,
        404,
        "task_not_found",
    )
    .await;
    assert_problem(
        app.send(&s, Method::PATCH, &path, Some(json!({}))).await,
        404,
        "task_not_found",
    )
    .await;
    let complete = format!("{path}/complete");
    assert_problem(
        app.send(&s, Method::PATCH, &complete, None).await,
        404,
        "task_not_found",
    )
    .await;
});
