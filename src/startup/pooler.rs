//! PostgreSQL through a transaction-mode pooler (PgBouncer; Neon's pooled
//! connection string). The pooler hands each transaction to whichever
//! server connection is free, so nothing that lasts a session may be relied
//! on: it refuses startup parameters it does not track (a
//! `statement_timeout` among them), LISTEN hears nothing once its
//! transaction ends, and a session's advisory lock is held by a server
//! connection others then use. The statements themselves are kept inside
//! transactions by `service::Db`.
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::config::Settings;

/// Makes the statement timeout that of every session the application's
/// role opens in this database, as the pooler opens them: a startup
/// parameter would be refused, and a `SET` would hold only on the server
/// connection that happened to run it. Runs before the pool connects, over
/// the direct connection or else a connection of its own through the
/// pooler; sessions the pooler opened before keep their value until it
/// replaces them.
pub async fn bound_statements(
    settings: &Settings,
    direct: Option<&DatabaseConnection>,
) -> Result<(), DbErr> {
    let millis = Duration::from_secs(settings.database_statement_timeout_seconds).as_millis();
    let sql = format!(
        "DO $$ BEGIN EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = {millis}', \
         current_user, current_database()); END $$"
    );
    if let Some(direct) = direct {
        return direct.execute_unprepared(&sql).await.map(drop);
    }
    let acquire = Duration::from_millis(settings.database_acquire_timeout_ms);
    let mut options = ConnectOptions::new(settings.database_url.expose());
    options
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(acquire)
        .connect_timeout(acquire)
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .map_err(super::tls::explain)?;
    let done = db.execute_unprepared(&sql).await.map(drop);
    db.close().await.ok();
    done
}
