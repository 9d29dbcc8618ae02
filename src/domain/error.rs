//! The one domain error: what went wrong in the rules' own terms. It knows
//! no HTTP: `api::error` gives each variant its status and problem code.

/// What is wrong with a value: a stable name clients can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// A required value is missing.
    Required,
    /// Shorter (or smaller in bytes) than allowed; for text, empty.
    TooShort,
    /// Longer (or larger in bytes) than allowed; for lists, too many items.
    TooLong,
    /// Not in the expected form (an email, a date-time, text without NUL).
    InvalidFormat,
    /// Not one of the allowed values.
    NotOneOf,
    /// A number outside its range.
    OutOfRange,
    /// The wrong kind of JSON value (a number for a string, `null`, ...).
    WrongType,
}

/// Where a failing value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The request body; the field is a JSON pointer (`/title`, `/tags/3`).
    #[default]
    Body,
    /// A query parameter, by name.
    Query,
    /// A path parameter, by name.
    Path,
    /// A header, by name.
    Header,
}

/// One value that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub source: Source,
    /// A JSON pointer into the body (`/title`; `""` for the whole body), or
    /// a parameter's name.
    pub field: String,
    pub code: Violation,
    /// A sentence for a person, e.g. "must be at most 200 characters".
    pub message: String,
}

impl FieldError {
    /// A failure of the body member at `pointer`.
    pub fn new(pointer: impl Into<String>, code: Violation, message: impl Into<String>) -> Self {
        Self {
            source: Source::Body,
            field: pointer.into(),
            code,
            message: message.into(),
        }
    }

    /// The same failure, found at another place of the request.
    pub fn at(self, source: Source, field: impl Into<String>) -> Self {
        Self {
            source,
            field: field.into(),
            ..self
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
    /// A stream ticket that is unknown, expired or already used: the
    /// request sent no bearer token, so the answer does not speak of one.
    #[error("the stream ticket is unknown, expired or already used")]
    InvalidTicket,
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
    /// The user holds as many tasks as `MAX_TASKS_PER_USER` allows.
    #[error("this account holds as many tasks as it may; delete some first")]
    TooManyTasks,
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
    /// A request that cannot be read as a whole (`field` names the part):
    /// `invalid_format`.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(
            field,
            Violation::InvalidFormat,
            message,
        )])
    }

    /// The same error, its validation failures (if any) laid at the one
    /// parameter `field` of `source` that carried the value they are about.
    pub fn at(self, source: Source, field: &str) -> Self {
        match self {
            Self::Validation(failures) => Self::Validation(
                failures
                    .into_iter()
                    .map(|failure| failure.at(source, field))
                    .collect(),
            ),
            other => other,
        }
    }
}

impl From<FieldError> for Error {
    fn from(failure: FieldError) -> Self {
        Self::Validation(vec![failure])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The 422 naming every field that failed, in order.
pub(crate) fn invalid(failures: impl IntoIterator<Item = Vec<FieldError>>) -> Error {
    Error::Validation(failures.into_iter().flatten().collect())
}
