//! The change feed.
use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{TestApp, assert_invalid, assert_problem};

/// `(type, id)` of each change, in order.
fn kinds(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .map(|c| {
            let id = c["task"]["id"].as_str().or(c["tombstone"]["id"].as_str());
            (
                c["type"].as_str().unwrap().to_owned(),
                id.unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(kind: &str, id: &Value) -> (String, String) {
    (kind.to_owned(), id.as_str().unwrap().to_owned())
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

backend_test!(
    every_kind_of_write_appears_once_in_order_with_tombstones,
    |app| async move {
        let s = app.sign_up().await;
        let a = app.create_task(&s, json!({"title": "a"})).await;
        let b = app
            .create_task(&s, json!({"title": "b", "recurrence": "daily"}))
            .await;
        let c = app
            .create_task(&s, json!({"title": "c", "completed": true}))
            .await;
        // A first sync pages through the current tasks, two at a time.
        let (initial, cursor) = app.sync(&s, None, 2).await;
        let created = ["a", "b", "c"].map(|_| "task.created");
        assert_eq!(
            kinds(&initial),
            vec![
                pair(created[0], &a["id"]),
                pair(created[1], &b["id"]),
                pair(created[2], &c["id"])
            ]
        );
        assert_eq!(initial[2]["task"], c, "the whole task");

        let path = app.task_path(&s, a["id"].as_str().unwrap());
        let patched = app
            .authed(Method::PATCH, &path, &s)
            .json(&json!({"title": "a2"}));
        assert_eq!(patched.send().await.unwrap().status(), 200);
        let (changes, cursor) = app.sync(&s, Some(&cursor), 10).await;
        assert_eq!(kinds(&changes), vec![pair("task.updated", &a["id"])]);
        assert_eq!(changes[0]["task"]["title"], "a2");

        // Completing a recurring task changes it and creates the next one.
        let done = app.complete(&s, b["id"].as_str().unwrap(), None).await;
        let (changes, cursor) = app.sync(&s, Some(&cursor), 1).await;
        assert_eq!(
            sorted(kinds(&changes)),
            sorted(vec![
                pair("task.updated", &b["id"]),
                pair("task.created", &done["next_task_id"])
            ])
        );

        let deleted = app.authed(Method::DELETE, &path, &s).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        let (changes, cursor) = app.sync(&s, Some(&cursor), 10).await;
        assert_eq!(kinds(&changes), vec![pair("task.deleted", &a["id"])]);
        assert!(changes[0]["tombstone"]["deleted_at"].is_string());
        assert!(changes[0].get("task").is_none());

        let clear = format!("{}?status=completed", app.tasks_path(&s));
        let cleared = app.authed(Method::DELETE, &clear, &s).send().await.unwrap();
        assert_eq!(cleared.json::<Value>().await.unwrap()["deleted"], 2);
        let (changes, cursor) = app.sync(&s, Some(&cursor), 10).await;
        assert_eq!(
            sorted(kinds(&changes)),
            sorted(vec![
                pair("task.deleted", &b["id"]),
                pair("task.deleted", &c["id"])
            ])
        );

        // Nothing since: an empty page that keeps the cursor.
        let page = app.changes(&s, Some(&cursor), 10).await;
        assert_eq!(
            page,
            json!({"changes": [], "next_cursor": cursor, "has_more": false})
        );
        // A fresh sync sees the one task left, and no old deletions.
        let (fresh, _) = app.sync(&s, None, 10).await;
        assert_eq!(
            kinds(&fresh),
            vec![pair("task.created", &done["next_task_id"])]
        );
    }
);

backend_test!(
    paging_while_others_write_misses_and_repeats_nothing,
    |app| async move {
        let s = app.sign_up().await;
        let (_, start) = app.sync(&s, None, 10).await;
        let app = std::sync::Arc::new(app);
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..4 {
            let (app, s) = (app.clone(), s.clone());
            writers.spawn(async move {
                for n in 0..6 {
                    let task = app
                        .create_task(&s, json!({"title": format!("{w}-{n}")}))
                        .await;
                    let path = app.task_path(&s, task["id"].as_str().unwrap());
                    let patch = app
                        .authed(Method::PATCH, &path, &s)
                        .json(&json!({"priority": "high"}));
                    assert_eq!(patch.send().await.unwrap().status(), 200);
                    if n % 3 == 0 {
                        let gone = app.authed(Method::DELETE, &path, &s).send().await.unwrap();
                        assert_eq!(gone.status(), 204);
                    }
                }
            });
        }
        // Page with a small limit while they write, until a read that
        // began after the last write has reached the end.
        let (mut seen, mut cursor) = (Vec::<Value>::new(), start);
        for _ in 0..10_000 {
            let all_written = writers.is_empty();
            let page = app.changes(&s, Some(&cursor), 3).await;
            seen.extend(page["changes"].as_array().unwrap().iter().cloned());
            cursor = page["next_cursor"].as_str().unwrap().to_owned();
            while let Some(done) = writers.try_join_next() {
                done.unwrap();
            }
            if all_written && page["has_more"] == false {
                break;
            }
        }
        assert_state_matches(&app, &s, &seen).await;
    }
);

/// Replaying `changes` in order gives exactly the user's tasks now, and no
/// change of a task came twice or out of order.
async fn assert_state_matches(app: &TestApp, s: &crate::harness::Session, changes: &[Value]) {
    let mut replayed: HashMap<String, Option<String>> = HashMap::new();
    let mut versions_seen = std::collections::HashSet::new();
    for change in changes {
        match change["type"].as_str().unwrap() {
            "task.deleted" => {
                let id = change["tombstone"]["id"].as_str().unwrap().to_owned();
                assert!(
                    versions_seen.insert((id.clone(), String::new())),
                    "deleted twice: {id}"
                );
                replayed.insert(id, None);
            }
            _ => {
                let task = &change["task"];
                let id = task["id"].as_str().unwrap().to_owned();
                let state = task.to_string();
                assert!(
                    versions_seen.insert((id.clone(), state.clone())),
                    "repeated {task}"
                );
                replayed.insert(id, Some(state));
            }
        }
    }
    let now = app.list(s, "?limit=100").await;
    let live: HashMap<String, Option<String>> = now["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_owned(), Some(t.to_string())))
        .collect();
    let replayed_live: HashMap<_, _> = replayed.into_iter().filter(|(_, v)| v.is_some()).collect();
    assert_eq!(
        replayed_live, live,
        "replaying the feed gives the tasks as they are"
    );
    assert_eq!(live.len(), 16, "24 created, 8 deleted");
}

backend_test!(a_cursor_past_the_retention_is_gone, |app| async move {
    let s = app.sign_up().await;
    let task = app.create_task(&s, json!({"title": "old"})).await;
    let (_, before) = app.sync(&s, None, 10).await;
    let path = app.task_path(&s, task["id"].as_str().unwrap());
    assert_eq!(
        app.authed(Method::DELETE, &path, &s)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (_, after) = app.sync(&s, Some(&before), 10).await;
    assert_eq!(app.age_and_purge_tombstones(31).await, 1);
    let resp = app
        .changes_request(&s, Some(&before), 10)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 410, "cursor_expired").await;
    // A cursor that saw the deletion, and a fresh start, still work.
    assert_eq!(
        app.changes(&s, Some(&after), 10).await["changes"],
        json!([])
    );
    assert_eq!(app.changes(&s, None, 10).await["changes"], json!([]));
});

backend_test!(a_cursor_that_is_not_ours_is_refused, |app| async move {
    let s = app.sign_up().await;
    use base64::Engine;
    // Well formed, but ahead of anything this user's feed has issued.
    let ahead = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("c1.999.{}.0", uuid::Uuid::nil().simple()));
    for bad in ["nonsense", ahead.as_str()] {
        let resp = app.changes_request(&s, Some(bad), 10).send().await.unwrap();
        let body = assert_invalid(resp, "cursor").await;
        assert_eq!(body["errors"][0]["in"], "query", "{bad}");
    }
    let other = app.sign_up().await;
    let theirs = app
        .authed(Method::GET, &format!("/api/{}/changes", other.user_id), &s)
        .send()
        .await
        .unwrap();
    assert_problem(theirs, 403, "forbidden").await;
});
