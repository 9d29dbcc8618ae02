//! Strict, field-by-field reading of a JSON request body.
//!
//! poem-openapi reads an object field after field and stops at the first
//! failure, takes a JSON number or boolean for a `String` field, and words
//! its failures in validator notation. Here every member is read on its
//! own: its JSON kind is checked first (no coercion), then its limits, and
//! each failure is recorded with the member's JSON pointer, a stable code
//! and a sentence, so one 422 names every bad field at once. The request
//! types keep their `Object` derive (and its validators) for the spec; a
//! test beside each reader checks that both state the same limits.
use poem_openapi::registry::Registry;
use poem_openapi::types::{MaybeUndefined, ParseFromJSON, Type};
use serde_json::{Map, Value};

use crate::domain::{FieldError, Violation};

/// The most items a list field may hold. Checked before any item is read,
/// so a request's cost does not grow with a flood of items (the schema
/// declares the same bound).
pub const MAX_LIST_ITEMS: usize = 100;

/// What reading one member gives: its value, or every failure found in it.
pub type Read<T> = Result<T, Vec<FieldError>>;

/// A request type read field by field from a JSON object.
pub trait FromBody: Type + Sized {
    /// Reads every field, recording each failure in `fields`; `None` when
    /// any field failed.
    fn read(fields: &mut Fields) -> Option<Self>;
}

/// Reads a whole body: it must be a JSON object, then `T` reads its fields.
pub fn read_body<T: FromBody>(value: Value) -> Read<T> {
    let Value::Object(object) = value else {
        return Err(vec![fail(
            "",
            Violation::WrongType,
            "must be a JSON object",
        )]);
    };
    let mut fields = Fields {
        object,
        failures: Vec::new(),
    };
    match T::read(&mut fields) {
        Some(value) if fields.failures.is_empty() => Ok(value),
        _ => Err(fields.failures),
    }
}

/// The members of a JSON object body, and the failures found so far.
pub struct Fields {
    object: Map<String, Value>,
    failures: Vec<FieldError>,
}

impl Fields {
    /// Member `name`, read by `read` unless absent or `null`; `None` when
    /// it failed (the failures are recorded).
    fn member<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Value) -> Read<T>,
    ) -> Option<MaybeUndefined<T>> {
        let pointer = format!("/{name}");
        match self.object.remove(name) {
            None => Some(MaybeUndefined::Undefined),
            Some(Value::Null) => Some(MaybeUndefined::Null),
            Some(value) => self
                .check_all(read(&pointer, value))
                .map(MaybeUndefined::Value),
        }
    }

    /// A member that must be present and not `null`.
    pub fn required<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Value) -> Read<T>,
    ) -> Option<T> {
        match self.member(name, read)? {
            MaybeUndefined::Value(value) => Some(value),
            MaybeUndefined::Undefined => self.refuse(name, Violation::Required, "is required"),
            MaybeUndefined::Null => self.refuse(name, Violation::WrongType, "must not be null"),
        }
    }

    /// A member that may be left out, but not sent as `null`.
    pub fn optional<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Value) -> Read<T>,
    ) -> Option<Option<T>> {
        match self.member(name, read)? {
            MaybeUndefined::Null => self.refuse(name, Violation::WrongType, "must not be null"),
            value => Some(value.take()),
        }
    }

    /// A member that may be left out or be `null`.
    pub fn nullable<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Value) -> Read<T>,
    ) -> Option<MaybeUndefined<T>> {
        self.member(name, read)
    }

    /// A member that may be left out or be `null`, both read as `None`.
    pub fn optional_or_null<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str, Value) -> Read<T>,
    ) -> Option<Option<T>> {
        self.member(name, read).map(MaybeUndefined::take)
    }

    /// Records a failed domain check of a value that was read.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        self.check_all(result.map_err(|failure| vec![failure]))
    }

    /// Records the failures of a check that can find several.
    pub fn check_all<T>(&mut self, result: Read<T>) -> Option<T> {
        result
            .map_err(|failures| self.failures.extend(failures))
            .ok()
    }

    fn refuse<T>(&mut self, name: &str, code: Violation, message: &str) -> Option<T> {
        self.failures.push(fail(&format!("/{name}"), code, message));
        None
    }
}

fn fail(pointer: &str, code: Violation, message: impl Into<String>) -> FieldError {
    FieldError::new(pointer, code, message)
}

fn wrong_type<T>(pointer: &str, expected: &str) -> Read<T> {
    Err(vec![fail(
        pointer,
        Violation::WrongType,
        format!("must be {expected}"),
    )])
}

/// Any string.
pub fn string(pointer: &str, value: Value) -> Read<String> {
    match value {
        Value::String(text) => Ok(text),
        _ => wrong_type(pointer, "a string"),
    }
}

/// A string of `min..=max` characters as sent (before any trimming).
pub fn text(min: usize, max: usize) -> impl FnOnce(&str, Value) -> Read<String> {
    move |pointer, value| {
        let text = string(pointer, value)?;
        let chars = text.chars().count();
        if chars < min {
            let message = match min {
                1 => "must not be empty".to_owned(),
                _ => format!("must be at least {min} characters"),
            };
            return Err(vec![fail(pointer, Violation::TooShort, message)]);
        }
        if chars > max {
            let message = format!("must be at most {max} characters");
            return Err(vec![fail(pointer, Violation::TooLong, message)]);
        }
        Ok(text)
    }
}

/// `true` or `false`.
pub fn boolean(pointer: &str, value: Value) -> Read<bool> {
    match value {
        Value::Bool(flag) => Ok(flag),
        _ => wrong_type(pointer, "true or false"),
    }
}

/// One of an enum's values; the message lists them.
pub fn one_of<T: ParseFromJSON>(pointer: &str, value: Value) -> Read<T> {
    if !value.is_string() {
        return wrong_type(pointer, "a string");
    }
    T::parse_from_json(Some(value)).map_err(|_| {
        let message = format!("must be one of {}", enum_values::<T>().join(", "));
        vec![fail(pointer, Violation::NotOneOf, message)]
    })
}

/// The values an enum type declares in the spec.
fn enum_values<T: Type>() -> Vec<String> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    registered_values(&registry, &T::name()).unwrap_or_default()
}

/// The values of the enum registered as `name`, if there is one.
pub fn registered_values(registry: &Registry, name: &str) -> Option<Vec<String>> {
    let schema = registry.schemas.get(name)?;
    let items = schema.enum_items.iter().filter_map(Value::as_str);
    Some(items.map(str::to_owned).collect()).filter(|v: &Vec<_>| !v.is_empty())
}

/// An RFC 3339 date-time (read by `T`, e.g. `Timestamp`).
pub fn date_time<T: ParseFromJSON>(pointer: &str, value: Value) -> Read<T> {
    if !value.is_string() {
        return wrong_type(pointer, "a string");
    }
    T::parse_from_json(Some(value)).map_err(|_| {
        let message = "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z";
        vec![fail(pointer, Violation::InvalidFormat, message)]
    })
}

/// A list of at most `MAX_LIST_ITEMS` strings of at most `max` characters
/// each, every one of which `check` accepts (given its index); every bad
/// item is named by its index.
pub fn text_list(
    max: usize,
    check: impl Fn(usize, &str) -> Result<(), FieldError>,
) -> impl FnOnce(&str, Value) -> Read<Vec<String>> {
    move |pointer, value| {
        let Value::Array(items) = value else {
            return wrong_type(pointer, "an array of strings");
        };
        if items.len() > MAX_LIST_ITEMS {
            let message = format!("must hold at most {MAX_LIST_ITEMS} values");
            return Err(vec![fail(pointer, Violation::TooLong, message)]);
        }
        let mut failures = Vec::new();
        let mut texts = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let read = text(0, max)(&format!("{pointer}/{index}"), item)
                .and_then(|text| check(index, &text).map(|()| text).map_err(|e| vec![e]));
            match read {
                Ok(text) => texts.push(text),
                Err(item_failures) => failures.extend(item_failures),
            }
        }
        if failures.is_empty() {
            Ok(texts)
        } else {
            Err(failures)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
