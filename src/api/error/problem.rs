//! `application/problem+json` (RFC 9457): the body every error is answered
//! with, and the response an `ApiError` becomes.
use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::Object;

use super::field::FieldErrorBody;
use super::headers::{retry_after, www_authenticate};
use super::kind::{ApiError, ErrorCode, OAuthError};
use crate::domain::Error;
use crate::http::current_request_id;

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
    pub errors: Option<Vec<FieldErrorBody>>,
    /// RFC 6749 §5.2 error (token endpoint 400s only); equals `code`.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<OAuthError>,
    /// This request's id, as in the `X-Request-Id` response header: quote it
    /// when reporting a problem, it finds the request in the server's logs.
    pub request_id: String,
}

impl From<&ApiError> for Problem {
    fn from(err: &ApiError) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: err.detail(),
            code: err.code(),
            errors: match err {
                ApiError::Domain(Error::Validation(fields)) => {
                    Some(fields.iter().map(FieldErrorBody::from).collect())
                }
                _ => None,
            },
            error: match err {
                ApiError::OAuth { error, .. } => Some(*error),
                _ => None,
            },
            // Every request is served inside its id's scope (the request log
            // is the outermost layer); only a unit test builds one outside.
            request_id: current_request_id().unwrap_or_default(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Domain(Error::Internal(cause)) = &self {
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
        if let Some(challenge) = www_authenticate(&self) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let Some(seconds) = retry_after(&self) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let ApiError::MethodNotAllowed { allow } = &self
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            headers.insert(header::ALLOW, value);
        }
        resp
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use poem_openapi::registry::Registry;
    use poem_openapi::types::{ParseFromJSON, Type};

    use super::*;
    use crate::api::error::Operation;

    /// Every code, each with every sample error of it.
    pub(crate) fn every_code() -> Vec<(ErrorCode, ApiError)> {
        let operation = Operation {
            tickets: true,
            ..Operation::default()
        };
        let mut registry = Registry::new();
        ErrorCode::register(&mut registry);
        registry.schemas[&*ErrorCode::name()]
            .enum_items
            .clone()
            .into_iter()
            .map(|name| ErrorCode::parse_from_json(Some(name)).unwrap())
            .flat_map(|code| {
                let samples = ApiError::samples(code, &operation);
                assert!(!samples.is_empty(), "{code:?} has no sample");
                samples.into_iter().map(move |err| (code, err))
            })
            .collect()
    }

    #[test]
    fn a_refusal_travels_with_the_status_it_is_answered_with() {
        use crate::http::Refusal;
        let refusals = [
            Refusal::PayloadTooLarge,
            Refusal::UnreadableBody("broken off".into()),
            Refusal::ServerBusy,
            Refusal::RequestTimeout,
            Refusal::BodyTimeout,
        ];
        for refusal in refusals {
            let answered = ApiError::from(refusal.clone()).status();
            let carried = poem::Error::from(refusal.clone()).status().as_u16();
            assert_eq!(carried, answered, "{refusal:?}");
        }
    }

    #[test]
    fn a_problem_carries_status_title_and_code() {
        let problem = Problem::from(&ApiError::from(Error::TaskNotFound));
        assert_eq!((problem.status, problem.title.as_str()), (404, "Not Found"));
        assert_eq!(problem.code, ErrorCode::TaskNotFound);
        assert!(problem.errors.is_none());
    }

    #[test]
    fn limited_and_busy_answers_say_when_to_retry() {
        let resp = ApiError::from(Error::RateLimited { retry_after: 42 }).into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "42");
        let resp = ApiError::from(Error::ServerBusy).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn an_oauth_failure_carries_the_rfc_6749_error_member() {
        let problem = Problem::from(&ApiError::oauth(OAuthError::InvalidGrant, "wrong"));
        assert_eq!(
            (problem.status, problem.code),
            (400, ErrorCode::InvalidGrant)
        );
        assert_eq!(problem.error, Some(OAuthError::InvalidGrant));
        assert!(
            Problem::from(&ApiError::from(Error::TaskNotFound))
                .error
                .is_none()
        );
    }

    #[test]
    fn unauthorised_responses_challenge_for_a_bearer_token() {
        let resp = ApiError::MissingToken.into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
