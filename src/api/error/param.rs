//! A query, path or header parameter that could not be read, in the words
//! of a `FieldError`. Our own rules (`schema::rule`) say which limit a
//! value broke as a `Broken`; poem-openapi says it only in English, its
//! type's parse failure or its validator's notation
//! (`verification failed. maxLength(255)`), read here into a `Broken` too
//! (`Broken::read`; `pinned` fails when an upgrade changes that text).
use super::operation::Operation;
use crate::api::schema::rule::NO_NUL;
use crate::domain::{FieldError, Source, Violation};

/// What is wrong with a parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// No value, where one is required.
    Missing,
    /// Not a value of the parameter's type, named as poem-openapi names it
    /// (`string_uuid`, `integer(uint64)`, an enum's schema name).
    NotA(String),
    /// A number under its minimum, or over its maximum.
    Below(u64),
    Above(u64),
    /// Text with fewer, or more, characters than allowed.
    Shorter(usize),
    Longer(usize),
    /// A parameter repeated more often than allowed.
    Repeated(usize),
    /// Text holding NUL, which nothing stores.
    Nul,
    /// Text not of the form a pattern asks for.
    Unmatched,
}

impl Broken {
    /// The code and sentence a client is told.
    pub fn explain(&self) -> (Violation, String) {
        match self {
            Self::Missing => (Violation::Required, "is required".into()),
            Self::NotA(type_name) => not_a(type_name),
            Self::Below(min) => (Violation::OutOfRange, format!("must be at least {min}")),
            Self::Above(max) => (Violation::OutOfRange, format!("must be at most {max}")),
            Self::Shorter(1) => (Violation::TooShort, "must not be empty".into()),
            Self::Shorter(min) => (
                Violation::TooShort,
                format!("must be at least {min} characters"),
            ),
            Self::Longer(max) => (
                Violation::TooLong,
                format!("must be at most {max} characters"),
            ),
            Self::Repeated(max) => (
                Violation::TooLong,
                format!("must be given at most {max} times"),
            ),
            Self::Nul => (
                Violation::InvalidFormat,
                "must not contain the NUL character (U+0000)".into(),
            ),
            Self::Unmatched => (Violation::InvalidFormat, "is not a valid value".into()),
        }
    }

    /// poem-openapi's reason for refusing a parameter, for the cases it
    /// reports in words only (its validators on headers, its types' parse
    /// failures).
    pub fn read(reason: &str) -> Self {
        if let Some(validator) = reason.strip_prefix("verification failed. ") {
            return validator_failure(validator);
        }
        if reason.ends_with("expects an input value.") {
            return Self::Missing;
        }
        Self::NotA(reason.split('"').nth(1).unwrap_or_default().to_owned())
    }
}

/// A validator's notation, e.g. `maxLength(200)`.
fn validator_failure(validator: &str) -> Broken {
    let (rule, args) = validator.split_once('(').unwrap_or((validator, ""));
    let bound = args.split([',', ')']).next().unwrap_or("").trim();
    let number = || bound.parse::<f64>().unwrap_or_default();
    match rule {
        "maximum" => Broken::Above(number() as u64),
        "minimum" => Broken::Below(number() as u64),
        "maxLength" => Broken::Longer(number() as usize),
        "minLength" => Broken::Shorter(number() as usize),
        "maxItems" => Broken::Repeated(number() as usize),
        "pattern" if validator == format!("pattern(\"{NO_NUL}\")") => Broken::Nul,
        _ => Broken::Unmatched,
    }
}

/// A value that is not of the type `type_name`. Enums list their values.
fn not_a(type_name: &str) -> (Violation, String) {
    match type_name {
        "string_uuid" => (Violation::InvalidFormat, "must be a UUID".into()),
        "string_date-time" => (
            Violation::InvalidFormat,
            "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z".into(),
        ),
        "boolean" => (Violation::WrongType, "must be true or false".into()),
        name if name.starts_with("integer(uint") => (
            Violation::WrongType,
            "must be a whole number, 0 or more".into(),
        ),
        name => match crate::api::enum_values(name) {
            Some(values) => (
                Violation::NotOneOf,
                format!("must be one of {}", values.join(", ")),
            ),
            None => (Violation::InvalidFormat, "is not a valid value".into()),
        },
    }
}

/// The failure of the parameter poem-openapi calls `name`, sent in
/// `source` when that is known. A path parameter is named as the
/// operation's path template names it (poem-openapi calls it `param1`).
pub fn param_failure(name: &str, source: Option<Source>, broken: &Broken) -> FieldError {
    let operation = Operation::current();
    let operation = operation.as_deref();
    let path_name = operation.and_then(|op| op.path_name(name));
    let source = source
        .or(path_name.map(|_| Source::Path))
        .or_else(|| operation.and_then(|op| op.source(name)))
        .unwrap_or(Source::Query);
    let (code, message) = broken.explain();
    FieldError::new("", code, message).at(source, path_name.unwrap_or(name))
}

#[cfg(test)]
#[path = "param_tests.rs"]
mod tests;
