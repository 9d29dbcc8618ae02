//! The API error and the stable codes it is answered with.
use poem_openapi::Enum;

use super::operation::Operation;
use crate::domain::Error;
use crate::http::Refusal;

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
    /// The request body did not arrive in time; the connection is closed.
    BodyTimeout,
    /// A browser request from an origin that `CORS_ORIGINS` does not list.
    OriginNotAllowed,
    /// The refresh token is unknown, expired, revoked or already used.
    InvalidRefreshToken,
    /// The current password given is wrong.
    WrongPassword,
    /// The sync cursor is older than the deletions kept; sync from scratch.
    CursorExpired,
    /// The user already holds as many event streams as allowed.
    TooManyStreams,
    /// The user already holds as many tasks as allowed.
    TooManyTasks,
    /// Too many attempts; retry after `Retry-After` seconds.
    RateLimited,
    /// Too many requests, or password checks, in progress; retry after
    /// `Retry-After`.
    ServerBusy,
    /// OAuth2: a required parameter is missing, repeated or malformed.
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
    /// A required parameter is missing, repeated or malformed.
    InvalidRequest,
    /// The email or password is wrong.
    InvalidGrant,
    /// The grant type is not `password`.
    UnsupportedGrantType,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    #[error("a bearer token is required")]
    MissingToken,
    #[error("no such resource")]
    NotFound,
    #[error("this method is not allowed here")]
    MethodNotAllowed { allow: String },
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    /// A body of another media type than the operation's (`accepted`).
    #[error("the request body must be {accepted}")]
    UnsupportedMediaType { accepted: &'static str },
    #[error("the request did not finish in time")]
    RequestTimeout,
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("this origin may not call the API from a browser")]
    OriginNotAllowed,
    /// A token-endpoint failure (400) in OAuth2's terms.
    #[error("{detail}")]
    OAuth { error: OAuthError, detail: String },
}

impl ApiError {
    pub fn oauth(error: OAuthError, detail: impl Into<String>) -> Self {
        Self::OAuth {
            error,
            detail: detail.into(),
        }
    }

    /// A body that is not of the media type of the operation being served
    /// (JSON when it is not known).
    pub fn unsupported_media_type() -> Self {
        let accepted = Operation::current().and_then(|operation| operation.body);
        Self::UnsupportedMediaType {
            accepted: accepted.unwrap_or("application/json"),
        }
    }

    /// The status of the problem: its code's, from the one table of them
    /// (`ErrorCode::status`).
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Domain(err) => domain_code(err),
            Self::MissingToken => ErrorCode::MissingToken,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType { .. } => ErrorCode::UnsupportedMediaType,
            Self::RequestTimeout => ErrorCode::RequestTimeout,
            Self::BodyTimeout => ErrorCode::BodyTimeout,
            Self::OriginNotAllowed => ErrorCode::OriginNotAllowed,
            Self::OAuth { error, .. } => match error {
                OAuthError::InvalidRequest => ErrorCode::InvalidRequest,
                OAuthError::InvalidGrant => ErrorCode::InvalidGrant,
                OAuthError::UnsupportedGrantType => ErrorCode::UnsupportedGrantType,
            },
        }
    }

    /// The human-readable `detail`; internal causes are replaced by a
    /// generic sentence so nothing about the server leaks.
    pub fn detail(&self) -> String {
        match self {
            Self::Domain(Error::Internal(_)) => "an unexpected error occurred".to_owned(),
            other => other.to_string(),
        }
    }
}

fn domain_code(err: &Error) -> ErrorCode {
    match err {
        Error::Validation(_) => ErrorCode::ValidationFailed,
        Error::InvalidCredentials => ErrorCode::InvalidCredentials,
        Error::InvalidToken | Error::InvalidTicket => ErrorCode::InvalidToken,
        Error::TokenExpired => ErrorCode::TokenExpired,
        Error::Forbidden => ErrorCode::Forbidden,
        Error::TaskNotFound => ErrorCode::TaskNotFound,
        Error::EmailTaken => ErrorCode::EmailTaken,
        Error::PreconditionFailed => ErrorCode::PreconditionFailed,
        Error::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
        Error::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
        Error::WrongPassword => ErrorCode::WrongPassword,
        Error::CursorExpired => ErrorCode::CursorExpired,
        Error::TooManyStreams => ErrorCode::TooManyStreams,
        Error::TooManyTasks => ErrorCode::TooManyTasks,
        Error::RateLimited { .. } => ErrorCode::RateLimited,
        Error::ServerBusy => ErrorCode::ServerBusy,
        Error::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
        Error::DatabaseTimeout => ErrorCode::DatabaseTimeout,
        Error::Internal(_) => ErrorCode::InternalError,
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::PayloadTooLarge => Self::PayloadTooLarge,
            Refusal::UnreadableBody(why) => Error::field("body", why).into(),
            Refusal::ServerBusy => Error::ServerBusy.into(),
            Refusal::UserShareInUse => Error::RateLimited { retry_after: 1 }.into(),
            Refusal::RequestTimeout => Self::RequestTimeout,
            Refusal::BodyTimeout => Self::BodyTimeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_reveal_their_cause() {
        let err = ApiError::from(Error::Internal("relation \"tasks\" does not exist".into()));
        assert_eq!(err.status(), 500);
        assert!(!err.detail().contains("tasks"));
    }

    #[test]
    fn each_client_error_has_its_status() {
        let status = |err: Error| ApiError::from(err).status();
        assert_eq!(status(Error::field("title", "too long")), 422);
        assert_eq!(status(Error::EmailTaken), 409);
        assert_eq!(status(Error::TaskNotFound), 404);
        assert_eq!(status(Error::Forbidden), 403);
        assert_eq!(status(Error::TokenExpired), 401);
        assert_eq!(status(Error::DatabaseUnavailable), 503);
        assert_eq!(ApiError::from(Refusal::RequestTimeout).status(), 504);
        assert_eq!(ApiError::from(Refusal::BodyTimeout).status(), 408);
    }
}
