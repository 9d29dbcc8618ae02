//! Requests that never reached an operation's body: what poem-openapi could
//! not parse, poem's own errors (no such route, wrong method, refused CORS
//! origin) and the middleware's refusals, each turned into its `ApiError`.
use poem::error::{CorsError, MethodNotAllowedError, NotFoundError};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
};

use super::kind::ApiError;
use crate::domain::Error;
use crate::http::{Refusal, RouteTable};

/// Turns a request poem-openapi could not parse into the error it stands
/// for: bad parameters and bodies are 422 naming the field.
pub fn from_request_error(err: poem::Error) -> ApiError {
    if err.is::<AuthorizationError>() {
        return ApiError::MissingToken;
    }
    if err.is::<ContentTypeError>() {
        return ApiError::UnsupportedMediaType;
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return Error::field(e.name, e.reason.clone()).into();
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return Error::field("path", e.reason.clone()).into();
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return payload_error(&e.reason).into();
    }
    if let Some(refusal) = err.downcast_ref::<Refusal>() {
        return refusal.clone().into();
    }
    match err.downcast::<Error>() {
        Ok(domain) => domain.into(),
        Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        Err(other) => Error::field("body", other.to_string()).into(),
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

/// Middleware: answers every error raised below it as a problem; responses
/// the operations already built pass through untouched.
pub async fn problems<E: Endpoint>(next: &E, routes: &RouteTable, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    // Boxed, like the layers below: CORS's future is several KB.
    let err = match Box::pin(next.call(req)).await {
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
            415 => ApiError::UnsupportedMediaType,
            400..=499 => Error::field("request", err.to_string()).into(),
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
}
