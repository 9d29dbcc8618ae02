//! The response plumbing every operation shares.
//!
//! poem-openapi honours a bad-request handler only on the *success* type of
//! a `Result`, so every operation returns `ApiResult<T, E>`: the success
//! type `Reply<T>` catches malformed requests and answers them as problems,
//! and `Problems<E>` declares, per operation, exactly the error statuses `E`
//! lists, each with the problem+json schema.
use std::marker::PhantomData;

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;

use super::kind::ApiError;
use super::problem::{PROBLEM_JSON, Problem};
use super::request::from_request_error;
use crate::domain::Error;

pub type ApiResult<T, E> = Result<Reply<T>, Problems<E>>;

/// A successful response, or the problem for a request that could not be
/// parsed.
pub enum Reply<T> {
    Ok(T),
    Rejected(ApiError),
}

impl<T> From<T> for Reply<T> {
    fn from(value: T) -> Self {
        Self::Ok(value)
    }
}

impl<T: ApiResponse> ApiResponse for Reply<T> {
    const BAD_REQUEST_HANDLER: bool = true;

    fn meta() -> MetaResponses {
        T::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn from_parse_request_error(err: poem::Error) -> Self {
        Self::Rejected(from_request_error(err))
    }
}

impl<T: IntoResponse> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(value) => value.into_response(),
            Self::Rejected(err) => err.into_response(),
        }
    }
}

/// The error statuses one operation can answer with.
pub trait ErrorSet: Send + Sync + 'static {
    const STATUSES: &'static [u16];
    /// Descriptions that replace the generic one of a status for this set's
    /// operations (e.g. a 403 that means a wrong password, not another user).
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[];
}

/// An error, answered as problem+json, declared with the statuses of the
/// set `E`.
pub struct Problems<E> {
    error: ApiError,
    set: PhantomData<E>,
}

impl<E> From<ApiError> for Problems<E> {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            set: PhantomData,
        }
    }
}

impl<E> From<Error> for Problems<E> {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}

impl<E: Send> IntoResponse for Problems<E> {
    fn into_response(self) -> Response {
        self.error.into_response()
    }
}

impl<E: Send> From<Problems<E>> for poem::Error {
    fn from(problems: Problems<E>) -> Self {
        poem::Error::from_response(problems.into_response())
    }
}

impl<E: ErrorSet> ApiResponse for Problems<E> {
    fn meta() -> MetaResponses {
        // Any request may carry a body, and any body may stall
        // (`BODY_READ_TIMEOUT_SECONDS`), so every operation declares 408.
        let mut statuses = E::STATUSES.to_vec();
        if !statuses.contains(&408) {
            statuses.push(408);
            statuses.sort_unstable();
        }
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|status| {
                    let mut meta = problem_meta(status);
                    if let Some((_, text)) = E::DESCRIPTIONS.iter().find(|(s, _)| *s == status) {
                        meta.description = text;
                    }
                    meta
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

fn problem_meta(status: u16) -> MetaResponse {
    let (description, header) = match status {
        400 => (
            "The OAuth2 token request failed; `error` (RFC 6749 §5.2) and `code` say why: \
             `invalid_request`, `invalid_grant` or `unsupported_grant_type`.",
            None,
        ),
        401 => (
            "Missing, malformed or expired bearer token, wrong credentials, or an invalid \
             refresh token.",
            Some((
                "WWW-Authenticate",
                "The authentication scheme to use: `Bearer`.",
            )),
        ),
        403 => ("The path's `user_id` is not the authenticated user.", None),
        404 => ("No such task for this user.", None),
        408 => (
            "The request body did not arrive within the server's time for it (`body_timeout`); \
             the connection is closed.",
            None,
        ),
        409 => (
            "An account with this email already exists (`email_taken`).",
            None,
        ),
        412 => (
            "`If-Match` names a version that is no longer current (`precondition_failed`); nothing changed.",
            None,
        ),
        413 => ("The request body is larger than 64 KiB.", None),
        415 => ("The request body is not `application/json`.", None),
        422 => (
            "The request failed validation (`validation_failed`; `errors` names each field), or an \
             `Idempotency-Key` was reused with another body (`idempotency_key_reused`).",
            None,
        ),
        500 => (
            "An unexpected server error; the cause is logged, never sent.",
            None,
        ),
        429 => (
            "Too many attempts (`rate_limited`); retry after `Retry-After` seconds.",
            Some(("Retry-After", "Seconds to wait before retrying.")),
        ),
        503 => (
            "The database is unavailable (`database_unavailable`) or did not answer in time \
             (`database_timeout`), or the server is at capacity (`server_busy`: too many \
             requests, or too many password checks, are in progress); retry after \
             `Retry-After` seconds.",
            Some(("Retry-After", "Seconds to wait before retrying.")),
        ),
        504 => (
            "The request did not finish within the server's deadline (`request_timeout`); \
             a write may or may not have been applied, so check before repeating it.",
            None,
        ),
        _ => ("Error.", None),
    };
    MetaResponse {
        description,
        status: Some(status),
        status_range: None,
        content: vec![MetaMediaType {
            content_type: PROBLEM_JSON,
            schema: Problem::schema_ref(),
        }],
        headers: header
            .map(|(name, description)| MetaHeader {
                name: name.to_owned(),
                description: Some(description.to_owned()),
                required: false,
                deprecated: false,
                schema: String::schema_ref(),
            })
            .into_iter()
            .collect(),
    }
}

/// Declares an error set: `error_set!(Name: 401, 404);`.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident: $($status:literal),+;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl $crate::api::error::ErrorSet for $name {
                const STATUSES: &'static [u16] = &[$($status),+];
            }
        )+
    };
}
pub(crate) use error_set;
