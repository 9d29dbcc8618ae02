//! Connecting to SQLite or PostgreSQL, and applying migrations.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Settings;

/// How long a request waits for a pooled connection before the database is
/// reported unavailable (503), instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.expose();
    let mut options = ConnectOptions::new(url);
    options
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_timeout(ACQUIRE_TIMEOUT)
        .sqlx_logging(false);
    if settings.is_sqlite() {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // sea-orm would open a single SQLite connection. With WAL, readers
        // never block each other or the writer, so a small pool lets reads
        // run in parallel on both cores; writes still go one at a time and
        // wait out each other through busy_timeout. An in-memory database
        // exists per connection, so it must stay at one.
        options
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(1);
        options.map_sqlx_sqlite_opts(move |opts| {
            let opts = opts
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            if in_memory {
                opts
            } else {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            }
        });
    } else {
        // Each instance holds at most this many PostgreSQL connections; size
        // it so instances × pool stays under the server's connection limit.
        options
            .max_connections(settings.database_max_connections)
            .min_connections(1);
    }
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
