//! What the settings imply: the defaults of a bare command, the log
//! format, the signing secret, the connection limits, the hashing threads.
use std::time::Duration;

use super::{AppEnv, LogFormat, MIN_SECRET_BYTES, Settings};
use crate::http::server::{ConnectionLimits, default_max_connections};

impl Settings {
    /// The settings of a bare `tasks-api` command: its environment and the
    /// defaults.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Bare {
            #[command(flatten)]
            settings: Settings,
        }
        <Bare as clap::Parser>::parse_from(["tasks-api"]).settings
    }

    /// JSON in production, readable lines in development, unless set.
    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.app_env {
            AppEnv::Production => LogFormat::Json,
            AppEnv::Development => LogFormat::Pretty,
        })
    }

    /// The JWT secret to sign with: the configured one (checked), or in
    /// development a random one for this process.
    pub fn signing_secret(&self) -> anyhow::Result<Vec<u8>> {
        match (&self.jwt_secret, self.app_env) {
            (Some(secret), _) if secret.expose().len() >= MIN_SECRET_BYTES => {
                Ok(secret.expose().as_bytes().to_vec())
            }
            (Some(_), _) => anyhow::bail!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"),
            (None, AppEnv::Production) => {
                anyhow::bail!("JWT_SECRET is required when APP_ENV=production")
            }
            (None, AppEnv::Development) => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret; tokens will not survive a restart"
                );
                Ok(rand::random::<[u8; 32]>().to_vec())
            }
        }
    }

    /// The connection loop's limits.
    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            idle_timeout: Duration::from_secs(self.header_read_timeout_seconds),
            max_header_bytes: self.max_header_bytes as usize,
            max_connections: self
                .max_connections
                .map_or_else(default_max_connections, |n| n as usize),
        }
    }

    /// How many threads compute bcrypt: by default one per core. They run
    /// at a lower OS priority than the request workers, so the kernel
    /// serves requests first and hashes with every cycle left over
    /// (BENCHMARKS.md: leaving a core idle instead made logins slower).
    pub fn bcrypt_concurrency(&self) -> usize {
        self.bcrypt_concurrency.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| n as usize,
        )
    }
}
