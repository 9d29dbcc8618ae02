//! The one domain error: what went wrong in the rules' own terms. It knows
//! no HTTP: `api::error` gives each variant its status and problem code.

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The token is malformed or badly signed, or its account is gone.
    #[error("the bearer token is not valid")]
    InvalidToken,
    #[error("the bearer token has expired")]
    TokenExpired,
    #[error("this path belongs to another user")]
    Forbidden,
    #[error("no task with this id")]
    TaskNotFound,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the task has changed since the version named in If-Match")]
    PreconditionFailed,
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    #[error("the refresh token is not valid; log in again")]
    InvalidRefreshToken,
    /// The sync cursor is older than the tombstone retention.
    #[error("the cursor is older than the server keeps deletions for; sync again without one")]
    CursorExpired,
    #[error("too many event streams are open for this user; close one first")]
    TooManyStreams,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many attempts; retry after the number of seconds in Retry-After")]
    RateLimited { retry_after: u64 },
    /// No password-check slot was free in time.
    #[error("the server is busy; retry shortly")]
    ServerBusy,
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    #[error("the database did not answer in time; retry shortly")]
    DatabaseTimeout,
    /// The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<FieldError> for Error {
    fn from(failure: FieldError) -> Self {
        Self::Validation(vec![failure])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The 422 naming every field that failed, in order.
pub(crate) fn invalid(failures: impl IntoIterator<Item = Option<FieldError>>) -> Error {
    Error::Validation(failures.into_iter().flatten().collect())
}
