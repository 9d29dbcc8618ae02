//! Builds the OpenAPI service and the route tree (used by the server, the
//! tests and the spec export alike), and runs the server.
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use poem::endpoint::make_sync;
use poem::middleware::Cors;
use poem::web::{Html, Redirect};
use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::{LicenseObject, OpenApiService, ServerObject};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::admission::Admission;
use crate::api::auth::{AuthApi, SessionApi, TokenApi};
use crate::api::{health::HealthApi, tasks::TaskApi};
use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::http::{AllowedMethods, problems};
use crate::metrics::Metrics;
use crate::net::TrustedProxies;
use crate::observe::observe;
use crate::service::limits::AuthLimits;
use crate::{db, docs, maintenance, server};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub tokens: TokenService,
    pub passwords: PasswordHasher,
    /// How long a refresh token stays valid.
    pub refresh_ttl: chrono::Duration,
    pub limits: AuthLimits,
    pub proxies: TrustedProxies,
    pub metrics: Metrics,
}

pub type Api = OpenApiService<(AuthApi, SessionApi, TokenApi, TaskApi, HealthApi), ()>;

const DESCRIPTION: &str = "A task-management API: sign up, log in, and manage your own tasks. \
Every task path is scoped to the caller's user id; errors are `application/problem+json` \
(RFC 9457) with a stable `code`.";

/// The OpenAPI service: the same spec is served, exported and tested.
pub fn openapi() -> Api {
    OpenApiService::new(
        (AuthApi, SessionApi, TokenApi, TaskApi, HealthApi),
        "tasks-api",
        env!("CARGO_PKG_VERSION"),
    )
    .description(DESCRIPTION)
    // `identifier` is OpenAPI 3.1 only; this spec is 3.0, which takes a `url`.
    .license(LicenseObject::new("MIT").url("https://opensource.org/licenses/MIT"))
    // Relative first: Swagger UI (and any client reading the served spec)
    // then calls the server it fetched the spec from, whatever its port.
    .server(ServerObject::new("/").description("The server this document was fetched from"))
    .server(ServerObject::new("http://127.0.0.1:8000").description("Local development server"))
}

/// The whole route tree around the API.
pub fn routes(state: AppState, settings: &Settings) -> anyhow::Result<impl Endpoint + 'static> {
    let api = openapi();
    let (spec_json, spec_yaml) = (api.spec(), api.spec_yaml());
    let allowed = AllowedMethods::from_spec(&spec_json);
    let page =
        docs::swagger_page(&api.swagger_ui_html()).context("the Swagger UI page changed shape")?;
    let cors = Cors::new()
        .allow_origins(settings.cors_origins.iter().map(String::as_str))
        .allow_headers([
            "authorization",
            "content-type",
            "if-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers([
            "etag",
            "location",
            "retry-after",
            "www-authenticate",
            "x-request-id",
        ]);
    let admission = Admission::new(
        settings.max_concurrent_requests as usize,
        Duration::from_millis(settings.admission_max_wait_ms),
        Duration::from_secs(settings.request_timeout_seconds),
        state.passwords.clone(),
    );
    // Nesting the API at "/" would hide the "/" redirect, so it is mounted
    // (unstripped) under each of its top-level prefixes.
    let tree = Route::new()
        .nest_no_strip("/api", api)
        .nest_no_strip("/health", openapi())
        .at("/", get(make_sync(|_| Redirect::see_other("/docs"))))
        .at("/docs", get(make_sync(move |_| Html(page.clone()))))
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                spec_response("application/json", &spec_json)
            })),
        )
        .at(
            "/openapi.yaml",
            get(make_sync(move |_| {
                spec_response("application/yaml", &spec_yaml)
            })),
        );
    // Innermost first: admission, the body limit and the deadline (the
    // tree is boxed, and so is this layer, so that a request waiting for a
    // place holds no handler future and the layers above copy no large
    // future), CORS, problem+json for poem's own errors (CORS refusals
    // included), and outermost the request id, log line, metrics and
    // security headers, so they see every answer.
    Ok(tree
        .boxed()
        .around(move |next, req| {
            let admission = admission.clone();
            async move { admission.serve(next.as_ref(), req).await }
        })
        .boxed()
        .with_if(!settings.cors_origins.is_empty(), cors)
        .around(problems)
        .around(observe)
        .data(allowed)
        .data(state))
}

fn spec_response(content_type: &str, spec: &str) -> poem::Response {
    poem::Response::builder()
        .content_type(content_type)
        .body(spec.to_owned())
}

/// A bound, migrated, ready-to-run server.
pub struct Application {
    /// Background housekeeping, stopped with the server.
    housekeeping: tokio::task::AbortHandle,
    listener: TcpListener,
    addr: SocketAddr,
    app: poem::endpoint::BoxEndpoint<'static>,
    /// The metrics listener, when `METRICS_ADDR` is set.
    metrics: Option<(TcpListener, SocketAddr, Metrics)>,
    db: DatabaseConnection,
    grace: Duration,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let secret = settings.signing_secret()?;
        let db = db::connect(settings)
            .await
            .context("connecting to the database")?;
        db::migrate(&db).await.context("applying migrations")?;
        let passwords = PasswordHasher::new(
            settings.bcrypt_cost,
            settings.bcrypt_concurrency(),
            Duration::from_millis(settings.bcrypt_max_wait_ms),
        )
        .await?;
        let metrics = Metrics::new(db.clone(), passwords.clone()).context("registering metrics")?;
        let state = AppState {
            db: db.clone(),
            tokens: TokenService::new(
                &secret,
                &settings.jwt_issuer,
                &settings.jwt_audience,
                settings.jwt_ttl_seconds,
            ),
            passwords,
            refresh_ttl: chrono::Duration::try_seconds(
                i64::try_from(settings.refresh_ttl_seconds).unwrap_or(i64::MAX),
            )
            .context("REFRESH_TTL_SECONDS is out of range")?,
            limits: AuthLimits {
                failures_per_email: settings.auth_failures_per_email,
                requests_per_ip: settings.auth_requests_per_ip,
                window_seconds: settings.auth_window_seconds,
            },
            proxies: settings.trusted_proxies.clone(),
            metrics: metrics.clone(),
        };
        let housekeeping = tokio::spawn(maintenance::run(state.db.clone())).abort_handle();
        let app = routes(state, settings)?.map_to_response().boxed();
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
            listener,
            addr,
            app,
            metrics,
            db,
            grace: Duration::from_secs(settings.shutdown_grace_seconds),
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
            tokio::spawn(server::serve(listener, metrics.routes(), unending, None)).abort_handle()
        });
        tracing::info!(address = %self.addr, docs = %format!("http://{}/docs", self.addr), "listening");
        let served = server::serve(self.listener, self.app, shutdown, Some(self.grace)).await;
        self.housekeeping.abort();
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
