//! The rules and the queries. Functions take a connection and domain values
//! and know nothing of HTTP: who may act (401, 403), whether a task exists
//! (404), preconditions (412) and idempotent creates are decided here.
pub mod access;
pub mod accounts;
mod db_error;
pub mod housekeeping;
pub mod idempotency;
pub mod limits;
mod password_check;
pub mod sessions;
pub mod sync;
pub mod tasks;
pub mod transaction;
mod unique;
pub mod users;

pub use transaction::Db;

/// Whether the database answers (the readiness probe).
pub async fn database_answers(db: &Db) -> bool {
    match db.pool().ping().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            false
        }
    }
}
