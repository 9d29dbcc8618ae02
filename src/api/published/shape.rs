//! The shapes poem-openapi writes that generators misread, rewritten in
//! the operations' and schemas' declarations (see `Published`).
use std::collections::BTreeMap;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use serde_json::Value;

/// Replaces an `allOf` wrapper around a reference by the reference, or by
/// the enum it names inline when the wrapper adds `nullable` or `default`
/// (which a bare `$ref` cannot carry in OpenAPI 3.0).
pub(super) fn unwrap_reference(schema: &mut MetaSchemaRef, named: &BTreeMap<String, MetaSchema>) {
    let MetaSchemaRef::Inline(wrapper) = schema else {
        return;
    };
    if let Some(items) = &mut wrapper.items {
        unwrap_reference(items, named);
    }
    let Some(MetaSchemaRef::Reference(name)) = wrapper.all_of.first() else {
        return;
    };
    let name = name.clone();
    let enum_schema = named.get(&name).filter(|s| !s.enum_items.is_empty());
    match enum_schema {
        Some(target) if wrapper.nullable || wrapper.default.is_some() => {
            let mut items = target.enum_items.clone();
            if wrapper.nullable {
                items.push(Value::Null);
            }
            *schema = MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: wrapper.description.or(target.description),
                default: wrapper.default.clone(),
                nullable: wrapper.nullable,
                enum_items: items,
                ..MetaSchema::new(target.ty)
            }));
        }
        _ => *schema = MetaSchemaRef::Reference(name),
    }
}

/// A header name as HTTP writes it: `ETAG` → `ETag`, `CACHE-CONTROL` →
/// `Cache-Control`.
pub(super) fn http_spelling(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "etag" => "ETag".to_owned(),
        "www-authenticate" => "WWW-Authenticate".to_owned(),
        lower => lower
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_spelled_as_http_writes_them() {
        assert_eq!(http_spelling("ETAG"), "ETag");
        assert_eq!(http_spelling("CACHE-CONTROL"), "Cache-Control");
        assert_eq!(http_spelling("RETRY-AFTER"), "Retry-After");
        assert_eq!(http_spelling("X-REQUEST-ID"), "X-Request-Id");
        assert_eq!(http_spelling("WWW-AUTHENTICATE"), "WWW-Authenticate");
    }

    fn named_enum() -> BTreeMap<String, MetaSchema> {
        let schema = MetaSchema {
            description: Some("How often."),
            enum_items: vec!["daily".into(), "weekly".into()],
            ..MetaSchema::new("string")
        };
        BTreeMap::from([("Recurrence".to_owned(), schema)])
    }

    fn wrapped(patch: MetaSchema) -> MetaSchemaRef {
        MetaSchemaRef::Reference("Recurrence".into()).merge(patch)
    }

    #[test]
    fn a_described_reference_is_a_bare_reference() {
        let mut schema = wrapped(MetaSchema {
            description: Some("When it repeats."),
            ..MetaSchema::ANY
        });
        unwrap_reference(&mut schema, &named_enum());
        assert_eq!(schema, MetaSchemaRef::Reference("Recurrence".into()));
    }

    #[test]
    fn a_nullable_enum_is_inlined_with_null_among_its_values() {
        let mut schema = wrapped(MetaSchema {
            nullable: true,
            ..MetaSchema::ANY
        });
        unwrap_reference(&mut schema, &named_enum());
        let MetaSchemaRef::Inline(inline) = schema else {
            panic!("still a reference")
        };
        assert_eq!((inline.ty, inline.nullable), ("string", true));
        assert_eq!(
            inline.enum_items,
            vec![Value::from("daily"), "weekly".into(), Value::Null]
        );
        assert!(inline.all_of.is_empty());
    }

    #[test]
    fn a_defaulted_enum_parameter_keeps_its_default_inline() {
        let mut schema = wrapped(MetaSchema {
            default: Some("weekly".into()),
            ..MetaSchema::ANY
        });
        unwrap_reference(&mut schema, &named_enum());
        let MetaSchemaRef::Inline(inline) = schema else {
            panic!("still a reference")
        };
        assert_eq!(inline.default, Some("weekly".into()));
        assert!(!inline.nullable && inline.all_of.is_empty());
    }
}
