//! Connecting to SQLite or PostgreSQL, applying migrations, and reading the
//! pool's state for the metrics.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    TransactionTrait,
};

use super::tls::explain;
use crate::auth::PasswordHasher;
use crate::config::Settings;
use crate::http::ResourceGauges;
use crate::service::Db;
use crate::service::transaction::bound_write_wait;

/// A pooled connection idle this long is pinged before use: the database
/// may have closed it meanwhile (Neon closes every connection when it
/// suspends an idle compute, after 5 minutes at the least), and a dead one
/// is replaced by a new connection, which waits for the database to wake.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

pub async fn connect(settings: &Settings) -> Result<Db, DbErr> {
    let url = settings.database_url.expose();
    // How long a request waits for a connection (opening one included)
    // before the database is reported unavailable (503), instead of hanging:
    // while PostgreSQL is down, sqlx keeps retrying until this runs out.
    let acquire = Duration::from_millis(settings.database_acquire_timeout_ms);
    // The longest one statement may run (PostgreSQL) or wait for the write
    // lock (SQLite) before the request gets 503 `database_timeout`.
    let statement = Duration::from_secs(settings.database_statement_timeout_seconds);
    let mut options = ConnectOptions::new(url);
    options
        .acquire_timeout(acquire)
        .connect_timeout(acquire)
        // sqlx pings a connection on every checkout by default: a round
        // trip per query (on SQLite a hop to the connection's worker thread
        // and back; see BENCHMARKS.md). Only a connection idle long enough
        // to have been dropped is checked.
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .sqlx_logging(false);
    if settings.is_sqlite() {
        sqlite_options(&mut options, url, statement);
    } else {
        // Each instance holds at most this many PostgreSQL connections; size
        // it so instances × pool stays under the server's connection limit.
        options
            .max_connections(settings.database_max_connections)
            .min_connections(1);
        // A pooler refuses it as a startup parameter: it is set on the role
        // instead (`pooler::bound_statements`).
        if settings.is_pooled() {
            // No statement outlives its transaction there (service::Db):
            // a cached one would be looked for on another server
            // connection.
            options.map_sqlx_postgres_opts(|opts| opts.statement_cache_capacity(0));
        } else {
            options.statement_timeout(statement);
        }
    }
    let db = Database::connect(options).await.map_err(explain)?;
    // SQLite's writers queue in process for their turn (service::transaction),
    // for as long as they would have waited on the busy timeout.
    bound_write_wait(&db, statement);
    Ok(Db::new(db, settings.is_pooled()))
}

/// A direct connection to PostgreSQL, when DATABASE_DIRECT_URL is set apart
/// from DATABASE_URL: for the event streams' LISTEN and for migrations,
/// which a transaction-mode pooler cannot carry. Two connections at most.
pub async fn connect_direct(settings: &Settings) -> Result<Option<DatabaseConnection>, DbErr> {
    let Some(url) = settings.direct_url() else {
        return Ok(None);
    };
    if settings.is_sqlite() || url == settings.database_url.expose() {
        return Ok(None);
    }
    let acquire = Duration::from_millis(settings.database_acquire_timeout_ms);
    let statement = Duration::from_secs(settings.database_statement_timeout_seconds);
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(2)
        .min_connections(0)
        .acquire_timeout(acquire)
        .connect_timeout(acquire)
        .statement_timeout(statement)
        .sqlx_logging(false);
    Database::connect(options).await.map(Some).map_err(explain)
}

/// The connection to LISTEN on for every instance's writes, if there is
/// one: never through a transaction-mode pooler, which drops the LISTEN
/// with its transaction. Without it, event streams hear only this
/// instance's writes (announced in process), which start-up says.
pub fn listener(
    settings: &Settings,
    db: &DatabaseConnection,
    direct: Option<&DatabaseConnection>,
) -> Option<DatabaseConnection> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    if let Some(direct) = direct {
        return Some(direct.clone());
    }
    if settings.is_pooled() {
        tracing::warn!(
            "DATABASE_URL goes through a transaction-mode pooler and DATABASE_DIRECT_URL is not \
             set: event streams get the changes made through this instance only, not those made \
             through other instances"
        );
        return None;
    }
    Some(db.clone())
}

fn sqlite_options(options: &mut ConnectOptions, url: &str, statement: Duration) {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    // sea-orm would open a single SQLite connection. With WAL, readers
    // never block each other or the writer, so a small pool lets reads
    // run in parallel on both cores; writes still go one at a time,
    // queued in process for the write turn (service::transaction). An in-memory database
    // exists per connection, so it must stay at one.
    options
        .max_connections(if in_memory { 1 } else { 8 })
        .min_connections(1);
    options.map_sqlx_sqlite_opts(move |opts| {
        let opts = opts
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(statement);
        if in_memory {
            opts
        } else {
            // Each pooled connection caches pages of its own (2 MB by
            // default): eight copies of the same hot pages. 512 KiB
            // each left throughput unchanged, on 10k and on 1M tasks,
            // and took 15 MB off the server's memory (BENCHMARKS.md);
            // the operating system caches the file anyway.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("cache_size", "-512")
        }
    });
}

/// Arbitrary key of the PostgreSQL advisory lock taken while migrating.
const MIGRATION_LOCK: i64 = 0x7461_736b_735f_6170; // "tasks_ap"

/// Applies pending migrations. On PostgreSQL several instances may start at
/// once: each migrates inside one transaction that first takes an advisory
/// lock, so one migrates while the others wait and then find nothing to do.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db.pool(), None).await;
    }
    let lock = db.begin().await?;
    lock.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await?;
    let migrated = Migrator::up(&lock, None).await;
    lock.commit().await?;
    migrated
}

/// The database pool's and the password queue's state, for `/metrics`.
pub fn gauges(db: &DatabaseConnection, passwords: &PasswordHasher) -> ResourceGauges {
    let (db_open, db_idle, db_max) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            let max = pool.options().get_max_connections();
            (pool.size() as usize, pool.num_idle(), max)
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            let max = pool.options().get_max_connections();
            (pool.size() as usize, pool.num_idle(), max)
        }
        _ => (0, 0, 0),
    };
    ResourceGauges {
        db_open,
        db_idle,
        db_max,
        bcrypt_queue: passwords.queue_len(),
        bcrypt_running: passwords.in_flight(),
        bcrypt_hash: passwords.hash_time(),
        bcrypt_wait: passwords.expected_wait(),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Statement;

    use super::*;
    use crate::config::tests::parse;

    async fn pragma(db: &DatabaseConnection, name: &str) -> sea_orm::QueryResult {
        let sql = format!("PRAGMA {name}");
        db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .unwrap()
            .expect("a pragma answers one row")
    }

    #[tokio::test]
    async fn a_sqlite_file_is_opened_with_wal_foreign_keys_and_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/tasks.db", dir.path().display());
        let db = connect(&parse(&["--database-url", &url])).await.unwrap();
        let db = db.pool().clone();
        let journal: String = pragma(&db, "journal_mode")
            .await
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(journal, "wal");
        let foreign_keys: i64 = pragma(&db, "foreign_keys")
            .await
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(foreign_keys, 1);
        // Negative: KiB rather than pages.
        let cache: i64 = pragma(&db, "cache_size").await.try_get_by_index(0).unwrap();
        assert_eq!(cache, -512);
    }
}
