//! The isolation matrix: no user can read or touch another user's tasks.
use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::assert_problem;

/// Every task operation, as (method, path suffix after /tasks, body).
fn operations(task_id: &str) -> Vec<(Method, String, Option<Value>)> {
    let one = format!("/{task_id}");
    vec![
        (Method::GET, one.clone(), None),
        (Method::PUT, one.clone(), Some(json!({"title": "hijacked"}))),
        (
            Method::PATCH,
            one.clone(),
            Some(json!({"title": "hijacked"})),
        ),
        (
            Method::PATCH,
            format!("{one}/complete"),
            Some(json!({"completed": true})),
        ),
        (Method::DELETE, one, None),
    ]
}

backend_test!(no_user_can_reach_another_users_tasks, |app| async move {
    let owner = app.sign_up().await;
    let intruder = app.sign_up().await;
    let task = app
        .create_task(&owner, json!({"title": "mine", "tags": ["private"]}))
        .await;
    let task_id = task["id"].as_str().unwrap();
    let owners_tasks = app.tasks_path(&owner);
    let intruders_tasks = app.tasks_path(&intruder);

    for (method, suffix, body) in operations(task_id) {
        // On the owner's path: 403, whatever the task.
        let resp = app
            .send(
                &intruder,
                method.clone(),
                &format!("{owners_tasks}{suffix}"),
                body.clone(),
            )
            .await;
        assert_problem(resp, 403, "forbidden").await;
        // On their own path with the owner's task id: it does not exist.
        let resp = app
            .send(
                &intruder,
                method.clone(),
                &format!("{intruders_tasks}{suffix}"),
                body.clone(),
            )
            .await;
        assert_problem(resp, 404, "task_not_found").await;
        // Without a token: 401 first.
        let resp = app
            .send_anonymous(method.clone(), &format!("{owners_tasks}{suffix}"), body)
            .await;
        assert_problem(resp, 401, "missing_token").await;
    }
    // Listing and creating on the owner's path.
    let list = app.send(&intruder, Method::GET, &owners_tasks, None).await;
    assert_problem(list, 403, "forbidden").await;
    let create = app
        .send(
            &intruder,
            Method::POST,
            &owners_tasks,
            Some(json!({"title": "planted"})),
        )
        .await;
    assert_problem(create, 403, "forbidden").await;
    assert_problem(
        app.send_anonymous(Method::GET, &owners_tasks, None).await,
        401,
        "missing_token",
    )
    .await;
    // The intruder's own list never shows it.
    assert_eq!(app.list(&intruder, "").await["total"], 0);

    // The owner's task is exactly as it was, and nothing was added.
    assert_eq!(app.get_task(&owner, task_id).await, task);
    assert_eq!(app.list(&owner, "").await["total"], 1);
});

backend_test!(
    a_missing_token_is_401_before_anything_else,
    |app| async move {
        let path = format!("/api/{}/tasks", uuid::Uuid::now_v7());
        let resp = app
            .request(Method::POST, &path)
            .json(&json!({"title": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        assert_problem(resp, 401, "missing_token").await;
    }
);

backend_test!(
    another_users_path_is_refused_before_its_input_is_read,
    |app| async move {
        let owner = app.sign_up().await;
        let intruder = app.sign_up().await;
        let owners_tasks = app.tasks_path(&owner);
        let task = format!("{owners_tasks}/{}", uuid::Uuid::now_v7());
        // Each of these is malformed; on the intruder's own path each is 422.
        let malformed = [
            (Method::DELETE, owners_tasks.clone(), None), // no `status`
            (Method::GET, format!("{owners_tasks}?limit=0"), None),
            (
                Method::POST,
                owners_tasks.clone(),
                Some(json!({"title": 5})),
            ),
            (Method::PUT, task.clone(), Some(json!({"tags": "x"}))),
            (
                Method::PATCH,
                format!("{owners_tasks}/not-a-uuid"),
                Some(json!({})),
            ),
        ];
        for (method, path, body) in &malformed {
            let mut req = app.authed(method.clone(), path, &intruder);
            if let Some(body) = body {
                req = req.json(body);
            }
            let resp = req.send().await.unwrap();
            assert_problem(resp, 403, "forbidden").await;
        }
        let own = app
            .authed(Method::DELETE, &app.tasks_path(&intruder), &intruder)
            .send()
            .await
            .unwrap();
        assert_problem(own, 422, "validation_failed").await;
        // A token whose account is gone is 401 there too, not 403 or 422.
        let gone = app.sign_up().await;
        let resp = app
            .delete_account(&gone.token, crate::harness::PASSWORD)
            .await;
        assert_eq!(resp.status(), 204);
        let resp = app
            .authed(Method::DELETE, &owners_tasks, &gone)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 401, "invalid_token").await;
    }
);
