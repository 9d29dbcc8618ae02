//! Streams end with what opened them: the token's lifetime and its
//! session. The last event says why; other sessions' streams go on.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{
    Backend, EventReader, PASSWORD, Session, TestApp, assert_limited, assert_problem, tokens,
};

const SECOND: Duration = Duration::from_secs(1);
/// Sessions are looked for every 2 s; this leaves room for a busy machine.
const REVOKED_WITHIN: Duration = Duration::from_secs(6);

/// Reads `stream` until its last event, which must say `reason`, and then
/// its end.
async fn assert_ended(stream: &mut EventReader, reason: &str, within: Duration) {
    let event = stream.next_within(within).await.expect("a last event");
    assert_eq!(event.event, "stream.ended", "{event:?}");
    assert_eq!(event.data, json!({"reason": reason}));
    assert!(!event.id.is_empty(), "the last event names where to resume");
    assert!(stream.ends_within(SECOND).await, "then the stream closes");
}

/// A second login of the user `email`: the session and its refresh token.
async fn log_in(app: &TestApp, email: &str) -> (Session, String) {
    let resp = app.log_in(email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    (Session::from_body(&body), tokens(&body).1)
}

async fn ticket(app: &TestApp, s: &Session) -> reqwest::Response {
    let path = format!("/api/{}/events/ticket", s.user_id);
    app.authed(Method::POST, &path, s).send().await.unwrap()
}

async fn events_with_ticket(app: &TestApp, s: &Session, ticket: &Value) -> reqwest::Response {
    let url = format!(
        "/api/{}/events?ticket={}",
        s.user_id,
        ticket["ticket"].as_str().unwrap()
    );
    app.request(Method::GET, &url).send().await.unwrap()
}

backend_test!(
    a_stream_ends_when_its_token_expires,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.jwt_ttl_seconds = 3).await;
        let s = app.sign_up().await;
        let mut stream = app.events(&s, None).await;
        let task = app.create_task(&s, json!({"title": "before"})).await;
        let event = stream.next_within(SECOND).await.expect("a change first");
        assert_eq!(event.data["task"]["id"], task["id"]);
        assert_ended(&mut stream, "token_expired", Duration::from_secs(5)).await;

        // A ticket's stream lives no longer than the token that asked for it.
        let s = app.sign_up().await;
        let resp = ticket(&app, &s).await;
        assert_eq!(resp.status(), 200);
        let ticket: Value = resp.json().await.unwrap();
        let mut stream = EventReader::new(events_with_ticket(&app, &s, &ticket).await);
        assert_ended(&mut stream, "token_expired", Duration::from_secs(5)).await;
    }
);

backend_test!(
    logging_out_ends_that_sessions_streams_on_every_instance,
    |backend: Backend| async move {
        let (one, two) = TestApp::pair(backend, |_| {}).await;
        let (email, body) = one.sign_up_body().await;
        let (s, refresh) = (Session::from_body(&body), tokens(&body).1);
        let (other, _) = log_in(&two, &email).await;
        let mut mine = one.events(&s, None).await;
        let mut theirs = two.events(&other, None).await;

        assert_eq!(two.log_out(&refresh).await.status(), 204);
        assert_ended(&mut mine, "logged_out", REVOKED_WITHIN).await;
        // The token still works elsewhere until it expires, but opens no
        // stream: its session is over.
        let again = one.events_request(&s, None).send().await.unwrap();
        assert_problem(again, 401, "invalid_token").await;
        // The other session's stream is untouched.
        let task = one
            .create_task(&other, json!({"title": "still here"}))
            .await;
        let event = theirs
            .next_within(SECOND)
            .await
            .expect("the other session's event");
        assert_eq!(event.data["task"]["id"], task["id"]);
    }
);

backend_test!(
    a_revoked_refresh_family_ends_its_streams,
    |app| async move {
        let (_, body) = app.sign_up_body().await;
        let (s, refresh) = (Session::from_body(&body), tokens(&body).1);
        let mut stream = app.events(&s, None).await;
        app.rotate(&refresh).await;
        // The old refresh token again: theft, and the family is revoked.
        assert_eq!(app.refresh(&refresh).await.status(), 401);
        assert_ended(&mut stream, "session_revoked", REVOKED_WITHIN).await;
    }
);

backend_test!(
    a_password_change_ends_every_stream_of_the_user,
    |backend: Backend| async move {
        let (one, two) = TestApp::pair(backend, |_| {}).await;
        let (email, body) = one.sign_up_body().await;
        let s = Session::from_body(&body);
        let (second, _) = log_in(&two, &email).await;
        // A token of no session (the OAuth2 grant) too.
        let grant: Value = one
            .token_grant(&email, PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let granted = Session {
            user_id: s.user_id.clone(),
            token: grant["access_token"].as_str().unwrap().to_owned(),
        };
        let mut streams = vec![
            one.events(&s, None).await,
            two.events(&second, None).await,
            one.events(&granted, None).await,
        ];
        let resp = one
            .change_password(&s.token, PASSWORD, "a new password!")
            .await;
        assert_eq!(resp.status(), 204);
        for stream in &mut streams {
            assert_ended(stream, "password_changed", REVOKED_WITHIN).await;
        }
        for old in [&s, &granted] {
            let again = two.events_request(old, None).send().await.unwrap();
            assert_problem(again, 401, "invalid_token").await;
        }
        // A login after the change streams as before.
        tokio::time::sleep(SECOND).await;
        let resp = one.log_in(&email, "a new password!").await;
        let fresh = Session::from_body(&resp.json().await.unwrap());
        let mut stream = two.events(&fresh, None).await;
        let task = one.create_task(&fresh, json!({"title": "after"})).await;
        let event = stream
            .next_within(Duration::from_secs(3))
            .await
            .expect("an event");
        assert_eq!(event.data["task"]["id"], task["id"]);
    }
);

backend_test!(deleting_the_account_ends_its_streams, |app| async move {
    let s = app.sign_up().await;
    let mut stream = app.events(&s, None).await;
    assert_eq!(app.delete_account(&s.token, PASSWORD).await.status(), 204);
    assert_ended(&mut stream, "account_deleted", REVOKED_WITHIN).await;
});

backend_test!(
    a_ticket_dies_with_the_session_that_asked_for_it,
    |app| async move {
        let (_, body) = app.sign_up_body().await;
        let (s, refresh) = (Session::from_body(&body), tokens(&body).1);
        let resp = ticket(&app, &s).await;
        assert_eq!(resp.status(), 200);
        let unused: Value = resp.json().await.unwrap();
        let resp = ticket(&app, &s).await;
        let used: Value = resp.json().await.unwrap();
        let mut stream = EventReader::new(events_with_ticket(&app, &s, &used).await);

        assert_eq!(app.log_out(&refresh).await.status(), 204);
        let refused = events_with_ticket(&app, &s, &unused).await;
        assert_problem(refused, 401, "invalid_token").await;
        assert_ended(&mut stream, "logged_out", REVOKED_WITHIN).await;
    }
);

backend_test!(stream_tickets_are_rate_limited_per_user, |app| async move {
    let (s, other) = (app.sign_up().await, app.sign_up().await);
    for _ in 0..30 {
        assert_eq!(ticket(&app, &s).await.status(), 200);
    }
    assert_limited(ticket(&app, &s).await, 60).await;
    // Another user is not held back.
    assert_eq!(ticket(&app, &other).await.status(), 200);
});
