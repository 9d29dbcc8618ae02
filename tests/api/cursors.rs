//! Cursors are sealed by the server: an edited, forged or borrowed one is
//! 422, on the feed and as `Last-Event-ID`; an expired one stays 410.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, Response};
use serde_json::json;

use crate::backend_test;
use crate::harness::{Session, TestApp, assert_invalid, assert_problem};

/// `cursor` with the big-endian number at `at` (the sequence number at 1,
/// the floor at 25) set to `value`, its tag left as it was.
fn edited(cursor: &str, at: usize, value: i64) -> String {
    let mut bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .expect("a cursor is base64url");
    bytes[at..at + 8].copy_from_slice(&value.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The feed's and the stream's answers to `cursor`.
async fn both(app: &TestApp, s: &Session, cursor: &str) -> [Response; 2] {
    [
        app.changes_request(s, Some(cursor), 10)
            .send()
            .await
            .unwrap(),
        app.events_request(s, Some(cursor)).send().await.unwrap(),
    ]
}

async fn assert_refused(app: &TestApp, s: &Session, cursor: &str) {
    let [feed, stream] = both(app, s, cursor).await;
    assert_invalid(feed, "cursor").await;
    assert_invalid(stream, "Last-Event-ID").await;
}

backend_test!(
    an_expired_cursor_stays_expired_whatever_is_edited,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "old"})).await;
        let (_, before) = app.sync(&s, None, 10).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let deleted = app.authed(Method::DELETE, &path, &s).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        let (_, after) = app.sync(&s, Some(&before), 10).await;
        assert_eq!(app.age_and_purge_tombstones(31).await, 1);

        for resp in both(&app, &s, &before).await {
            assert_problem(resp, 410, "cursor_expired").await;
        }
        // Raising the floor or the sequence number past the purge would
        // skip the deletion the client never saw: refused, not 200.
        for at in [1, 25] {
            assert_refused(&app, &s, &edited(&before, at, 2)).await;
        }
        // A cursor that saw the deletion still works.
        assert_eq!(
            app.changes(&s, Some(&after), 10).await["changes"],
            json!([])
        );
    }
);

backend_test!(
    a_cursor_of_another_feed_or_made_up_is_refused,
    |app| async move {
        let (mine, theirs) = (app.sign_up().await, app.sign_up().await);
        app.create_task(&theirs, json!({"title": "theirs"})).await;
        let (_, their_cursor) = app.sync(&theirs, None, 10).await;
        assert_refused(&app, &mine, &their_cursor).await;
        // Well-formed fields with a made-up tag.
        let mut bytes = URL_SAFE_NO_PAD.decode(&their_cursor).unwrap();
        let tag = bytes.len() - 16;
        bytes[tag..].fill(0);
        assert_refused(&app, &theirs, &URL_SAFE_NO_PAD.encode(&bytes)).await;
        // The owner's own cursor is fine on both.
        let [feed, stream] = both(&app, &theirs, &their_cursor).await;
        assert_eq!(
            (feed.status().as_u16(), stream.status().as_u16()),
            (200, 200)
        );
    }
);

backend_test!(
    a_cursor_from_one_instance_works_on_another,
    |backend: crate::harness::Backend| async move {
        let (one, two) = TestApp::pair(backend, |_| {}).await;
        let s = one.sign_up().await;
        one.create_task(&s, json!({"title": "here"})).await;
        let (_, cursor) = one.sync(&s, None, 10).await;
        two.create_task(&s, json!({"title": "there"})).await;
        let page = two.changes(&s, Some(&cursor), 10).await;
        assert_eq!(page["changes"][0]["task"]["title"], "there");
    }
);
