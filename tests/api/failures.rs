//! Failure behaviour on the server's side: the request deadline,
//! the statement timeout, a database outage, and graceful shutdown.
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use crate::backend_test;
use crate::harness::{Backend, TestApp, assert_problem, postgres_server_addr, timed};

/// Another client holding the tasks table's write lock, as a long
/// migration or a stuck transaction would.
async fn lock_tasks(app: &TestApp, backend: Backend) -> DatabaseTransaction {
    let txn = app.db.begin().await.unwrap();
    let sql = match backend {
        Backend::Postgres => "LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE",
        // Any write takes SQLite's one write lock for the whole file.
        Backend::Sqlite => "UPDATE tasks SET title = title",
    };
    txn.execute_unprepared(sql).await.unwrap();
    txn
}

backend_test!(
    a_request_past_its_deadline_is_answered_504,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.request_timeout_seconds = 1).await;
        let s = app.sign_up().await;
        let lock = lock_tasks(&app, backend).await;
        let started = Instant::now();
        let resp = app
            .create_task_request(&s, &json!({"title": "stuck"}))
            .send()
            .await
            .unwrap();
        let waited = started.elapsed();
        assert_problem(resp, 504, "request_timeout").await;
        assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
        lock.rollback().await.unwrap();
        // The abandoned write did not happen, and the server serves on.
        assert_eq!(app.list(&s, "").await["total"], 0);
        let resp = app
            .create_task_request(&s, &json!({"title": "after"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
);

backend_test!(
    a_statement_stuck_past_its_timeout_is_answered_503,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.database_statement_timeout_seconds = 1).await;
        let s = app.sign_up().await;
        let lock = lock_tasks(&app, backend).await;
        let started = Instant::now();
        let resp = app
            .create_task_request(&s, &json!({"title": "stuck"}))
            .send()
            .await
            .unwrap();
        let waited = started.elapsed();
        assert_eq!(resp.headers()["retry-after"], "1");
        assert_problem(resp, 503, "database_timeout").await;
        assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
        lock.rollback().await.unwrap();
        assert_eq!(app.list(&s, "").await["total"], 0);
        let resp = app
            .create_task_request(&s, &json!({"title": "after"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
);

backend_test!(
    shutdown_finishes_requests_in_flight_and_refuses_new_ones,
    |backend: Backend| async move {
        let mut app = TestApp::with(backend, |s| s.shutdown_grace_seconds = 20).await;
        let s = app.sign_up().await;
        let lock = lock_tasks(&app, backend).await;
        let in_flight = tokio::spawn(timed(
            app.create_task_request(&s, &json!({"title": "in flight"}))
                .send(),
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shutdown_began = Instant::now();
        let stopped = app.shutdown();
        tokio::time::sleep(Duration::from_millis(300)).await;
        // A new connection is no longer accepted...
        let fresh = reqwest::Client::new();
        assert!(fresh.get(app.url("/health/live")).send().await.is_err());
        assert!(!stopped.is_finished(), "the server waits for its request");
        // ...and the accepted request still completes once it can.
        lock.rollback().await.unwrap();
        let (resp, span) = in_flight.await.unwrap();
        assert_eq!(resp.unwrap().status(), 201);
        assert!(
            span.sent < shutdown_began && shutdown_began < span.answered,
            "the request was in flight when the shutdown began: {span:?}"
        );
        let done = tokio::time::timeout(Duration::from_secs(10), stopped).await;
        done.expect("the server stops").unwrap().unwrap();
        let count = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM tasks",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(count, 1, "the acknowledged write is stored");
    }
);

/// A TCP relay between the app and PostgreSQL that the test can cut (every
/// connection dropped, new ones closed at once) and restore.
mod relay {
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::AbortHandle;

    #[derive(Clone)]
    pub struct Relay {
        pub addr: SocketAddr,
        down: Arc<AtomicBool>,
        links: Arc<Mutex<Vec<AbortHandle>>>,
    }

    impl Relay {
        pub async fn start(target: SocketAddr) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let relay = Self {
                addr: listener.local_addr().unwrap(),
                down: Arc::default(),
                links: Arc::default(),
            };
            let shared = relay.clone();
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if shared.down.load(Ordering::SeqCst) {
                        continue; // dropped: the client sees the connection close
                    }
                    let link = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    shared.links.lock().unwrap().push(link.abort_handle());
                }
            });
            relay
        }

        pub fn cut(&self) {
            self.down.store(true, Ordering::SeqCst);
            for link in self.links.lock().unwrap().drain(..) {
                link.abort();
            }
        }

        pub fn restore(&self) {
            self.down.store(false, Ordering::SeqCst);
        }
    }
}

// PostgreSQL only: SQLite is a file in the process, it cannot go away.
backend_test!(
    only Postgres: a_database_outage_is_503_quickly_and_recovers_without_restart,
    |backend: Backend| async move {
    let relay = relay::Relay::start(postgres_server_addr()).await;
    let app = TestApp::with(backend, |settings| {
        let mut url = url::Url::parse(settings.database_url.expose()).unwrap();
        url.set_port(Some(relay.addr.port())).unwrap();
        settings.database_url = url.to_string().into();
    })
    .await;
    let s = app.sign_up().await;
    let resp = app.create_task_request(&s, &json!({"title": "before"})).send().await.unwrap();
    assert_eq!(resp.status(), 201);

    relay.cut();
    for attempt in 0..3 {
        let started = Instant::now();
        let resp = app.create_task_request(&s, &json!({"title": "during"})).send().await.unwrap();
        let waited = started.elapsed();
        assert_eq!(resp.headers()["retry-after"], "1");
        assert_problem(resp, 503, "database_unavailable").await;
        assert!(
            waited < Duration::from_millis(2500),
            "attempt {attempt}: {waited:?}"
        );
    }
    let started = Instant::now();
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(2500));
    assert_problem(ready, 503, "database_unavailable").await;
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    relay.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let resp = app.create_task_request(&s, &json!({"title": "after"})).send().await.unwrap();
        if resp.status() == 201 {
            break;
        }
        assert_eq!(resp.status(), 503);
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    // Acknowledged writes are there; refused ones are not.
    assert_eq!(app.list(&s, "").await["total"], 2);
});
