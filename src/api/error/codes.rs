//! What each `ErrorCode` means for a client: its status, a sentence for the
//! spec, and the codes every operation can meet whatever it does.
use super::kind::ErrorCode;

impl ErrorCode {
    /// The one status a problem with this code is answered with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest | InvalidGrant | UnsupportedGrantType => 400,
            InvalidCredentials | MissingToken | InvalidToken | TokenExpired
            | InvalidRefreshToken => 401,
            Forbidden | WrongPassword | OriginNotAllowed => 403,
            TaskNotFound | NotFound => 404,
            MethodNotAllowed => 405,
            BodyTimeout => 408,
            EmailTaken | TooManyTasks => 409,
            CursorExpired => 410,
            PreconditionFailed => 412,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            ValidationFailed | IdempotencyKeyReused => 422,
            RateLimited | TooManyStreams => 429,
            InternalError => 500,
            DatabaseUnavailable | DatabaseTimeout | ServerBusy => 503,
            RequestTimeout => 504,
        }
    }

    /// What the code tells a client, as the spec says it.
    pub fn meaning(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "the request failed validation; `errors` names each field",
            InvalidCredentials => "unknown email or wrong password",
            MissingToken => "no bearer token was sent",
            InvalidToken => "the bearer token is malformed, badly signed, or for no user",
            TokenExpired => "the bearer token has expired",
            Forbidden => "the path's `user_id` is not the authenticated user",
            TaskNotFound => "no such task for this user",
            NotFound => "no such route",
            MethodNotAllowed => "the route exists, but not with this method",
            EmailTaken => "an account with this email already exists",
            PreconditionFailed => {
                "`If-Match` names a version that is no longer current; nothing changed"
            }
            IdempotencyKeyReused => "this `Idempotency-Key` was already used with another body",
            PayloadTooLarge => "the request body is larger than 64 KiB",
            UnsupportedMediaType => "the request body is not `application/json`",
            DatabaseUnavailable => "the database cannot be reached",
            DatabaseTimeout => "the database did not answer in time",
            RequestTimeout => {
                "the request did not finish within the server's deadline; a write may or may \
                 not have been applied, so check before repeating it"
            }
            BodyTimeout => "the request body did not arrive in time; the connection is closed",
            OriginNotAllowed => {
                "a browser request from an origin that the server's `CORS_ORIGINS` does not list"
            }
            InvalidRefreshToken => "the refresh token is unknown, expired, revoked or already used",
            WrongPassword => "the password given is wrong; nothing changed",
            RateLimited => {
                "too many attempts, or too many of this user's requests at once \
                 (`MAX_CONCURRENT_REQUESTS_PER_USER`)"
            }
            CursorExpired => {
                "the cursor is older than the deletions the server keeps: sync again without one"
            }
            TooManyStreams => {
                "the user, or the client address, already holds as many streams here as allowed"
            }
            TooManyTasks => {
                "the account holds `MAX_TASKS_PER_USER` tasks; delete some before creating more"
            }
            ServerBusy => "too many requests, or password checks, are in progress",
            InvalidRequest => {
                "a required form parameter is missing, repeated, over 1024 bytes or malformed"
            }
            InvalidGrant => "the email or password is wrong",
            UnsupportedGrantType => "only `grant_type=password` is supported",
            InternalError => "an unexpected failure; the cause is logged, never sent",
        }
    }
}

/// The codes any operation under `/api` can answer with: refusals of the
/// middleware every request passes (origin, body size and time, capacity,
/// deadline) and the database every operation reads.
pub const API_COMMON: &[ErrorCode] = &[
    ErrorCode::OriginNotAllowed,
    ErrorCode::BodyTimeout,
    ErrorCode::PayloadTooLarge,
    ErrorCode::InternalError,
    ErrorCode::RateLimited,
    ErrorCode::ServerBusy,
    ErrorCode::DatabaseUnavailable,
    ErrorCode::DatabaseTimeout,
    ErrorCode::RequestTimeout,
];

/// The codes of the probes: they pass the same origin and body checks, but
/// no capacity limit or deadline.
pub const PROBE_COMMON: &[ErrorCode] = &[
    ErrorCode::OriginNotAllowed,
    ErrorCode::BodyTimeout,
    ErrorCode::PayloadTooLarge,
];

/// The refusals of the bearer scheme.
pub const BEARER: &[ErrorCode] = &[
    ErrorCode::MissingToken,
    ErrorCode::InvalidToken,
    ErrorCode::TokenExpired,
];
