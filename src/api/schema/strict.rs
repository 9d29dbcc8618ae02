//! Strict reading of a JSON request body, driven by the schema its type
//! declares: one declaration is both the spec and the reader.
//!
//! poem-openapi reads an object field after field and stops at the first
//! failure, takes a JSON number or boolean for a `String` field, and words
//! its failures in validator notation. Here every member the schema
//! declares is checked on its own (`plan`): required, `null` only where
//! nullable, the JSON kind (no coercion), enum values, date-times, lengths
//! and item counts; then the body is built and the domain's rules
//! (`FromBody::validate`) are applied. Each failure is recorded with its
//! JSON pointer, a stable code and a sentence, so one 422 names every bad
//! field at once, in the order the schema declares them.
mod plan;

use poem_openapi::registry::Registry;
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::{Map, Value};

use self::plan::{Kind, Plan, Rule};
use super::Timestamp;
use crate::domain::{FieldError, Violation};

/// What reading gives: the value, or every failure found.
pub type Read<T> = Result<T, Vec<FieldError>>;

/// A request body type: an `Object` whose schema is read strictly, and the
/// domain's rules for it.
pub trait FromBody: Type + ParseFromJSON + Send + 'static {
    /// The body as the rules see it, once they all passed.
    type Valid: Send;

    /// Members whose length the domain measures in bytes (passwords, for
    /// bcrypt). Their schema declares the nearest bound in characters that
    /// never admits a value the server refuses; the reader leaves the
    /// length to the domain, which words it in bytes.
    const MEASURED_IN_BYTES: &'static [&'static str] = &[];

    /// Applies the domain's rules to a body whose members all have the
    /// declared kinds and lengths, reporting every failure.
    fn validate(&self) -> Read<Self::Valid>;
}

/// Reads a whole body: the members `T` declares, then `T`'s rules.
pub fn read_body<T: FromBody>(value: Value) -> Read<(T, T::Valid)> {
    let Value::Object(mut object) = value else {
        return Err(vec![fail(
            "",
            Violation::WrongType,
            "must be a JSON object",
        )]);
    };
    let plan = Plan::of::<T>(T::MEASURED_IN_BYTES);
    let mut failures = Vec::new();
    for member in &plan.members {
        read_member(member, &mut object, &mut failures);
    }
    let body = T::parse_from_json(Some(Value::Object(object))).map_err(|err| {
        // Not expected once every member passed; said plainly if it does.
        let message = format!("must match the schema: {}", err.message());
        vec![fail("", Violation::InvalidFormat, message)]
    })?;
    let domain = match body.validate() {
        Ok(valid) if failures.is_empty() => return Ok((body, valid)),
        Ok(_) => Vec::new(),
        Err(domain) => domain,
    };
    // The rules' failures where a member (or an item) that failed to read
    // stood in by a placeholder are not the client's.
    let stood_in: Vec<String> = failures.iter().map(|f| f.field.clone()).collect();
    failures.extend(domain.into_iter().filter(|f| {
        !stood_in
            .iter()
            .any(|s| overlaps(&f.field, s) || overlaps(s, &f.field))
    }));
    failures.sort_by_key(|f| place(plan, &f.field));
    Err(failures)
}

/// `inner` is `outer` or lies within it.
fn overlaps(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Where a pointer's failure is listed: by member in declared order, then
/// by item.
fn place(plan: &Plan, pointer: &str) -> (usize, usize) {
    let mut segments = pointer.split('/').skip(1);
    let member = segments.next().unwrap_or_default();
    let index = plan.members.iter().position(|m| m.name == member);
    let item = segments.next().and_then(|i| i.parse().ok());
    (index.unwrap_or(usize::MAX), item.unwrap_or(usize::MAX))
}

fn read_member(
    member: &plan::Member,
    object: &mut Map<String, Value>,
    failures: &mut Vec<FieldError>,
) {
    let pointer = format!("/{}", member.name);
    let failed = match object.get_mut(member.name) {
        None if member.required => {
            failures.push(fail(&pointer, Violation::Required, "is required"));
            true
        }
        None => return,
        Some(Value::Null) if member.rule.nullable => return,
        Some(Value::Null) => {
            failures.push(fail(&pointer, Violation::WrongType, "must not be null"));
            true
        }
        Some(value) => !check(&member.rule, &pointer, value, !member.in_bytes, failures),
    };
    if failed {
        match member.required {
            true => object.insert(member.name.to_owned(), member.rule.placeholder()),
            false => object.remove(member.name),
        };
    }
}

/// Checks `value` against `rule`; false when it cannot stand. Failed items
/// of a list are recorded and replaced by placeholders.
fn check(
    rule: &Rule,
    pointer: &str,
    value: &mut Value,
    lengths: bool,
    failures: &mut Vec<FieldError>,
) -> bool {
    let failure = match (&rule.kind, &mut *value) {
        (Kind::Text, Value::String(text)) if lengths => length_failure(rule, text),
        (Kind::DateTime, Value::String(text)) if Timestamp::parse(text).is_err() => Some((
            Violation::InvalidFormat,
            "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z".into(),
        )),
        (Kind::OneOf(values), Value::String(text)) if !values.contains(text) => Some((
            Violation::NotOneOf,
            format!("must be one of {}", values.join(", ")),
        )),
        (Kind::Text | Kind::DateTime | Kind::OneOf(_), Value::String(_))
        | (Kind::Boolean, Value::Bool(_))
        | (Kind::Number, Value::Number(_))
        | (Kind::Any, _) => None,
        (Kind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => None,
        (Kind::List(items), Value::Array(values)) => match rule.max_items {
            // Refused before any item is read: a flood of items costs no
            // more than the bound.
            Some(max) if values.len() > max => Some((
                Violation::TooLong,
                format!("must hold at most {max} values"),
            )),
            _ => {
                for (index, item) in values.iter_mut().enumerate() {
                    if !check(items, &format!("{pointer}/{index}"), item, true, failures) {
                        *item = items.placeholder();
                    }
                }
                None
            }
        },
        _ => Some((Violation::WrongType, format!("must be {}", rule.expected()))),
    };
    let Some((code, message)) = failure else {
        return true;
    };
    failures.push(fail(pointer, code, message));
    false
}

/// Text outside its declared lengths, counted in characters as sent.
fn length_failure(rule: &Rule, text: &str) -> Option<(Violation, String)> {
    let chars = text.chars().count();
    if let Some(min) = rule.min_length.filter(|min| chars < *min) {
        let message = match min {
            1 => "must not be empty".to_owned(),
            _ => format!("must be at least {min} characters"),
        };
        return Some((Violation::TooShort, message));
    }
    let max = rule.max_length.filter(|max| chars > *max)?;
    Some((
        Violation::TooLong,
        format!("must be at most {max} characters"),
    ))
}

fn fail(pointer: &str, code: Violation, message: impl Into<String>) -> FieldError {
    FieldError::new(pointer, code, message)
}

/// The values of the enum registered as `name`, if there is one.
pub fn registered_values(registry: &Registry, name: &str) -> Option<Vec<String>> {
    let schema = registry.schemas.get(name)?;
    let items = schema.enum_items.iter().filter_map(Value::as_str);
    Some(items.map(str::to_owned).collect()).filter(|v: &Vec<_>| !v.is_empty())
}

#[cfg(test)]
pub(crate) mod tests;
