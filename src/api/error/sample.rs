//! Each code's problem as the server raises it, for the spec's examples:
//! an example is what `Problem::from`, the function every live answer goes
//! through, makes of one of these errors, so an example's `detail` is a
//! `detail` the operation really sends.
use poem_openapi::types::ToJSON;
use serde_json::Value;

use super::kind::{ApiError, ErrorCode};
use super::operation::Operation;
use super::param::{Broken, param_failure};
use super::problem::Problem;
use super::request::missing_body;
use crate::domain::{Error, FieldError, Source};
use crate::http::Refusal;

/// The `request_id` examples show.
const REQUEST_ID: &str = "0190c1e2-7b5a-7cc3-9d2e-1f0a2b3c4d5e";

impl ApiError {
    /// The errors with `code` that `operation` can answer with, one per
    /// `detail` it can send (a few where the detail names a value).
    pub fn samples(code: ErrorCode, operation: &Operation) -> Vec<Self> {
        use ErrorCode as C;
        let domain = |err: Error| vec![Self::from(err)];
        match code {
            C::ValidationFailed => domain(Error::Validation(vec![sample_failure(operation)])),
            C::InvalidCredentials => domain(Error::InvalidCredentials),
            C::MissingToken => vec![Self::MissingToken],
            C::InvalidToken if operation.tickets => {
                vec![Error::InvalidToken.into(), Error::InvalidTicket.into()]
            }
            C::InvalidToken => domain(Error::InvalidToken),
            C::TokenExpired => domain(Error::TokenExpired),
            C::Forbidden => domain(Error::Forbidden),
            C::TaskNotFound => domain(Error::TaskNotFound),
            C::NotFound => vec![Self::NotFound],
            C::MethodNotAllowed => vec![Self::MethodNotAllowed {
                allow: "GET".into(),
            }],
            C::EmailTaken => domain(Error::EmailTaken),
            C::PreconditionFailed => domain(Error::PreconditionFailed),
            C::IdempotencyKeyReused => domain(Error::IdempotencyKeyReused),
            C::PayloadTooLarge => vec![Refusal::PayloadTooLarge.into()],
            C::UnsupportedMediaType => vec![Self::UnsupportedMediaType {
                accepted: operation.body.unwrap_or("application/json"),
            }],
            C::DatabaseUnavailable => domain(Error::DatabaseUnavailable),
            C::DatabaseTimeout => domain(Error::DatabaseTimeout),
            C::RequestTimeout => vec![Refusal::RequestTimeout.into()],
            C::BodyTimeout => vec![Refusal::BodyTimeout.into()],
            C::OriginNotAllowed => vec![Self::OriginNotAllowed],
            C::InvalidRefreshToken => domain(Error::InvalidRefreshToken),
            C::WrongPassword => domain(Error::WrongPassword),
            C::CursorExpired => domain(Error::CursorExpired),
            C::TooManyStreams => domain(Error::TooManyStreams),
            C::TooManyTasks => domain(Error::TooManyTasks),
            C::RateLimited => domain(Error::RateLimited { retry_after: 60 }),
            C::ServerBusy => vec![Refusal::ServerBusy.into()],
            C::InvalidRequest => vec![
                Self::missing_parameter("password"),
                Self::repeated_parameter("grant_type"),
            ],
            C::InvalidGrant => vec![Self::invalid_grant()],
            C::UnsupportedGrantType => vec![Self::unsupported_grant_type()],
            C::InternalError => domain(Error::Internal(String::new())),
        }
    }

    /// The problem body of this error as an example shows it.
    pub fn example(&self) -> Value {
        let mut problem = Problem::from(self);
        problem.request_id = REQUEST_ID.to_owned();
        problem.to_json().unwrap_or_default()
    }
}

/// A failure the operation reports: its first UUID path parameter that is
/// none, else its JSON body missing.
fn sample_failure(operation: &Operation) -> FieldError {
    let uuid = operation
        .params
        .iter()
        .find(|param| param.source == Source::Path && param.format == Some("uuid"));
    match uuid {
        Some(param) => param_failure(
            &param.name,
            Some(Source::Path),
            &Broken::NotA("string_uuid".into()),
        ),
        None => missing_body(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::problem::tests::every_code;

    #[test]
    fn every_code_has_a_sample_of_its_own_code() {
        for (code, err) in every_code() {
            assert_eq!(err.code(), code);
            assert_eq!(err.example()["code"], code.to_json().unwrap());
        }
    }
}
