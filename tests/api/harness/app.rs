//! `TestApp`: the real server on port 0 over a fresh database, with the
//! test's own connection to that database and an HTTP client.
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Method, RequestBuilder};
use sea_orm::{Database, DatabaseConnection};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::database::{Backend, TestDatabase, through_pooler};
use super::{AppEnv, Application, JWT_SECRET, PoolerSettings, Settings};

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// The metrics listener, when the settings enable one.
    pub metrics: Option<SocketAddr>,
    /// The test's own connection to the server's database.
    pub db: DatabaseConnection,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    // Last, so that it is dropped after the connection above: the database
    // goes when the last app on it goes.
    _database: Arc<TestDatabase>,
}

impl TestApp {
    /// An app with the default test settings over a fresh database.
    pub async fn spawn(backend: Backend) -> Self {
        Self::with(backend, |_| {}).await
    }

    /// An app over a fresh database, with settings adjusted by `tweak`.
    pub async fn with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let database = Arc::new(TestDatabase::fresh(backend).await);
        let mut settings = settings(database.url());
        tweak(&mut settings);
        Self::start(database, &settings).await
    }

    /// An app over a database the test prepared itself (say, migrated part
    /// way and filled), with the default test settings.
    pub async fn over(database: TestDatabase) -> Self {
        let settings = settings(database.url());
        Self::start(Arc::new(database), &settings).await
    }

    /// Two instances sharing one fresh database (one SQLite file, or one
    /// PostgreSQL database), as behind a load balancer.
    pub async fn pair(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> (Self, Self) {
        let database = Arc::new(TestDatabase::fresh(backend).await);
        let mut settings = settings(database.url());
        tweak(&mut settings);
        let first = Self::start(database.clone(), &settings).await;
        let second = Self::start(database, &settings).await;
        (first, second)
    }

    async fn start(database: Arc<TestDatabase>, settings: &Settings) -> Self {
        let app = Application::build(settings).await.expect("the app builds");
        let base = format!("http://{}", app.addr());
        let metrics = app.metrics_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        let own = settings
            .direct_url()
            .unwrap_or(settings.database_url.expose());
        let db = Database::connect(own).await.expect("test db connection");
        Self {
            base,
            metrics,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            stop: Some(stop),
            server: Some(server),
            _database: database,
        }
    }

    /// Tells the server to shut down gracefully; the handle resolves when it
    /// has stopped.
    pub fn shutdown(&mut self) -> JoinHandle<std::io::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.server.take().expect("shut down once")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }
}

impl Drop for TestApp {
    /// The test is over: the server shuts down and closes its connections,
    /// so that its database can go (see `TestDatabase`).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The settings every test starts from, over `database_url` (through the
/// pooler when `TEST_POOLER_URL` names one).
pub fn settings(database_url: &str) -> Settings {
    let pooled = through_pooler(database_url);
    Settings {
        database_url: pooled.clone().unwrap_or(database_url.to_owned()).into(),
        bind_addr: "127.0.0.1:0".into(),
        app_env: AppEnv::Development,
        jwt_secret: Some(JWT_SECRET.to_owned().into()),
        jwt_ttl_seconds: 900,
        jwt_issuer: "tasks-api".into(),
        jwt_audience: "tasks-api".into(),
        // Tests use the lowest cost; benchmarks and production the real one.
        bcrypt_cost: 4,
        cors_origins: vec![],
        mcp_allowed_hosts: Settings::defaults().mcp_allowed_hosts,
        log_format: None,
        rust_log: "error".into(),
        database_max_connections: 5,
        refresh_ttl_seconds: 30 * 24 * 3600,
        auth_failures_per_email: 10,
        auth_failures_per_email_total: 100,
        // Every test client is 127.0.0.1: the per-address limit is tested
        // in its own apps (tests/api/rate_limits.rs).
        auth_requests_per_ip: 1_000_000,
        auth_window_seconds: 900,
        trusted_proxies: Default::default(),
        bcrypt_concurrency: None,
        bcrypt_max_wait_ms: 30_000,
        metrics_addr: None,
        max_concurrent_requests: 32,
        admission_max_wait_ms: 5000,
        request_timeout_seconds: 30,
        database_statement_timeout_seconds: 10,
        database_acquire_timeout_ms: 1000,
        shutdown_grace_seconds: 30,
        header_read_timeout_seconds: 10,
        body_read_timeout_seconds: 10,
        max_header_bytes: 16 * 1024,
        max_connections: None,
        sync: Default::default(),
        pooler: PoolerSettings {
            database_direct_url: pooled.map(|_| database_url.to_owned().into()),
            ..Default::default()
        },
        quotas: Default::default(),
    }
}
