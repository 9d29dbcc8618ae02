//! Every operation, one struct per tag, each handed its parts: the same
//! assembly for the server and, over a database never connected, for the
//! spec export (a spec depends only on the operations' types).
use std::time::Duration;

use crate::service::Db;
use anyhow::Context;
use poem_openapi::{ContactObject, LicenseObject, OpenApiService, ServerObject};

use super::database;
use crate::api::Published;
use crate::api::auth::AuthApi;
use crate::api::health::HealthApi;
use crate::api::openapi_doc::PublishedApi;
use crate::api::sync::SyncApi;
use crate::api::tasks::{TaskApi, TaskListApi};
use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::http::Metrics;
use crate::service::limits::AuthLimits;
use crate::service::sync::ChangeHub;

/// Every operation, one struct per tag.
#[derive(Clone)]
pub struct Apis {
    pub auth: AuthApi,
    pub tasks: TaskListApi,
    pub task: TaskApi,
    pub sync: SyncApi,
    pub health: HealthApi,
    /// This instance's event streams' hub.
    pub hub: ChangeHub,
    pub metrics: Metrics,
}

/// The operations in the order the spec lists their tags.
type Operations = (AuthApi, TaskListApi, TaskApi, SyncApi, HealthApi);

/// The published OpenAPI service.
pub type Api = PublishedApi<Published<Operations>>;

const DESCRIPTION: &str = "A task-management API: sign up, log in, and manage your own tasks. \
Every task path is scoped to the caller's user id; errors are `application/problem+json` \
(RFC 9457) with a stable `code`.\n\n\
**Your `user_id`.** The `{user_id}` in every `/api/{user_id}/...` path is your own account's \
id: `user.id` in the answer to sign-up (`POST /api/auth/signup`) or log-in \
(`POST /api/auth/login`), or `id` in `GET /api/auth/me` once you are authorised. Any other \
user's id is answered 403.\n\n\
**Authorising.** Send the access token from sign-up, log-in or `POST /api/auth/token` as \
`Authorization: Bearer <token>`. In this page, *Authorize* takes your email (as `username`) \
and password, or a token pasted under `bearerAuth`.";

impl Apis {
    /// Every operation over `db`, with the parts `settings` describe;
    /// `notified`: writes reach the streams by PostgreSQL's `NOTIFY` (else in
    /// process).
    pub fn build(settings: &Settings, db: &Db, notified: bool) -> anyhow::Result<Self> {
        let secret = settings.signing_secret()?;
        let passwords = PasswordHasher::new(
            settings.bcrypt_cost,
            settings.bcrypt_concurrency(),
            Duration::from_millis(settings.bcrypt_max_wait_ms),
        );
        let gauges = (db.clone(), passwords.clone());
        let metrics = Metrics::new(move || database::gauges(gauges.0.pool(), &gauges.1))
            .context("registering metrics")?;
        let caps = settings
            .sync
            .stream_caps(settings.connection_limits().max_connections)?;
        let hub = ChangeHub::new(notified, caps);
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
        Ok(Self {
            auth,
            tasks: TaskListApi::new(db.clone(), settings.quotas),
            task: TaskApi::new(db.clone()),
            sync: SyncApi {
                db: db.clone(),
                hub: hub.clone(),
                metrics: metrics.clone(),
                cursors: settings.sync.cursor_key(&secret)?,
                proxies: settings.trusted_proxies.clone(),
            },
            health: HealthApi::new(db.clone(), hub.clone()),
            hub,
            metrics,
        })
    }

    /// The OpenAPI service of these operations: the same spec is served,
    /// exported and tested.
    pub fn service(&self) -> Api {
        let operations = (
            self.auth.clone(),
            self.tasks.clone(),
            self.task.clone(),
            self.sync.clone(),
            self.health.clone(),
        );
        let service = OpenApiService::new(
            Published(operations),
            "tasks-api",
            env!("CARGO_PKG_VERSION"),
        )
        .description(DESCRIPTION)
        // Linters ask for a contact; the project publishes no address yet.
        .contact(ContactObject::new().name("tasks-api maintainers"))
        // `identifier` is OpenAPI 3.1 only; this spec is 3.0, which takes a `url`.
        .license(LicenseObject::new("MIT").url("https://opensource.org/licenses/MIT"))
        // Relative first: Swagger UI (and any client reading the served spec)
        // then calls the server it fetched the spec from, whatever its port.
        .server(ServerObject::new("/").description("The server this document was fetched from"))
        .server(ServerObject::new("http://127.0.0.1:8000").description("Local development server"));
        PublishedApi::new(service)
    }
}

/// The spec alone, for export and tests: the server's own operations,
/// assembled from the default settings over a database never connected.
pub fn openapi() -> Api {
    let settings = Settings::defaults();
    Apis::build(&settings, &Db::default(), false)
        .expect("the default settings assemble")
        .service()
}
