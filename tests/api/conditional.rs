//! Conditional GET: `If-None-Match` on one task and on a page of the list
//! answers 304 while nothing changed, and the full answer once it has.
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{Backend, Session, TestApp, assert_problem, etag};

/// `GET path` as `session` with this `If-None-Match`.
async fn get_if_none_match(app: &TestApp, session: &Session, path: &str, tag: &str) -> Response {
    let req = app.authed(Method::GET, path, session);
    req.header("if-none-match", tag).send().await.unwrap()
}

/// Asserts a 304 naming `tag`, with no body; the answer is kept revalidating.
async fn assert_not_modified(resp: Response, tag: &str) {
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(etag(&resp), tag);
    assert_eq!(resp.headers()["cache-control"], "private, no-cache");
    assert!(resp.headers().get("content-type").is_none());
    assert!(resp.bytes().await.unwrap().is_empty(), "a 304 has no body");
}

/// Asserts a full 200 answer with an ETag other than `stale`; returns its
/// ETag and body.
async fn assert_full(resp: Response, stale: &str) -> (String, Value) {
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "private, no-cache");
    let tag = etag(&resp);
    assert_ne!(tag, stale, "the ETag moved on");
    (tag, resp.json().await.unwrap())
}

backend_test!(
    a_task_is_304_while_unchanged_and_200_once_changed,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "poll me"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let resp = app.send(&s, Method::GET, &path, None).await;
        let (current, body) = assert_full(resp, "").await;
        assert_eq!(body, task);

        // The tag itself, its weak form, a list holding it, and `*` all match.
        for header in [
            current.clone(),
            format!("W/{current}"),
            format!("\"elsewhere\", {current}"),
            "*".to_owned(),
        ] {
            let resp = get_if_none_match(&app, &s, &path, &header).await;
            assert_not_modified(resp, &current).await;
        }
        // A tag that was never this task's gets the task.
        let resp = get_if_none_match(&app, &s, &path, "\"elsewhere\"").await;
        assert_eq!(assert_full(resp, "").await.0, current);

        // After a write the old tag is stale: the new task, with its new tag.
        let patch = json!({"title": "changed"});
        let resp = app.send(&s, Method::PATCH, &path, Some(patch)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = get_if_none_match(&app, &s, &path, &current).await;
        let (fresh, body) = assert_full(resp, &current).await;
        assert_eq!(body["title"], "changed");
        let resp = get_if_none_match(&app, &s, &path, &format!("W/{current}")).await;
        assert_eq!(assert_full(resp, &current).await.0, fresh);
        let resp = get_if_none_match(&app, &s, &path, &fresh).await;
        assert_not_modified(resp, &fresh).await;

        // Completing changes it too.
        app.complete(&s, task["id"].as_str().unwrap(), None).await;
        let resp = get_if_none_match(&app, &s, &path, &fresh).await;
        let (_, body) = assert_full(resp, &fresh).await;
        assert_eq!(body["completed"], true);
    }
);

backend_test!(access_is_decided_before_if_none_match, |app| async move {
    let owner = app.sign_up().await;
    let intruder = app.sign_up().await;
    let task = app.create_task(&owner, json!({"title": "mine"})).await;
    let id = task["id"].as_str().unwrap();
    let owners_path = app.task_path(&owner, id);
    let tag = app.current_etag(&owner, &owners_path).await;
    for header in [tag.as_str(), "*"] {
        let resp = get_if_none_match(&app, &intruder, &owners_path, header).await;
        assert_problem(resp, 403, "forbidden").await;
        let intruders_path = app.task_path(&intruder, id);
        let resp = get_if_none_match(&app, &intruder, &intruders_path, header).await;
        assert_problem(resp, 404, "task_not_found").await;
        let resp = app
            .request(Method::GET, &owners_path)
            .header("if-none-match", header)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 401, "missing_token").await;
        let owners_list = app.tasks_path(&owner);
        let resp = get_if_none_match(&app, &intruder, &owners_list, header).await;
        assert_problem(resp, 403, "forbidden").await;
    }
    // A deleted task is 404, `*` or not.
    app.send(&owner, Method::DELETE, &owners_path, None).await;
    let resp = get_if_none_match(&app, &owner, &owners_path, "*").await;
    assert_problem(resp, 404, "task_not_found").await;
});

backend_test!(
    a_page_is_304_until_the_list_or_the_request_changes,
    |app| async move {
        let s = app.sign_up().await;
        let first = app.create_task(&s, json!({"title": "first"})).await;
        let list = format!("{}?status=pending&limit=10", app.tasks_path(&s));
        let resp = app.send(&s, Method::GET, &list, None).await;
        let (tag, page) = assert_full(resp, "").await;
        assert_eq!(page["total"], 1);
        for header in [tag.clone(), format!("W/{tag}"), "*".to_owned()] {
            let resp = get_if_none_match(&app, &s, &list, &header).await;
            assert_not_modified(resp, &tag).await;
        }

        // Another page size or other filters answer differently: another tag.
        for other in [
            "status=pending&limit=5",
            "status=completed&limit=10",
            "q=zzz",
        ] {
            let path = format!("{}?{other}", app.tasks_path(&s));
            let resp = get_if_none_match(&app, &s, &path, &tag).await;
            assert_full(resp, &tag).await;
        }

        // A created task changes it.
        app.create_task(&s, json!({"title": "second"})).await;
        let resp = get_if_none_match(&app, &s, &list, &tag).await;
        let (tag, page) = assert_full(resp, &tag).await;
        assert_eq!(page["total"], 2);
        let resp = get_if_none_match(&app, &s, &list, &tag).await;
        assert_not_modified(resp, &tag).await;

        // So does completing one (it leaves this pending list)...
        app.complete(&s, first["id"].as_str().unwrap(), None).await;
        let resp = get_if_none_match(&app, &s, &list, &tag).await;
        let (tag, page) = assert_full(resp, &tag).await;
        assert_eq!(page["total"], 1);

        // ...editing one on the page, and deleting one.
        let second = page["items"][0]["id"].as_str().unwrap().to_owned();
        let path = app.task_path(&s, &second);
        let patch = json!({"description": "more"});
        app.send(&s, Method::PATCH, &path, Some(patch)).await;
        let resp = get_if_none_match(&app, &s, &list, &tag).await;
        let (tag, page) = assert_full(resp, &tag).await;
        assert_eq!(page["items"][0]["description"], "more");
        app.send(&s, Method::DELETE, &path, None).await;
        let resp = get_if_none_match(&app, &s, &list, &tag).await;
        let (_, page) = assert_full(resp, &tag).await;
        assert_eq!(page["total"], 0);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_an_allowed_origin_may_send_if_none_match() {
    let app = TestApp::with(Backend::Sqlite, |s| {
        s.cors_origins = vec!["http://app.example".into()];
    })
    .await;
    let resp = app
        .request(Method::OPTIONS, "/api/some-user/tasks")
        .header("origin", "http://app.example")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization, if-none-match",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let allowed = resp.headers()["access-control-allow-headers"].to_str();
    assert!(allowed.unwrap().contains("if-none-match"));
}
