//! Database failures in the domain's terms: "the database is down or too
//! slow" (retry later) apart from "this query is wrong" (an internal error).
use sea_orm::{DbErr, RuntimeErr, TransactionError};

use crate::domain::Error;

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::DatabaseUnavailable,
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
        Sqlx::Database(db) => {
            let code = db.code()?;
            match code.as_ref() {
                // PostgreSQL: query_canceled (statement_timeout), lock_not_available.
                "57014" | "55P03" => Some(Error::DatabaseTimeout),
                // PostgreSQL: shutting down, starting up, too many connections,
                // and the connection_exception class.
                "57P01" | "57P02" | "57P03" | "53300" => Some(Error::DatabaseUnavailable),
                c if c.starts_with("08") => Some(Error::DatabaseUnavailable),
                // SQLite: SQLITE_BUSY and SQLITE_LOCKED (and their extended codes).
                c if c.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => {
                    Some(Error::DatabaseTimeout)
                }
                _ => None,
            }
        }
        _ => None,
    }
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
    fn a_query_bug_stays_an_internal_error() {
        let missing = sea_orm::sqlx::Error::ColumnNotFound("x".into());
        let err: Error = DbErr::Query(RuntimeErr::SqlxError(missing.into())).into();
        assert!(matches!(err, Error::Internal(_)));
    }
}
