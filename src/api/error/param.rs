//! A query, path or header parameter poem-openapi could not read, in the
//! words of a `FieldError`: poem-openapi reports it as its type's parse
//! failure or its validator's notation (`maximum(100, exclusive: false)`),
//! which is turned here into a code and a sentence.
use crate::api::schema::rule::NO_NUL;
use crate::domain::{FieldError, Source, Violation};

/// The path parameters of the API, in the order every path names them:
/// every other name with a `-` is a header (`If-Match`,
/// `Idempotency-Key`), the rest are query parameters.
const PATH_PARAMETERS: &[&str] = &["user_id", "task_id"];

/// Where a parameter of this name is sent.
fn source(name: &str) -> Source {
    if PATH_PARAMETERS.contains(&name) {
        Source::Path
    } else if name.contains('-') {
        Source::Header
    } else {
        Source::Query
    }
}

/// The failure of a path parameter. poem-openapi names it by position
/// (`param1`), so it is named here from `PATH_PARAMETERS`.
pub fn path_failure(name: &str, reason: &str) -> FieldError {
    let position = name
        .strip_prefix("param")
        .and_then(|n| n.parse::<usize>().ok());
    let name = position
        .and_then(|n| PATH_PARAMETERS.get(n))
        .copied()
        .unwrap_or(name);
    param_failure(name, reason).at(Source::Path, name)
}

/// The failure of parameter `name`, from poem-openapi's `reason`.
pub fn param_failure(name: &str, reason: &str) -> FieldError {
    let (code, message) = match reason.strip_prefix("verification failed. ") {
        Some(validator) => validator_failure(validator),
        None => parse_failure(reason),
    };
    FieldError::new("", code, message).at(source(name), name)
}

/// A validator's notation, e.g. `maxLength(200)`, as a code and sentence.
fn validator_failure(validator: &str) -> (Violation, String) {
    let (rule, args) = validator.split_once('(').unwrap_or((validator, ""));
    let bound = args.split([',', ')']).next().unwrap_or("").trim();
    match rule {
        "maximum" => (Violation::OutOfRange, format!("must be at most {bound}")),
        "minimum" => (Violation::OutOfRange, format!("must be at least {bound}")),
        "maxLength" => (
            Violation::TooLong,
            format!("must be at most {bound} characters"),
        ),
        "minLength" if bound == "1" => (Violation::TooShort, "must not be empty".into()),
        "minLength" => (
            Violation::TooShort,
            format!("must be at least {bound} characters"),
        ),
        "maxItems" => (
            Violation::TooLong,
            format!("must be given at most {bound} times"),
        ),
        "pattern" if validator == format!("pattern(\"{NO_NUL}\")") => (
            Violation::InvalidFormat,
            "must not contain the NUL character (U+0000)".into(),
        ),
        _ => (Violation::InvalidFormat, "is not a valid value".into()),
    }
}

/// A type's parse failure, `failed to parse "uint64": ...`, or a missing
/// required value, as a code and sentence. Enums list their values.
fn parse_failure(reason: &str) -> (Violation, String) {
    if reason.ends_with("expects an input value.") {
        return (Violation::Required, "is required".into());
    }
    let type_name = reason.split('"').nth(1).unwrap_or("");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn said(name: &str, reason: &str) -> (Source, Violation, String) {
        let failure = param_failure(name, reason);
        (failure.source, failure.code, failure.message)
    }

    #[test]
    fn validator_notation_becomes_a_sentence() {
        assert_eq!(
            said(
                "limit",
                "verification failed. maximum(100, exclusive: false)"
            ),
            (
                Source::Query,
                Violation::OutOfRange,
                "must be at most 100".into()
            )
        );
        assert_eq!(
            said("q", "verification failed. maxLength(200)"),
            (
                Source::Query,
                Violation::TooLong,
                "must be at most 200 characters".into()
            )
        );
        assert_eq!(
            said("Idempotency-Key", "verification failed. minLength(1)"),
            (
                Source::Header,
                Violation::TooShort,
                "must not be empty".into()
            )
        );
        let nul = format!("verification failed. pattern(\"{NO_NUL}\")");
        assert_eq!(said("q", &nul).1, Violation::InvalidFormat);
    }

    #[test]
    fn path_parameters_are_named_by_position() {
        let failure = path_failure("param1", r#"failed to parse "string_uuid": x"#);
        assert_eq!(
            (failure.source, failure.field.as_str()),
            (Source::Path, "task_id")
        );
    }

    #[test]
    fn parse_failures_say_what_is_expected() {
        assert_eq!(
            said(
                "task_id",
                r#"failed to parse "string_uuid": invalid character"#
            ),
            (
                Source::Path,
                Violation::InvalidFormat,
                "must be a UUID".into()
            )
        );
        assert_eq!(
            said(
                "limit",
                r#"failed to parse "integer(uint64)": invalid digit"#
            )
            .1,
            Violation::WrongType
        );
        assert_eq!(
            said(
                "status",
                r#"Type "ClearableStatus" expects an input value."#
            )
            .1,
            Violation::Required
        );
        assert_eq!(
            said(
                "sort",
                r#"failed to parse "TaskSortField": Expect a valid enumeration value."#
            ),
            (
                Source::Query,
                Violation::NotOneOf,
                "must be one of created_at, updated_at, title, due_date, priority".into()
            )
        );
    }
}
