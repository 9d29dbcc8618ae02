//! The assembly: builds every part, hands each its dependencies, mounts
//! the routes, and runs the server. Used by the server, the tests and the
//! spec export alike; nothing imports it back.
mod database;
mod pooler;
mod routes;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use poem::EndpointExt;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

pub use database::{PING_IF_IDLE_FOR, connect, migrate};
pub use routes::{Apis, openapi, routes};

use crate::api::auth::AuthApi;
use crate::api::health::HealthApi;
use crate::api::sync::SyncApi;
use crate::api::tasks::{TaskApi, TaskListApi};
use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::http::server::ConnectionLimits;
use crate::http::{Metrics, server};
use crate::service::housekeeping;
use crate::service::limits::AuthLimits;
use crate::service::sync::ChangeHub;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    /// Background housekeeping, stopped with the server.
    housekeeping: tokio::task::AbortHandle,
    /// This instance's event streams' hub, and its PostgreSQL listener.
    hub: ChangeHub,
    changes_listener: Option<tokio::task::AbortHandle>,
    listener: TcpListener,
    addr: SocketAddr,
    app: poem::endpoint::BoxEndpoint<'static>,
    /// The metrics listener, when `METRICS_ADDR` is set.
    metrics: Option<(TcpListener, SocketAddr, Metrics)>,
    db: DatabaseConnection,
    grace: Duration,
    limits: ConnectionLimits,
}

impl Application {
    /// Connects and migrates the database, builds every part and hands
    /// each its dependencies, and binds the listeners.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let secret = settings.signing_secret()?;
        let direct = database::connect_direct(settings)
            .await
            .context("connecting to the database at DATABASE_DIRECT_URL")?;
        if settings.is_pooled() {
            pooler::bound_statements(settings, direct.as_ref())
                .await
                .context("setting the statement timeout on the database role")?;
        }
        let db = database::connect(settings)
            .await
            .context("connecting to the database")?;
        let listen = database::listener(settings, &db, direct.as_ref());
        database::migrate(direct.as_ref().unwrap_or(&db))
            .await
            .context("applying migrations")?;
        let passwords = PasswordHasher::new(
            settings.bcrypt_cost,
            settings.bcrypt_concurrency(),
            Duration::from_millis(settings.bcrypt_max_wait_ms),
        );
        passwords.prepare().await?;
        let gauges = (db.clone(), passwords.clone());
        let metrics = Metrics::new(move || database::gauges(&gauges.0, &gauges.1))
            .context("registering metrics")?;
        let auth = AuthApi {
            db: db.clone(),
            passwords,
            tokens: TokenService::new(
                &secret,
                &settings.jwt_issuer,
                &settings.jwt_audience,
                settings.jwt_ttl_seconds,
            ),
            limits: AuthLimits {
                failures_per_email: settings.auth_failures_per_email,
                failures_per_email_total: settings.auth_failures_per_email_total,
                requests_per_ip: settings.auth_requests_per_ip,
                window_seconds: settings.auth_window_seconds,
            },
            proxies: settings.trusted_proxies.clone(),
            refresh_ttl: chrono::Duration::try_seconds(
                i64::try_from(settings.refresh_ttl_seconds).unwrap_or(i64::MAX),
            )
            .context("REFRESH_TTL_SECONDS is out of range")?,
        };
        let (list, item) = (TaskListApi::new(db.clone()), TaskApi::new(db.clone()));
        let hub = ChangeHub::new(listen.is_some(), settings.sync.max_streams_per_user);
        let sync = SyncApi {
            db: db.clone(),
            hub: hub.clone(),
            metrics: metrics.clone(),
        };
        let apis = (auth, list, item, sync, HealthApi::new(db.clone()));
        let housekeeping = tokio::spawn(housekeeping::run(
            db.clone(),
            settings.sync.sync_retention_days,
        ))
        .abort_handle();
        let app = routes(apis, metrics.clone(), settings)?
            .map_to_response()
            .boxed();
        let (listener, addr) = server::bind(&settings.bind_addr)?;
        let metrics = match &settings.metrics_addr {
            Some(metrics_addr) => {
                let (listener, bound) = server::bind(metrics_addr).context("METRICS_ADDR")?;
                Some((listener, bound, metrics))
            }
            None => None,
        };
        Ok(Self {
            housekeeping,
            changes_listener: listen.and_then(|db| hub.listen(&db)),
            hub,
            listener,
            addr,
            app,
            metrics,
            db,
            grace: Duration::from_secs(settings.shutdown_grace_seconds),
            limits: settings.connection_limits(),
        })
    }

    /// The metrics listener's address, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr, _)| *addr)
    }

    /// The address actually bound (port 0 resolved).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets
    /// in-flight requests finish (for at most `SHUTDOWN_GRACE_SECONDS`), and
    /// closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(listener, addr, metrics)| {
            tracing::info!(address = %addr, "serving metrics at /metrics");
            let unending = std::future::pending();
            let limits = ConnectionLimits::default();
            let served = server::serve(listener, metrics.routes(), limits, unending, None);
            tokio::spawn(served).abort_handle()
        });
        tracing::info!(address = %self.addr, docs = %format!("http://{}/docs", self.addr), "listening");
        let grace = Some(self.grace);
        // Streams would otherwise hold the graceful shutdown for its whole
        // grace: they end as soon as it begins, and clients reconnect.
        let hub = self.hub.clone();
        let shutdown = async move {
            shutdown.await;
            hub.close();
        };
        let served = server::serve(self.listener, self.app, self.limits, shutdown, grace).await;
        self.housekeeping.abort();
        if let Some(listener) = &self.changes_listener {
            listener.abort();
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
        tracing::info!("stopped");
        served
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
