//! Clearing completed tasks.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::assert_invalid;

backend_test!(
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
