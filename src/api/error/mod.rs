//! The one API error type: every status code the API answers with, the
//! stable `code` of each, and (in `problem`) their problem+json bodies and
//! spec entries. Domain errors, the middleware's refusals and requests that
//! could not be parsed all become an `ApiError`.
mod codes;
mod declare;
mod field;
mod headers;
mod kind;
mod oauth;
mod operation;
mod param;
mod problem;
mod reply;
mod request;
mod sample;
mod set;

pub use codes::{API_COMMON, BEARER, PROBE_COMMON};
pub use field::{FieldErrorBody, FieldErrorCode, FieldLocation};
pub use kind::{ApiError, ErrorCode, OAuthError};
pub use operation::{Operation, Param};
pub use param::{Broken, param_failure};
pub use problem::{PROBLEM_JSON, Problem};
pub use reply::{ApiResult, Problems, Reply};
pub use request::{defer_failures, missing_body, param_error_failure, problems, taken_failures};
pub use set::ErrorSet;
pub(crate) use set::error_set;
