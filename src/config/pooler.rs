//! Settings for a PostgreSQL reached through a transaction-mode pooler
//! (PgBouncer; Neon's pooled connection string).
use std::str::FromStr;

use clap::{Args, ValueEnum};
use sea_orm::sqlx::postgres::PgConnectOptions;

use super::Settings;
use super::values::{Secret, secret};

#[derive(Debug, Clone, Default, Args)]
pub struct PoolerSettings {
    /// A direct (not pooled) PostgreSQL URL, for what a transaction-mode
    /// pooler cannot carry: LISTEN for event streams across instances, and
    /// the migrations' lock. Default: DATABASE_URL.
    #[arg(long, env = "DATABASE_DIRECT_URL", global = true, hide_env_values = true, value_parser = secret)]
    pub database_direct_url: Option<Secret>,

    /// Whether DATABASE_URL goes through a transaction-mode pooler. `auto`:
    /// yes for a host name with `-pooler` (Neon) or when
    /// DATABASE_DIRECT_URL is set and differs from DATABASE_URL.
    #[arg(
        long,
        env = "DATABASE_POOLED",
        global = true,
        value_enum,
        default_value = "auto"
    )]
    pub database_pooled: Pooled,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Pooled {
    #[default]
    Auto,
    Yes,
    No,
}

impl Settings {
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }

    /// Whether DATABASE_URL is taken to be a transaction-mode pooler.
    pub fn is_pooled(&self) -> bool {
        if self.is_sqlite() {
            return false;
        }
        let url = self.database_url.expose();
        match self.pooler.database_pooled {
            Pooled::Yes => true,
            Pooled::No => false,
            Pooled::Auto => {
                let neon = PgConnectOptions::from_str(url)
                    .is_ok_and(|options| options.get_host().contains("-pooler"));
                let direct = self.direct_url().is_some_and(|direct| direct != url);
                neon || direct
            }
        }
    }

    /// The direct URL, when one is set apart from DATABASE_URL.
    pub fn direct_url(&self) -> Option<&str> {
        let direct = self.pooler.database_direct_url.as_ref().map(Secret::expose);
        direct.filter(|url| !url.is_empty())
    }
}
