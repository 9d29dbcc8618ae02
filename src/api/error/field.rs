//! `FieldError`: one entry of a 422's `errors`, in the form a client form
//! can show next to the field it belongs to.
use poem_openapi::{Enum, Object};

use crate::domain::{FieldError, Source, Violation};

/// One value of the request that failed validation. A 422
/// `validation_failed` lists every one of them at once, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "FieldError")]
pub struct FieldErrorBody {
    // Where the value was sent. Undocumented here so that the spec names
    // the enum with a plain `$ref` (a description beside it needs an
    // `allOf` wrapper, which generators type as `FieldLocation & unknown`).
    #[oai(rename = "in")]
    pub location: FieldLocation,
    /// The value at fault. In the body, a JSON pointer (RFC 6901) such as
    /// `/title` or `/tags/3` (`""` is the body as a whole); elsewhere the
    /// parameter's or header's name, e.g. `limit`.
    pub field: String,
    // What is wrong with it, as a stable name: undocumented for a plain
    // `$ref`, like `in`.
    pub code: FieldErrorCode,
    /// The same, as a sentence a form can show next to the field, e.g.
    /// "must be at most 200 characters". Limits in bytes say "bytes".
    pub message: String,
}

/// Where a failing value was sent: `body` (`field` is a JSON pointer),
/// `query`, `path` or `header` (`field` is the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "FieldLocation", rename_all = "snake_case")]
pub enum FieldLocation {
    Body,
    Query,
    Path,
    Header,
}

/// Why a value failed validation:
/// - `required`: missing;
/// - `too_short`: empty, or under a minimum length (in characters, or in
///   bytes where the message says so);
/// - `too_long`: over a maximum length, or a list with too many items;
/// - `invalid_format`: not of the required form (email address, RFC 3339
///   date-time, UUID, valid JSON, text without NUL, ...);
/// - `not_one_of`: not one of the allowed values (the message lists them);
/// - `out_of_range`: a number under its minimum or over its maximum;
/// - `wrong_type`: the wrong kind of value (a number for a string, `null`
///   for a field that cannot be null, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "FieldErrorCode", rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooShort,
    TooLong,
    InvalidFormat,
    NotOneOf,
    OutOfRange,
    WrongType,
}

impl From<Source> for FieldLocation {
    fn from(source: Source) -> Self {
        match source {
            Source::Body => Self::Body,
            Source::Query => Self::Query,
            Source::Path => Self::Path,
            Source::Header => Self::Header,
        }
    }
}

impl From<Violation> for FieldErrorCode {
    fn from(code: Violation) -> Self {
        match code {
            Violation::Required => Self::Required,
            Violation::TooShort => Self::TooShort,
            Violation::TooLong => Self::TooLong,
            Violation::InvalidFormat => Self::InvalidFormat,
            Violation::NotOneOf => Self::NotOneOf,
            Violation::OutOfRange => Self::OutOfRange,
            Violation::WrongType => Self::WrongType,
        }
    }
}

impl From<&FieldError> for FieldErrorBody {
    fn from(err: &FieldError) -> Self {
        Self {
            location: err.source.into(),
            field: err.field.clone(),
            code: err.code.into(),
            message: err.message.clone(),
        }
    }
}
