//! Requests that never reached an operation's body: what poem-openapi could
//! not parse, poem's own errors (no such route, wrong method, refused CORS
//! origin) and the middleware's refusals, each turned into its `ApiError`.
use std::cell::RefCell;

use poem::error::{CorsError, MethodNotAllowedError, NotFoundError};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
};

use super::kind::ApiError;
use super::param::{Broken, param_failure};
use crate::domain::{Error, FieldError, Source, Violation};
use crate::http::{Refusal, RouteTable};

tokio::task_local! {
    /// Failures of the request body found while the operation's other
    /// inputs are still being read (see `schema::JsonBody`).
    static DEFERRED: RefCell<Vec<FieldError>>;
}

/// Keeps a body's failures, to be reported with a parameter that fails
/// after it. Outside `problems` (unit tests) there is nowhere to keep them.
pub fn defer_failures(failures: &[FieldError]) {
    let _ = DEFERRED.try_with(|kept| kept.borrow_mut().extend_from_slice(failures));
}

/// Every failure kept so far, taken out (see `schema::lenient`).
pub fn taken_failures() -> Vec<FieldError> {
    DEFERRED.try_with(RefCell::take).unwrap_or_default()
}

/// The failure of a request without the JSON body its operation requires.
pub fn missing_body() -> FieldError {
    FieldError::new("", Violation::Required, "a JSON body is required")
}

/// The failure of a query, header or path parameter poem-openapi could not
/// read, if `err` is one.
pub fn param_error_failure(err: &poem::Error) -> Option<FieldError> {
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        Some(param_failure(e.name, None, &Broken::read(&e.reason)))
    } else {
        let e = err.downcast_ref::<ParsePathError>()?;
        Some(param_failure(
            e.name,
            Some(Source::Path),
            &Broken::read(&e.reason),
        ))
    }
}

/// Turns a request poem-openapi could not parse into the error it stands
/// for: bad parameters are a 422 naming each, with the body's failures.
pub fn from_request_error(err: poem::Error) -> ApiError {
    if err.is::<AuthorizationError>() {
        return ApiError::MissingToken;
    }
    if err.is::<ContentTypeError>() {
        return ApiError::unsupported_media_type();
    }
    let failure = if let Some(failure) = param_error_failure(&err) {
        failure
    } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        FieldError::new("", Violation::InvalidFormat, e.reason.clone())
    } else if let Some(refusal) = err.downcast_ref::<Refusal>() {
        return refusal.clone().into();
    } else {
        return match err.downcast::<Error>() {
            Ok(domain) => domain.into(),
            Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            Err(other) => Error::field("", other.to_string()).into(),
        };
    };
    let mut failures = taken_failures();
    failures.push(failure);
    Error::Validation(failures).into()
}

/// Middleware: answers every error raised below it as a problem; responses
/// the operations already built pass through untouched.
pub async fn problems<E: Endpoint>(next: &E, routes: &RouteTable, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    // Boxed, like the layers below: CORS's future is several KB.
    let call = DEFERRED.scope(RefCell::default(), Box::pin(next.call(req)));
    let err = match Box::pin(call).await {
        Ok(resp) => return resp.into_response(),
        Err(err) if err.is_from_response() => return err.into_response(),
        Err(err) => err,
    };
    // The matched route (if any) stays known to the request log and metrics.
    let pattern = err.data::<PathPattern>().cloned();
    let allow = || routes.for_path(&path);
    let problem = if let Some(refusal) = err.downcast_ref::<Refusal>() {
        refusal.clone().into()
    } else if err.is::<CorsError>() {
        ApiError::OriginNotAllowed
    } else if err.is::<NotFoundError>() {
        ApiError::NotFound
    } else if err.is::<MethodNotAllowedError>() {
        ApiError::MethodNotAllowed { allow: allow() }
    } else {
        match err.status().as_u16() {
            404 => ApiError::NotFound,
            405 => ApiError::MethodNotAllowed { allow: allow() },
            413 => ApiError::PayloadTooLarge,
            415 => ApiError::unsupported_media_type(),
            400..=499 => Error::field("", err.to_string()).into(),
            _ => Error::Internal(err.to_string()).into(),
        }
    };
    let mut resp = problem.into_response();
    if let Some(pattern) = pattern {
        resp.set_data(pattern);
    }
    resp
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::api::error::{Operation, Param};

    #[tokio::test]
    async fn a_bad_parameter_is_reported_after_the_bodys_failures() {
        let body = FieldError::new("/title", Violation::TooShort, "must not be empty");
        let param = ParseParamError {
            name: "Idempotency-Key",
            reason: "verification failed. minLength(1)".into(),
        };
        let operation = Operation {
            params: vec![Param {
                name: "Idempotency-Key".into(),
                source: Source::Header,
                format: None,
            }],
            ..Operation::default()
        };
        let answer = Arc::new(operation)
            .serve(DEFERRED.scope(RefCell::default(), async {
                defer_failures(std::slice::from_ref(&body));
                from_request_error(param.into())
            }))
            .await;
        let ApiError::Domain(Error::Validation(failures)) = answer else {
            panic!("expected a validation error");
        };
        let named: Vec<_> = failures
            .iter()
            .map(|f| (f.source, f.field.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (Source::Body, "/title"),
                (Source::Header, "Idempotency-Key")
            ]
        );
    }
}
