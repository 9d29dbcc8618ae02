//! What the middleware refuses before a request reaches its operation. It
//! travels as a `poem::Error`, and the API's problem layer answers it as
//! problem+json like every other error.
use poem::http::StatusCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Refusal {
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    /// The body could not be read (the client broke off, say).
    #[error("{0}")]
    UnreadableBody(String),
    /// No place was free in time, or the password queue was over its bound.
    #[error("the server is busy; retry shortly")]
    ServerBusy,
    /// The caller's share of the places stayed in use by its own requests.
    #[error("too many of your requests are in progress; retry after Retry-After seconds")]
    UserShareInUse,
    #[error("the request did not finish in time")]
    RequestTimeout,
    /// The body did not arrive whole within `BODY_READ_TIMEOUT_SECONDS`.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
}

impl Refusal {
    /// The status it is answered with (the problem layer's, which a test
    /// holds this to), for any layer that reads it before that one.
    fn status(&self) -> StatusCode {
        match self {
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnreadableBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::ServerBusy => StatusCode::SERVICE_UNAVAILABLE,
            Self::UserShareInUse => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

impl From<Refusal> for poem::Error {
    fn from(refusal: Refusal) -> Self {
        let status = refusal.status();
        poem::Error::new(refusal, status)
    }
}
