//! A database that wakes slowly (Neon's scale to zero): it closes every
//! connection when it suspends, and a new connection waits until it is up.
//! A request is served once it wakes within DATABASE_ACQUIRE_TIMEOUT_MS, and
//! answered 503 with `Retry-After` past that, `/health/ready` alike.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tasks_api::config::Pooled;
use tasks_api::startup::PING_IF_IDLE_FOR;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::backend_test;
use crate::harness::{Backend, TestApp, assert_problem, postgres_server_addr};

/// A loopback TCP proxy in front of PostgreSQL that can suspend it: every
/// connection open is dropped, and each new one is held for the wake-up
/// time before it reaches the server.
#[derive(Clone)]
struct Sleeper {
    addr: SocketAddr,
    wake_up: Arc<Mutex<Duration>>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Sleeper {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            addr: listener.local_addr().unwrap(),
            wake_up: Arc::default(),
            links: Arc::default(),
        };
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let wake_up = *shared.wake_up.lock().unwrap();
                let link = tokio::spawn(async move {
                    tokio::time::sleep(wake_up).await;
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                shared.links.lock().unwrap().push(link.abort_handle());
            }
        });
        proxy
    }

    /// Suspends the database: it will take `wake_up` to accept again.
    fn suspend(&self, wake_up: Duration) {
        *self.wake_up.lock().unwrap() = wake_up;
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

/// An app through the proxy, as on Neon's pooled string (no direct URL, so
/// no listener holds a connection), waiting `acquire` for a connection.
async fn app_behind(proxy: &Sleeper, backend: Backend, acquire: Duration) -> TestApp {
    TestApp::with(backend, |settings| {
        let mut url = url::Url::parse(settings.database_url.expose()).unwrap();
        url.set_port(Some(proxy.addr.port())).unwrap();
        settings.database_url = url.to_string().into();
        settings.pooler.database_pooled = Pooled::Yes;
        settings.database_acquire_timeout_ms = acquire.as_millis() as u64;
    })
    .await
}

/// Suspends, then waits until the app's idle connections are old enough to
/// be checked before use, as after Neon's (longer) idle time.
async fn suspend_while_idle(proxy: &Sleeper, wake_up: Duration) {
    proxy.suspend(wake_up);
    tokio::time::sleep(PING_IF_IDLE_FOR + Duration::from_secs(1)).await;
}

backend_test!(
    only Postgres: a_database_that_wakes_within_the_acquire_timeout_is_waited_for,
    |backend: Backend| async move {
        let proxy = Sleeper::start(postgres_server_addr()).await;
        let app = app_behind(&proxy, backend, Duration::from_secs(5)).await;
        let s = app.sign_up().await;
        suspend_while_idle(&proxy, Duration::from_millis(1500)).await;
        let started = Instant::now();
        let resp = app.create_task_request(&s, &json!({"title": "woke"})).send().await.unwrap();
        let waited = started.elapsed();
        assert_eq!(resp.status(), 201);
        assert!(waited >= Duration::from_millis(1400), "no wait: {waited:?}");
        assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
        let ready = app.client.get(app.url("/health/ready")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
    }
);

backend_test!(
    only Postgres: a_database_slower_to_wake_than_the_acquire_timeout_is_503_and_not_ready,
    |backend: Backend| async move {
        let proxy = Sleeper::start(postgres_server_addr()).await;
        let app = app_behind(&proxy, backend, Duration::from_secs(2)).await;
        let s = app.sign_up().await;
        suspend_while_idle(&proxy, Duration::from_secs(60)).await;
        for path in ["/health/ready", "/api/auth/me"] {
            let started = Instant::now();
            let resp = app.client.get(app.url(path)).bearer_auth(&s.token).send().await.unwrap();
            let waited = started.elapsed();
            assert_eq!(resp.headers()["retry-after"], "1", "{path}");
            assert_problem(resp, 503, "database_unavailable").await;
            assert!(waited >= Duration::from_millis(1900), "{path}: no wait: {waited:?}");
            assert!(waited < Duration::from_secs(4), "{path}: answered after {waited:?}");
        }
        // Woken up (the server is reached at once again), it serves on.
        proxy.suspend(Duration::ZERO);
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.me(&s.token).await != 200 {
            assert!(Instant::now() < deadline, "not served again within 10 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
);
