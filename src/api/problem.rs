//! `application/problem+json` (RFC 9457): the schema, the response, and the
//! mapping of poem's own request errors onto it.
use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::Object;
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
};

use crate::error::{Error, ErrorCode, FieldError, OAuthError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail (RFC 9457). `code` is the stable name to branch on.
#[derive(Debug, Clone, Object)]
#[oai(rename = "Problem")]
pub struct Problem {
    /// Always `about:blank`: `code` identifies the problem.
    #[oai(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    pub detail: String,
    /// Machine-readable problem name.
    pub code: ErrorCode,
    /// The fields that failed validation (422 only).
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldError>>,
    /// RFC 6749 §5.2 error (token endpoint 400s only); equals `code`.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<OAuthError>,
    /// This request's id, as in the `X-Request-Id` response header: quote it
    /// when reporting a problem, it finds the request in the server's logs.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

impl From<&Error> for Problem {
    fn from(err: &Error) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: err.detail(),
            code: err.code(),
            errors: match err {
                Error::Validation(fields) => Some(fields.clone()),
                _ => None,
            },
            error: match err {
                Error::OAuth { error, .. } => Some(*error),
                _ => None,
            },
            request_id: crate::observe::current_request_id(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = Problem::from(&self);
        let body = poem_openapi::types::ToJSON::to_json_string(&problem);
        let mut resp = Response::builder()
            .status(
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )
            .content_type(PROBLEM_JSON)
            .body(body);
        let headers = resp.headers_mut();
        match &self {
            Error::MissingToken | Error::InvalidCredentials | Error::InvalidRefreshToken => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Error::InvalidToken => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Error::TokenExpired => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer error=\"invalid_token\", error_description=\"expired\"",
                    ),
                );
            }
            Error::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Error::DatabaseUnavailable | Error::DatabaseTimeout | Error::ServerBusy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Error::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        resp
    }
}

/// Turns a request poem-openapi could not parse into the domain error it
/// stands for: bad parameters and bodies are 422 naming the field.
pub fn from_request_error(err: poem::Error) -> Error {
    if err.is::<AuthorizationError>() {
        return Error::MissingToken;
    }
    if err.is::<ContentTypeError>() {
        return Error::UnsupportedMediaType;
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return Error::field(e.name, e.reason.clone());
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return Error::field("path", e.reason.clone());
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return payload_error(&e.reason);
    }
    match err.downcast::<Error>() {
        Ok(domain) => domain,
        Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
        Err(other) => Error::field("body", other.to_string()),
    }
}

/// Finds the field named in a body parse error: either our strict
/// deserialisers' "field `x`: ..." or a validator's "field `x` verification
/// failed"; anything else (malformed JSON) is reported against `body`.
pub fn payload_error(reason: &str) -> Error {
    // Drop poem-openapi's "(occurred while parsing ...)" trail.
    let reason = reason
        .split(" (occurred while parsing")
        .next()
        .unwrap_or(reason);
    let named = reason.find("field `").and_then(|start| {
        let rest = &reason[start + "field `".len()..];
        let end = rest.find('`')?;
        let message = rest[end + 1..].trim_start_matches(':').trim();
        Some((
            rest[..end].to_owned(),
            message
                .trim_start_matches("verification failed.")
                .trim()
                .to_owned(),
        ))
    });
    match named {
        Some((field, message)) => Error::field(field, message),
        None => Error::field("body", reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validator_failure_names_its_field() {
        let err = payload_error(
            r#"failed to parse "SignUpRequest": field `email` verification failed. maxLength(254)"#,
        );
        let Error::Validation(fields) = err else {
            panic!()
        };
        assert_eq!(fields[0].field, "email");
        assert_eq!(fields[0].message, "maxLength(254)");
    }

    #[test]
    fn a_strict_field_failure_reads_cleanly() {
        let reason = r#"failed to parse "string": field `title`: expected a string (occurred while parsing "TaskInput")"#;
        let Error::Validation(fields) = payload_error(reason) else {
            panic!()
        };
        assert_eq!(
            (fields[0].field.as_str(), fields[0].message.as_str()),
            ("title", "expected a string")
        );
    }

    #[test]
    fn malformed_json_is_reported_against_the_body() {
        let Error::Validation(fields) = payload_error("expected value at line 1 column 2") else {
            panic!()
        };
        assert_eq!(fields[0].field, "body");
    }

    #[test]
    fn a_problem_carries_status_title_and_code() {
        let problem = Problem::from(&Error::TaskNotFound);
        assert_eq!((problem.status, problem.title.as_str()), (404, "Not Found"));
        assert_eq!(problem.code, ErrorCode::TaskNotFound);
        assert!(problem.errors.is_none());
    }

    #[test]
    fn limited_and_busy_answers_say_when_to_retry() {
        let resp = Error::RateLimited { retry_after: 42 }.into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "42");
        let resp = Error::ServerBusy.into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn an_oauth_failure_carries_the_rfc_6749_error_member() {
        let problem = Problem::from(&Error::oauth(OAuthError::InvalidGrant, "wrong"));
        assert_eq!(
            (problem.status, problem.code),
            (400, ErrorCode::InvalidGrant)
        );
        assert_eq!(problem.error, Some(OAuthError::InvalidGrant));
        assert!(Problem::from(&Error::TaskNotFound).error.is_none());
    }

    #[test]
    fn unauthorised_responses_challenge_for_a_bearer_token() {
        let resp = Error::MissingToken.into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
