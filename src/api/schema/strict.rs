//! Strict per-field JSON readers for request bodies.
//!
//! poem-openapi reads a JSON number or boolean into a `String` field
//! (`{"title": false}` would become the title "false") and names no field
//! when a value has the wrong type. Each function here checks the JSON kind
//! first and prefixes any failure with "field `name`", which
//! `api::error` turns into the 422's `errors[].field`.
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult};
use serde_json::Value;

/// The most items a list field may hold. Checked here, before any item is
/// read: poem-openapi's item validators run before its `maxItems` and
/// compile a `pattern` regex for every item, so an unbounded list would cost
/// CPU in proportion to the body (the schema declares the same bound).
pub const MAX_LIST_ITEMS: usize = 100;

#[derive(Clone, Copy)]
enum Kind {
    String,
    StringList,
    Bool,
    /// Types that already refuse other JSON kinds (enums, timestamps).
    Checked,
}

fn read<T: ParseFromJSON>(
    field: &str,
    kind: Kind,
    nullable: bool,
    value: Option<Value>,
) -> ParseResult<T> {
    if !nullable && value == Some(Value::Null) {
        return Err(ParseError::custom(format!(
            "field `{field}`: must not be null"
        )));
    }
    let expected = match (&value, kind) {
        (None | Some(Value::Null), _) | (Some(_), Kind::Checked) => None,
        (Some(Value::String(_)), Kind::String) | (Some(Value::Bool(_)), Kind::Bool) => None,
        (Some(Value::Array(items)), Kind::StringList) if items.iter().all(Value::is_string) => None,
        (_, Kind::String) => Some("a string"),
        (_, Kind::StringList) => Some("an array of strings"),
        (_, Kind::Bool) => Some("a boolean"),
    };
    if let Some(expected) = expected {
        return Err(ParseError::custom(format!(
            "field `{field}`: expected {expected}"
        )));
    }
    if let Some(Value::Array(items)) = &value
        && items.len() > MAX_LIST_ITEMS
    {
        return Err(ParseError::custom(format!(
            "field `{field}`: at most {MAX_LIST_ITEMS} values"
        )));
    }
    let missing = value.is_none();
    T::parse_from_json(value).map_err(|err| {
        let why = if missing {
            "is required"
        } else {
            err.message()
        };
        ParseError::custom(format!("field `{field}`: {why}"))
    })
}

/// `fields! { nullable => name: Kind, ... }`: one reader per field name;
/// `nullable` says whether JSON `null` is accepted (as "no value").
macro_rules! fields {
    ($nullable:literal => $($name:ident: $kind:ident),+ $(,)?) => {
        $(
            pub fn $name<T: ParseFromJSON>(value: Option<Value>) -> ParseResult<T> {
                read(stringify!($name), Kind::$kind, $nullable, value)
            }
        )+
    };
}

fields! { true =>
    name: String,
    due_date: Checked,
    recurrence: Checked,
}

fields! { false =>
    email: String,
    password: String,
    title: String,
    description: String,
    completed: Bool,
    priority: Checked,
    tags: StringList,
    refresh_token: String,
    current_password: String,
    new_password: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_boolean_is_not_a_string() {
        let err = title::<String>(Some(json!(false))).unwrap_err();
        assert!(err.message().contains("field `title`: expected a string"));
    }

    #[test]
    fn numbers_in_a_tag_list_are_refused() {
        assert!(tags::<Vec<String>>(Some(json!(["a", 1]))).is_err());
        assert_eq!(tags::<Vec<String>>(Some(json!(["a"]))).unwrap(), vec!["a"]);
    }

    #[test]
    fn a_list_over_the_bound_is_refused_before_its_items_are_read() {
        let flood = Value::Array(vec![json!("a"); MAX_LIST_ITEMS + 1]);
        let err = tags::<Vec<String>>(Some(flood)).unwrap_err();
        assert!(err.message().contains("field `tags`: at most 100 values"));
        let full = Value::Array(vec![json!("a"); MAX_LIST_ITEMS]);
        assert_eq!(tags::<Vec<String>>(Some(full)).unwrap().len(), 100);
    }

    #[test]
    fn null_is_refused_unless_the_field_is_nullable() {
        assert!(title::<Option<String>>(Some(json!(null))).is_err());
        assert_eq!(due_date::<Option<String>>(Some(json!(null))).unwrap(), None);
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let err = email::<String>(None).unwrap_err();
        assert!(err.message().contains("field `email`: is required"));
    }
}
