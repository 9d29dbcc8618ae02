//! Streams cannot take the places other requests need: a client address
//! and the instance each hold a bounded number, over HTTP/1.1 and HTTP/2
//! alike, and readiness says when the instance is full.
use reqwest::{Client, Method};
use serde_json::json;

use crate::backend_test;
use crate::harness::{Backend, EventReader, Session, TestApp, assert_problem};

/// A stream of `s` over `client`.
async fn open(app: &TestApp, client: &Client, s: &Session) -> reqwest::Response {
    let url = app.url(&format!("/api/{}/events", s.user_id));
    client.get(url).bearer_auth(&s.token).send().await.unwrap()
}

backend_test!(
    a_client_address_holds_a_bounded_number_of_streams_over_either_protocol,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.sync.max_streams_per_client = 3).await;
        let h2 = Client::builder().http2_prior_knowledge().build().unwrap();
        let mut users = vec![];
        for _ in 0..4 {
            users.push(app.sign_up().await);
        }
        // Two over HTTP/1.1, one over HTTP/2: one connection carrying many
        // streams counts each.
        let mut held = vec![];
        for s in &users[..2] {
            held.push(EventReader::new(open(&app, &app.client, s).await));
        }
        let resp = open(&app, &h2, &users[2]).await;
        assert_eq!(resp.version(), reqwest::Version::HTTP_2);
        held.push(EventReader::new(resp));
        for client in [&app.client, &h2] {
            let refused = open(&app, client, &users[3]).await;
            assert!(refused.headers().contains_key("retry-after"));
            assert_problem(refused, 429, "too_many_streams").await;
        }
        // Other requests from the same address are still served.
        app.create_task(&users[3], json!({"title": "served"})).await;
        drop(held.pop());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        EventReader::new(open(&app, &h2, &users[3]).await);
    }
);

backend_test!(
    a_full_instance_refuses_streams_and_says_so_on_readiness,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.sync.max_streams = Some(2)).await;
        let (a, b, c) = (
            app.sign_up().await,
            app.sign_up().await,
            app.sign_up().await,
        );
        let ready = || async {
            let resp = app.request(Method::GET, "/health/ready").send().await;
            resp.unwrap()
        };
        assert_eq!(ready().await.status(), 200);
        let held = (app.events(&a, None).await, app.events(&b, None).await);
        let refused = app.events_request(&c, None).send().await.unwrap();
        assert!(refused.headers().contains_key("retry-after"));
        assert_problem(refused, 503, "server_busy").await;
        assert_problem(ready().await, 503, "server_busy").await;
        let live = app
            .request(Method::GET, "/health/live")
            .send()
            .await
            .unwrap();
        assert_eq!(live.status(), 200);
        // Requests other than streams are served as before.
        app.create_task(&c, json!({"title": "served"})).await;
        drop(held);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(ready().await.status(), 200);
        app.events(&c, None).await;
    }
);
