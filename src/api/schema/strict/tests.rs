use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use serde_json::json;

use super::*;
use crate::api::tasks::TaskInput;
use crate::domain::{Tags, Title};

fn failures<T: FromBody>(body: Value) -> Vec<(String, Violation, String)> {
    let Err(failures) = read_body::<T>(body).map(drop) else {
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
    let flood = Value::Array(vec![json!(1); Tags::MAX_RAW + 1]);
    assert_eq!(
        failures::<TaskInput>(json!({"title": "t", "tags": flood})),
        [entry(
            "/tags",
            Violation::TooLong,
            "must hold at most 100 values"
        )]
    );
    let full = Value::Array(vec![json!("a"); Tags::MAX_RAW]);
    assert!(read_body::<TaskInput>(json!({"title": "t", "tags": full})).is_ok());
}

#[test]
fn limits_are_counted_in_characters_as_sent() {
    let padded = format!(" {} ", "ü".repeat(199));
    assert_eq!(
        failures::<TaskInput>(json!({ "title": padded })),
        [entry(
            "/title",
            Violation::TooLong,
            "must be at most 200 characters"
        )]
    );
    assert!(read_body::<TaskInput>(json!({"title": "ü".repeat(200)})).is_ok());
}

#[test]
fn enums_and_date_times_say_what_they_accept() {
    let body = json!({"title": "t", "priority": 1, "due_date": "tomorrow", "recurrence": "yearly"});
    assert_eq!(
        failures::<TaskInput>(body),
        [
            entry("/priority", Violation::WrongType, "must be a string"),
            entry(
                "/due_date",
                Violation::InvalidFormat,
                "must be an RFC 3339 date-time such as 2026-11-24T17:00:00Z"
            ),
            entry(
                "/recurrence",
                Violation::NotOneOf,
                "must be one of daily, weekly, monthly"
            ),
        ]
    );
}

#[test]
fn the_rules_are_applied_to_the_members_that_read_while_others_failed() {
    // The title failed to read and stood in by a placeholder: its rules'
    // failure (an empty title) is not reported, the other members' are.
    let body = json!({"title": 5, "description": "a\0", "tags": ["ok", " ", 3]});
    assert_eq!(
        failures::<TaskInput>(body),
        [
            entry("/title", Violation::WrongType, "must be a string"),
            entry(
                "/description",
                Violation::InvalidFormat,
                "must not contain the NUL character (U+0000)"
            ),
            entry("/tags/1", Violation::TooShort, "must not be empty"),
            entry("/tags/2", Violation::WrongType, "must be a string"),
        ]
    );
    let distinct: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    assert_eq!(
        failures::<TaskInput>(json!({"title": null, "tags": distinct})),
        [
            entry("/title", Violation::WrongType, "must not be null"),
            entry(
                "/tags",
                Violation::TooLong,
                "must hold at most 20 distinct tags"
            ),
        ]
    );
}

#[test]
fn a_body_that_passes_gives_the_rules_value() {
    let (_, edit) = read_body::<TaskInput>(json!({"title": " t ", "unknown": 1})).unwrap();
    assert_eq!(edit.title.map(Title::into_inner).as_deref(), Some("t"));
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
