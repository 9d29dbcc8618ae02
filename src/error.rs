//! The one domain error type. Services return it; `api::problem` turns it
//! into an `application/problem+json` response in exactly one place.
use poem_openapi::{Enum, Object};

/// A stable, machine-readable name for each kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request failed validation; `errors` lists the fields.
    ValidationFailed,
    /// Unknown email or wrong password.
    InvalidCredentials,
    /// No bearer token was sent.
    MissingToken,
    /// The bearer token is malformed, badly signed, or for no user.
    InvalidToken,
    /// The bearer token has expired; log in again.
    TokenExpired,
    /// The path names another user.
    Forbidden,
    /// No such task for this user.
    TaskNotFound,
    /// No such route.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// An account with this email already exists.
    EmailTaken,
    /// `If-Match` names a version that is no longer current.
    PreconditionFailed,
    /// This `Idempotency-Key` was already used with a different body.
    IdempotencyKeyReused,
    /// The request body is larger than 64 KiB.
    PayloadTooLarge,
    /// The request body is not `application/json`.
    UnsupportedMediaType,
    /// The database cannot be reached; retry later.
    DatabaseUnavailable,
    /// The database did not finish in time (busy or overloaded); retry later.
    DatabaseTimeout,
    /// The request did not finish within the server's deadline.
    RequestTimeout,
    /// A browser request from an origin that `CORS_ORIGINS` does not list.
    OriginNotAllowed,
    /// The refresh token is unknown, expired, revoked or already used.
    InvalidRefreshToken,
    /// The current password given is wrong.
    WrongPassword,
    /// Too many attempts; retry after `Retry-After` seconds.
    RateLimited,
    /// Too many requests, or password checks, in progress; retry after
    /// `Retry-After`.
    ServerBusy,
    /// OAuth2: a required parameter is missing or repeated.
    InvalidRequest,
    /// OAuth2: the email or password is wrong.
    InvalidGrant,
    /// OAuth2: only `grant_type=password` is supported.
    UnsupportedGrantType,
    /// An unexpected failure on the server; it has been logged.
    InternalError,
}

/// RFC 6749 §5.2 `error` values, carried by the token endpoint's 400s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OAuthError {
    /// A required parameter is missing or repeated.
    InvalidRequest,
    /// The email or password is wrong.
    InvalidGrant,
    /// The grant type is not `password`.
    UnsupportedGrantType,
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct FieldError {
    /// The field (or query/path parameter) at fault, e.g. `title`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("the request failed validation")]
    Validation(Vec<FieldError>),
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("a bearer token is required")]
    MissingToken,
    #[error("the bearer token is not valid")]
    InvalidToken,
    #[error("the bearer token has expired")]
    TokenExpired,
    #[error("this path belongs to another user")]
    Forbidden,
    #[error("no task with this id")]
    TaskNotFound,
    #[error("no such resource")]
    NotFound,
    #[error("this method is not allowed here")]
    MethodNotAllowed { allow: String },
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the task has changed since the version named in If-Match")]
    PreconditionFailed,
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    #[error("the database did not answer in time; retry shortly")]
    DatabaseTimeout,
    #[error("the request did not finish in time")]
    RequestTimeout,
    #[error("this origin may not call the API from a browser")]
    OriginNotAllowed,
    #[error("the refresh token is not valid; log in again")]
    InvalidRefreshToken,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many attempts; retry after the number of seconds in Retry-After")]
    RateLimited { retry_after: u64 },
    #[error("the server is busy; retry shortly")]
    ServerBusy,
    /// A token-endpoint failure (400) in OAuth2's terms.
    #[error("{detail}")]
    OAuth { error: OAuthError, detail: String },
    /// The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn oauth(error: OAuthError, detail: impl Into<String>) -> Self {
        Self::OAuth {
            error,
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) => 422,
            Self::InvalidCredentials
            | Self::MissingToken
            | Self::InvalidToken
            | Self::TokenExpired
            | Self::InvalidRefreshToken => 401,
            Self::OAuth { .. } => 400,
            Self::WrongPassword => 403,
            Self::RateLimited { .. } => 429,
            Self::ServerBusy => 503,
            Self::Forbidden => 403,
            Self::TaskNotFound | Self::NotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::EmailTaken => 409,
            Self::PreconditionFailed => 412,
            Self::IdempotencyKeyReused => 422,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::DatabaseUnavailable | Self::DatabaseTimeout => 503,
            Self::RequestTimeout => 504,
            Self::OriginNotAllowed => 403,
            Self::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::MissingToken => ErrorCode::MissingToken,
            Self::InvalidToken => ErrorCode::InvalidToken,
            Self::TokenExpired => ErrorCode::TokenExpired,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::TaskNotFound => ErrorCode::TaskNotFound,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::EmailTaken => ErrorCode::EmailTaken,
            Self::PreconditionFailed => ErrorCode::PreconditionFailed,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            Self::DatabaseTimeout => ErrorCode::DatabaseTimeout,
            Self::RequestTimeout => ErrorCode::RequestTimeout,
            Self::OriginNotAllowed => ErrorCode::OriginNotAllowed,
            Self::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            Self::WrongPassword => ErrorCode::WrongPassword,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::ServerBusy => ErrorCode::ServerBusy,
            Self::OAuth { error, .. } => match error {
                OAuthError::InvalidRequest => ErrorCode::InvalidRequest,
                OAuthError::InvalidGrant => ErrorCode::InvalidGrant,
                OAuthError::UnsupportedGrantType => ErrorCode::UnsupportedGrantType,
            },
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The human-readable `detail`; internal causes are replaced by a
    /// generic sentence so nothing about the server leaks.
    pub fn detail(&self) -> String {
        match self {
            Self::Internal(_) => "an unexpected error occurred".to_owned(),
            other => other.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, RuntimeErr};
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

impl<E: Into<Error>> From<sea_orm::TransactionError<E>> for Error
where
    E: std::error::Error,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_reveal_their_cause() {
        let err = Error::Internal("relation \"tasks\" does not exist".into());
        assert_eq!(err.status(), 500);
        assert!(!err.detail().contains("tasks"));
    }

    #[test]
    fn connection_failures_are_503_database_unavailable() {
        let err: Error =
            sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal("refused".into())).into();
        assert_eq!(err.status(), 503);
        assert_eq!(err.code(), ErrorCode::DatabaseUnavailable);
    }

    #[test]
    fn a_dropped_connection_mid_query_is_503_database_unavailable() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let sqlx = sea_orm::sqlx::Error::Io(io);
        let err: Error = sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(sqlx.into())).into();
        assert_eq!(err.code(), ErrorCode::DatabaseUnavailable);
        let err: Error = sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::PoolTimedOut.into(),
        ))
        .into();
        assert_eq!(err.status(), 503);
    }

    #[test]
    fn a_query_bug_stays_an_internal_error() {
        let err: Error = sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::ColumnNotFound("x".into()).into(),
        ))
        .into();
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn each_client_error_has_its_status() {
        assert_eq!(Error::field("title", "too long").status(), 422);
        assert_eq!(Error::EmailTaken.status(), 409);
        assert_eq!(Error::TaskNotFound.status(), 404);
        assert_eq!(Error::Forbidden.status(), 403);
        assert_eq!(Error::TokenExpired.status(), 401);
    }
}
