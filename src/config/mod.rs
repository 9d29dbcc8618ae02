//! Typed settings from command-line flags, environment variables and a
//! `.env` file (README, "Configuration"). Secrets are never printed.
mod derived;
mod pooler;
mod quotas;
mod sync;
mod values;

use clap::Args;

use crate::http::TrustedProxies;
pub use pooler::{Pooled, PoolerSettings};
pub use quotas::QuotaSettings;
pub use sync::SyncSettings;
pub use values::{AppEnv, LogFormat, MIN_SECRET_BYTES, Secret};
use values::{proxies, secret};

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://FILE` or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", global = true, default_value = "sqlite://tasks.db", hide_env_values = true, value_parser = secret)]
    pub database_url: Secret,

    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        env = "BIND_ADDR",
        global = true,
        default_value = "127.0.0.1:8000"
    )]
    pub bind_addr: String,

    /// `development` or `production` (which requires JWT_SECRET).
    #[arg(
        long,
        env = "APP_ENV",
        global = true,
        value_enum,
        default_value = "development"
    )]
    pub app_env: AppEnv,

    /// HS256 signing secret, at least 32 bytes.
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<Secret>,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "JWT_TTL_SECONDS", global = true, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    pub jwt_ttl_seconds: u64,

    /// The `iss` claim issued and required.
    #[arg(long, env = "JWT_ISSUER", global = true, default_value = "tasks-api")]
    pub jwt_issuer: String,

    /// The `aud` claim issued and required.
    #[arg(long, env = "JWT_AUDIENCE", global = true, default_value = "tasks-api")]
    pub jwt_audience: String,

    /// bcrypt cost factor (4 to 31).
    #[arg(long, env = "BCRYPT_COST", global = true, default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,

    /// Origins allowed by CORS, comma-separated; none when empty.
    #[arg(long, env = "CORS_ORIGINS", global = true, value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Host names (or `host:port`) the MCP endpoint answers to,
    /// comma-separated: its guard against DNS rebinding.
    #[arg(
        long,
        env = "MCP_ALLOWED_HOSTS",
        global = true,
        value_delimiter = ',',
        default_value = "localhost,127.0.0.1,::1"
    )]
    pub mcp_allowed_hosts: Vec<String>,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Log filter, e.g. `info,tasks_api=debug`.
    #[arg(
        long = "log-filter",
        env = "RUST_LOG",
        global = true,
        default_value = "info,sqlx=warn,sea_orm=warn,rmcp=warn"
    )]
    pub rust_log: String,

    /// Database connection pool size (PostgreSQL; SQLite picks its own).
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", global = true, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub database_max_connections: u32,

    /// Refresh-token lifetime in seconds (default 30 days; at most 10 years).
    #[arg(long, env = "REFRESH_TTL_SECONDS", global = true, default_value_t = 30 * 24 * 3600, value_parser = clap::value_parser!(u64).range(1..=10 * 365 * 24 * 3600))]
    pub refresh_ttl_seconds: u64,

    /// Failed logins for one email from one client address within the
    /// window before that email is locked out (429) for that address until
    /// the window ends.
    #[arg(long, env = "AUTH_FAILURES_PER_EMAIL", global = true, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_failures_per_email: u32,

    /// Failed logins for one email from every address together within the
    /// window before that email is locked out (429) for everyone.
    #[arg(long, env = "AUTH_FAILURES_PER_EMAIL_TOTAL", global = true, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_failures_per_email_total: u32,

    /// Auth requests (sign-up, login, token) one client address may make
    /// within the window.
    #[arg(long, env = "AUTH_REQUESTS_PER_IP", global = true, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_requests_per_ip: u32,

    /// The rate-limit window in seconds.
    #[arg(long, env = "AUTH_WINDOW_SECONDS", global = true, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    pub auth_window_seconds: u64,

    /// Reverse proxies (IPs or CIDRs, comma-separated) whose
    /// `X-Forwarded-For` entries name the client; none when empty.
    #[arg(long, env = "TRUSTED_PROXIES", global = true, default_value = "", value_parser = proxies)]
    pub trusted_proxies: TrustedProxies,

    /// Threads computing bcrypt (at a lower OS priority than the request
    /// workers); default: the number of CPU cores.
    #[arg(long, env = "BCRYPT_CONCURRENCY", global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub bcrypt_concurrency: Option<u32>,

    /// The longest expected wait (queue length x the measured CPU time of
    /// one hash / threads) a password operation is queued for; past it: 503.
    #[arg(
        long,
        env = "BCRYPT_MAX_WAIT_MS",
        global = true,
        default_value_t = 20_000
    )]
    pub bcrypt_max_wait_ms: u64,

    /// Address of the separate listener serving Prometheus metrics at
    /// `/metrics`; no metrics listener when unset. Keep it off the public
    /// network.
    #[arg(long, env = "METRICS_ADDR", global = true)]
    pub metrics_addr: Option<String>,

    /// API requests processed at once; more wait their turn. The
    /// operations that check a password take no place: they queue for the
    /// bcrypt threads instead.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS", global = true, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests: u32,

    /// Milliseconds a request waits for its turn before answering 503
    /// `server_busy`.
    #[arg(long, env = "ADMISSION_MAX_WAIT_MS", global = true, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub admission_max_wait_ms: u64,

    /// Seconds a request may take before it is answered 504.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", global = true, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// Seconds one database statement may run (PostgreSQL
    /// `statement_timeout`) or wait for the write turn or a lock (SQLite).
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT_SECONDS", global = true, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub database_statement_timeout_seconds: u64,

    /// Milliseconds a request waits for a database connection (including
    /// opening one) before answering 503 `database_unavailable`.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_MS", global = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub database_acquire_timeout_ms: u64,

    /// Seconds a connection may go without a request in progress: to send
    /// a whole request head after connecting or after its last answer.
    /// Then it is closed (idle keep-alive connections included).
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", global = true, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_seconds: u64,

    /// Seconds a request body (at most 64 KiB) may take to arrive whole
    /// before it is answered 408 `body_timeout`.
    #[arg(long, env = "BODY_READ_TIMEOUT_SECONDS", global = true, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout_seconds: u64,

    /// Bytes of request head (request line and headers) accepted; larger
    /// heads are answered 431. At least 8192. It is also hyper's HTTP/1
    /// write buffer, and a response larger than it takes two writes.
    #[arg(long, env = "MAX_HEADER_BYTES", global = true, default_value_t = 64 * 1024, value_parser = clap::value_parser!(u32).range(8192..))]
    pub max_header_bytes: u32,

    /// Connections open at once; the last few serve only `/health/*`, and
    /// past it new connections are closed at once. Default: 10,000, or
    /// less to stay below the file-descriptor limit.
    #[arg(long, env = "MAX_CONNECTIONS", global = true, value_parser = clap::value_parser!(u32).range(2..))]
    pub max_connections: Option<u32>,

    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    #[arg(
        long,
        env = "SHUTDOWN_GRACE_SECONDS",
        global = true,
        default_value_t = 30
    )]
    pub shutdown_grace_seconds: u64,

    #[command(flatten)]
    pub sync: SyncSettings,
    #[command(flatten)]
    pub pooler: PoolerSettings,
    #[command(flatten)]
    pub quotas: QuotaSettings,
}

#[cfg(test)]
pub(crate) mod tests;
