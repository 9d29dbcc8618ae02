//! The assembly: builds every part, hands each its dependencies, mounts
//! the routes, and runs the server. Used by the server, the tests and the
//! spec export alike; nothing imports it back.
mod apis;
mod database;
mod pooler;
mod routes;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use apis::{Api, Apis, openapi};
pub use database::{PING_IF_IDLE_FOR, connect, migrate};
pub use routes::routes;

use crate::config::Settings;
use crate::http::server::ConnectionLimits;
use crate::http::{Metrics, server};
use crate::service::sync::ChangeHub;
use crate::service::{Db, housekeeping};

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
    db: Db,
    grace: Duration,
    limits: ConnectionLimits,
}

impl Application {
    /// Connects and migrates the database, builds every part and hands
    /// each its dependencies, and binds the listeners.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // A missing or short secret stops start-up before any connection.
        settings.signing_secret()?;
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
        let listen = database::listener(settings, db.pool(), direct.as_ref());
        let migrating = direct.clone().map_or_else(|| db.clone(), Db::from);
        database::migrate(&migrating)
            .await
            .context("applying migrations")?;
        let apis = Apis::build(settings, &db, listen.is_some())?;
        apis.auth.passwords.prepare().await?;
        let housekeeping = tokio::spawn(housekeeping::run(
            db.clone(),
            settings.sync.sync_retention_days,
        ))
        .abort_handle();
        let app = routes(&apis, settings)?;
        let (hub, metrics) = (apis.hub, apis.metrics);
        let (listener, addr) = server::bind(&settings.bind_addr)?;
        let metrics = match &settings.metrics_addr {
            Some(metrics_addr) => {
                let (listener, bound) = server::bind(metrics_addr).context("METRICS_ADDR")?;
                Some((listener, bound, metrics))
            }
            None => None,
        };
        hub.watch_sessions(&db);
        Ok(Self {
            housekeeping,
            changes_listener: hub.listen(listen.as_ref().unwrap_or(db.pool())),
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
        if let Err(err) = self.db.pool().clone().close().await {
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
