//! The response plumbing every operation shares.
//!
//! poem-openapi honours a bad-request handler only on the *success* type of
//! a `Result`, so every operation returns `ApiResult<T, E>`: the success
//! type `Reply<T>` catches malformed requests and answers them as problems,
//! and `Problems<E>` declares, per operation, exactly the problems `E`
//! lists (see `declare`).
use std::marker::PhantomData;

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaResponses, Registry};

use super::declare;
use super::kind::ApiError;
use super::request::from_request_error;
use super::set::ErrorSet;
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
        declare::responses::<E>()
    }

    fn register(registry: &mut Registry) {
        declare::register::<E>(registry);
    }
}
