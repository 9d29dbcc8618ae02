use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use serde_json::json;

use super::*;
use crate::api::tasks::{Priority, TaskInput};

fn failures<T: FromBody>(body: Value) -> Vec<(String, Violation, String)> {
    let Err(failures) = read_body::<T>(body) else {
        panic!("the body was accepted");
    };
    failures
        .into_iter()
        .map(|f| (f.field, f.code, f.message))
        .collect()
}

fn entry(field: &str, code: Violation, message: &str) -> (String, Violation, String) {
    (field.into(), code, message.into())
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let body = json!({"title": "", "description": 5, "priority": "huge"});
    assert_eq!(
        failures::<TaskInput>(body),
        [
            entry("/title", Violation::TooShort, "must not be empty"),
            entry("/description", Violation::WrongType, "must be a string"),
            entry(
                "/priority",
                Violation::NotOneOf,
                "must be one of low, medium, high, urgent"
            ),
        ]
    );
}

#[test]
fn a_boolean_is_not_a_string_and_null_is_not_a_value() {
    let body = json!({"title": false, "completed": null, "tags": ["a", 1]});
    assert_eq!(
        failures::<TaskInput>(body),
        [
            entry("/title", Violation::WrongType, "must be a string"),
            entry("/completed", Violation::WrongType, "must not be null"),
            entry("/tags/1", Violation::WrongType, "must be a string"),
        ]
    );
}

#[test]
fn a_missing_required_field_is_named() {
    assert_eq!(
        failures::<TaskInput>(json!({})),
        [entry("/title", Violation::Required, "is required")]
    );
    assert_eq!(
        failures::<TaskInput>(json!([])),
        [entry("", Violation::WrongType, "must be a JSON object")]
    );
}

#[test]
fn a_list_over_the_bound_is_refused_before_its_items_are_read() {
    let flood = Value::Array(vec![json!(1); MAX_LIST_ITEMS + 1]);
    assert_eq!(
        text_list(50, |_, _| Ok(()))("/tags", flood).unwrap_err()[0].message,
        "must hold at most 100 values"
    );
    let full = Value::Array(vec![json!("a"); MAX_LIST_ITEMS]);
    assert_eq!(
        text_list(50, |_, _| Ok(()))("/tags", full).unwrap().len(),
        100
    );
}

#[test]
fn limits_are_counted_in_characters_as_sent() {
    let padded = format!(" {} ", "ü".repeat(199));
    let failure = text(0, 200)("/title", json!(padded)).unwrap_err();
    assert_eq!(failure[0].message, "must be at most 200 characters");
    assert!(text(0, 200)("/title", json!("ü".repeat(200))).is_ok());
}

#[test]
fn enums_and_date_times_say_what_they_accept() {
    assert!(one_of::<Priority>("/p", json!(1)).unwrap_err()[0].code == Violation::WrongType);
    let failure = date_time::<crate::api::Timestamp>("/due_date", json!("tomorrow")).unwrap_err();
    assert_eq!(
        (failure[0].code, failure[0].message.as_str()),
        (
            Violation::InvalidFormat,
            "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z"
        )
    );
}

/// The schema the spec declares for member `field` of `T` (for the tests
/// that check a reader's limits against the spec's).
pub(crate) fn declared<T: Type>(field: &str) -> MetaSchema {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let schema = &registry.schemas[&*T::name()];
    let (_, property) = schema
        .properties
        .iter()
        .find(|(name, _)| *name == field)
        .unwrap_or_else(|| panic!("{} has no {field}", T::name()));
    match property {
        MetaSchemaRef::Inline(schema) => (**schema).clone(),
        MetaSchemaRef::Reference(name) => panic!("{field} is a reference to {name}"),
    }
}
