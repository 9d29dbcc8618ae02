//! Database failures in the domain's terms: "the database is down or too
//! slow" (retry later) apart from "this query is wrong" (an internal error).
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr, TransactionError};

use super::transaction::TURN_TIMED_OUT;
use crate::domain::Error;

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::DatabaseUnavailable,
            DbErr::Custom(why) if why == TURN_TIMED_OUT => Self::DatabaseTimeout,
            DbErr::Exec(RuntimeErr::SqlxError(sqlx))
            | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
                from_sqlx(sqlx).unwrap_or_else(|| Self::Internal(err.to_string()))
            }
            _ => Self::Internal(err.to_string()),
        }
    }
}

/// The driver errors that say "the database is down or too slow", not "this
/// query is wrong": a server that went away mid-query, a pool that could not
/// hand out a connection, a statement cancelled by `statement_timeout`, or
/// SQLite still locked when its busy timeout ran out.
fn from_sqlx(err: &sea_orm::sqlx::Error) -> Option<Error> {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => Some(Error::DatabaseUnavailable),
        Sqlx::Database(db) => from_database(db.as_ref()),
        _ => None,
    }
}

/// Reads an error the database itself reported by its backend's own code:
/// a PostgreSQL SQLSTATE is five characters, a SQLite result code a number,
/// and one is never read as the other (SQLSTATE 22021, "invalid byte
/// sequence", taken as a number is 5 in its low byte: SQLITE_BUSY).
fn from_database(db: &dyn DatabaseError) -> Option<Error> {
    if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
        from_sqlstate(pg.code())
    } else if let Some(sqlite) = db.try_downcast_ref::<SqliteError>() {
        from_sqlite_code(sqlite.code()?.parse().ok()?)
    } else {
        None
    }
}

fn from_sqlstate(code: &str) -> Option<Error> {
    match code {
        // query_canceled (statement_timeout), lock_not_available.
        "57014" | "55P03" => Some(Error::DatabaseTimeout),
        // Shutting down, starting up, too many connections, and the
        // connection_exception class.
        "57P01" | "57P02" | "57P03" | "53300" => Some(Error::DatabaseUnavailable),
        c if c.starts_with("08") => Some(Error::DatabaseUnavailable),
        _ => None,
    }
}

/// SQLite reports extended result codes; the primary code is the low byte.
fn from_sqlite_code(code: i32) -> Option<Error> {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED).then_some(Error::DatabaseTimeout)
}

impl<E: Into<Error> + std::error::Error> From<TransactionError<E>> for Error {
    fn from(err: TransactionError<E>) -> Self {
        match err {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_database_unavailable() {
        let err: Error = DbErr::Conn(RuntimeErr::Internal("refused".into())).into();
        assert!(matches!(err, Error::DatabaseUnavailable));
    }

    #[test]
    fn a_dropped_connection_mid_query_is_database_unavailable() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let sqlx = sea_orm::sqlx::Error::Io(io);
        let err: Error = DbErr::Query(RuntimeErr::SqlxError(sqlx.into())).into();
        assert!(matches!(err, Error::DatabaseUnavailable));
        let timed_out = sea_orm::sqlx::Error::PoolTimedOut;
        let err: Error = DbErr::Exec(RuntimeErr::SqlxError(timed_out.into())).into();
        assert!(matches!(err, Error::DatabaseUnavailable));
    }

    #[test]
    fn postgres_codes_are_read_as_sqlstates() {
        // 22021 & 0xff is 5, SQLite's BUSY: as a SQLSTATE it is bad input.
        assert!(from_sqlstate("22021").is_none());
        assert!(from_sqlstate("23505").is_none());
        assert!(matches!(
            from_sqlstate("57014"),
            Some(Error::DatabaseTimeout)
        ));
        assert!(matches!(
            from_sqlstate("08006"),
            Some(Error::DatabaseUnavailable)
        ));
        // A SQLite code never means anything to the PostgreSQL reading.
        assert!(from_sqlstate("5").is_none());
    }

    #[test]
    fn sqlite_busy_and_locked_are_timeouts_with_their_extended_codes() {
        for code in [5, 6, 261, 517] {
            assert!(matches!(
                from_sqlite_code(code),
                Some(Error::DatabaseTimeout)
            ));
        }
        assert!(from_sqlite_code(19).is_none());
        assert!(from_sqlite_code(2067).is_none());
    }

    /// A real SQLITE_BUSY: a second writer with no busy timeout while the
    /// first holds the write lock.
    #[tokio::test]
    async fn a_real_sqlite_busy_is_a_database_timeout() {
        use std::time::Duration;

        use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
        use sea_orm::sqlx::{ConnectOptions, Connection, Executor};

        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("busy.db"))
            .create_if_missing(true)
            .busy_timeout(Duration::ZERO);
        let mut first: SqliteConnection = options.connect().await.unwrap();
        let mut second: SqliteConnection = options.connect().await.unwrap();
        first.execute("BEGIN IMMEDIATE").await.unwrap();
        let busy = second.execute("BEGIN IMMEDIATE").await.unwrap_err();
        let err: Error = DbErr::Exec(RuntimeErr::SqlxError(busy.into())).into();
        assert!(matches!(err, Error::DatabaseTimeout), "{err:?}");
        first.close().await.unwrap();
    }

    #[test]
    fn a_query_bug_stays_an_internal_error() {
        let missing = sea_orm::sqlx::Error::ColumnNotFound("x".into());
        let err: Error = DbErr::Query(RuntimeErr::SqlxError(missing.into())).into();
        assert!(matches!(err, Error::Internal(_)));
    }
}
