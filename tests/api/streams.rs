//! The live event stream.
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{Backend, EventReader, TestApp, assert_invalid, assert_problem};

const SECOND: Duration = Duration::from_secs(1);

backend_test!(
    a_write_reaches_the_stream_within_a_second,
    |app| async move {
        let s = app.sign_up().await;
        let resp = app.events_request(&s, None).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let headers = resp.headers();
        assert_eq!(headers["content-type"], "text/event-stream");
        assert_eq!(headers["cache-control"], "no-cache");
        assert_eq!(headers["x-accel-buffering"], "no");
        let mut stream = EventReader::new(resp);
        let task = app.create_task(&s, json!({"title": "live"})).await;
        let event = stream
            .next_within(SECOND)
            .await
            .expect("an event within 1 s");
        assert_eq!(event.event, "task.created");
        assert_eq!(event.data["task"], task);
        assert_eq!(event.id, event.data["cursor"].as_str().unwrap());
        // The feed after the event's id has nothing more.
        assert_eq!(
            app.changes(&s, Some(&event.id), 10).await["changes"],
            json!([])
        );
    }
);

backend_test!(
    a_reconnect_with_last_event_id_misses_nothing,
    |app| async move {
        let s = app.sign_up().await;
        let mut stream = app.events(&s, None).await;
        let first = app.create_task(&s, json!({"title": "first"})).await;
        let seen = stream.next_within(SECOND).await.expect("the first event");
        drop(stream);
        // Written while the client is away.
        let second = app.create_task(&s, json!({"title": "second"})).await;
        let path = app.task_path(&s, first["id"].as_str().unwrap());
        let patch = app
            .authed(Method::PATCH, &path, &s)
            .json(&json!({"title": "first!"}));
        assert_eq!(patch.send().await.unwrap().status(), 200);
        let third = app.create_task(&s, json!({"title": "third"})).await;
        let gone = app.task_path(&s, third["id"].as_str().unwrap());
        assert_eq!(
            app.authed(Method::DELETE, &gone, &s)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );

        let mut stream = app.events(&s, Some(&seen.id)).await;
        let mut got = vec![];
        for _ in 0..3 {
            let event = stream.next_within(SECOND).await.expect("a missed change");
            let id = event.data["task"]["id"].clone();
            got.push((
                event.event,
                id.as_str()
                    .or(event.data["tombstone"]["id"].as_str())
                    .unwrap()
                    .to_owned(),
            ));
        }
        let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
        assert_eq!(
            got,
            vec![
                ("task.created".to_owned(), id(&second)),
                ("task.updated".to_owned(), id(&first)),
                ("task.deleted".to_owned(), id(&third)),
            ]
        );
        // And then live again.
        let fourth = app.create_task(&s, json!({"title": "fourth"})).await;
        let event = stream.next_within(SECOND).await.expect("a live event");
        assert_eq!(event.data["task"]["id"], fourth["id"]);
    }
);

backend_test!(
    a_last_event_id_not_of_this_feed_is_named,
    |app| async move {
        let s = app.sign_up().await;
        use base64::Engine;
        // Garbage, and a well-formed cursor ahead of this user's feed.
        let ahead = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("c1.999.{}.0", uuid::Uuid::nil().simple()));
        for bad in ["nonsense", ahead.as_str()] {
            let resp = app.events_request(&s, Some(bad)).send().await.unwrap();
            let body = assert_invalid(resp, "Last-Event-ID").await;
            assert_eq!(body["errors"][0]["in"], "header", "{bad}");
        }
    }
);

backend_test!(another_users_changes_never_appear, |app| async move {
    let (mine, theirs) = (app.sign_up().await, app.sign_up().await);
    let mut stream = app.events(&mine, None).await;
    app.create_task(&theirs, json!({"title": "theirs"})).await;
    let task = app.create_task(&mine, json!({"title": "mine"})).await;
    let event = stream.next_within(SECOND).await.expect("my event");
    assert_eq!(event.data["task"]["id"], task["id"]);
    assert!(
        stream
            .next_within(Duration::from_millis(300))
            .await
            .is_none()
    );
    let resp = app
        .authed(
            Method::GET,
            &format!("/api/{}/events", theirs.user_id),
            &mine,
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
});

backend_test!(
    a_browser_opens_a_stream_with_a_single_use_ticket,
    |app| async move {
        let s = app.sign_up().await;
        let ticket_path = format!("/api/{}/events/ticket", s.user_id);
        let resp = app
            .authed(Method::POST, &ticket_path, &s)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let ticket: Value = resp.json().await.unwrap();
        let url = format!(
            "/api/{}/events?ticket={}",
            s.user_id,
            ticket["ticket"].as_str().unwrap()
        );
        let mut stream = EventReader::new(app.request(Method::GET, &url).send().await.unwrap());
        let task = app.create_task(&s, json!({"title": "via ticket"})).await;
        let event = stream.next_within(SECOND).await.expect("an event");
        assert_eq!(event.data["task"]["id"], task["id"]);
        let again = app.request(Method::GET, &url).send().await.unwrap();
        assert_problem(again, 401, "invalid_token").await;
        let none = app
            .request(Method::GET, &format!("/api/{}/events", s.user_id))
            .send()
            .await
            .unwrap();
        assert_problem(none, 401, "missing_token").await;
    }
);

backend_test!(
    streams_beyond_the_per_user_cap_are_refused,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.sync.max_streams_per_user = 2).await;
        let s = app.sign_up().await;
        let _open = (app.events(&s, None).await, app.events(&s, None).await);
        let third = app.events_request(&s, None).send().await.unwrap();
        assert!(third.headers().contains_key("retry-after"));
        assert_problem(third, 429, "too_many_streams").await;
        drop(_open);
        // Places come back when streams close.
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.events(&s, None).await;
    }
);

backend_test!(
    a_quiet_stream_is_kept_alive_past_the_connection_timeouts,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            s.header_read_timeout_seconds = 2;
            s.body_read_timeout_seconds = 2;
            s.request_timeout_seconds = 3;
        })
        .await;
        let s = app.sign_up().await;
        let mut stream = app.events(&s, None).await;
        assert!(
            stream.comment_within(Duration::from_secs(17)).await,
            "a keep-alive comment"
        );
        let task = app.create_task(&s, json!({"title": "still there"})).await;
        let event = stream
            .next_within(SECOND)
            .await
            .expect("the stream is still open");
        assert_eq!(event.data["task"]["id"], task["id"]);
    }
);

backend_test!(shutting_down_ends_streams_at_once, |app| async move {
    let mut app = app;
    let s = app.sign_up().await;
    let mut stream = app.events(&s, None).await;
    let stopped = app.shutdown();
    assert!(
        stream.ends_within(Duration::from_secs(5)).await,
        "the stream ends"
    );
    let stopped = tokio::time::timeout(Duration::from_secs(10), stopped).await;
    assert!(
        stopped.is_ok(),
        "the server stops well within its 30 s grace"
    );
});

backend_test!(only Postgres: a_write_on_one_instance_reaches_a_stream_on_another, |backend: Backend| async move {
    let (one, two) = TestApp::pair(backend, |_| {}).await;
    let s = one.sign_up().await;
    let mut stream = one.events(&s, None).await;
    let task = two.create_task(&s, json!({"title": "elsewhere"})).await;
    let event = stream.next_within(SECOND).await.expect("an event from the other instance");
    assert_eq!(event.data["task"], task);
    let path = two.task_path(&s, task["id"].as_str().unwrap());
    assert_eq!(two.authed(Method::DELETE, &path, &s).send().await.unwrap().status(), 204);
    let event = stream.next_within(SECOND).await.expect("the deletion");
    assert_eq!((event.event.as_str(), &event.data["tombstone"]["id"]), ("task.deleted", &task["id"]));
});
