//! `Published<A>`: the operations `A` as the spec publishes them, with what
//! poem-openapi cannot be told per type written in, so that every common
//! client generator reads the document exactly:
//!
//! - `X-Request-Id`, which the middleware reads and writes on every request,
//!   is declared on every operation and every response;
//! - response header names are spelled as HTTP writes them (`ETag`, not the
//!   `ETAG` poem-openapi's derive makes of every name);
//! - a reference is never wrapped: poem-openapi puts any field or parameter
//!   whose type is a named schema into `allOf: [{$ref}, {...}]` once the
//!   field has a description, a default or `nullable`, which generators
//!   read as `T & unknown` or `any`. A described field becomes a bare
//!   `$ref` (its type's schema carries the description), and a nullable or
//!   defaulted enum becomes that enum inline, with `null` among its values
//!   when it is nullable.
use std::collections::BTreeMap;
use std::collections::HashMap;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem_openapi::OpenApi;
use poem_openapi::registry::{
    MetaApi, MetaHeader, MetaOperationParam, MetaParamIn, MetaSchema, MetaSchemaRef, Registry,
};
use serde_json::Value;

/// The header a request is known by, in logs and problem bodies.
pub const REQUEST_ID: &str = "X-Request-Id";

const REQUEST_ID_PARAM: &str = "An id for this request, echoed in the `X-Request-Id` response \
header and in problem bodies' `request_id`, and logged. It is kept when it is 1 to 128 \
characters of `A-Z a-z 0-9 . _ : -`; any other value is ignored (never refused) and the server \
makes a UUID instead.";

const REQUEST_ID_HEADER: &str = "This request's id: the client's `X-Request-Id` when it was \
acceptable, else one the server made. Quote it when reporting a problem.";

#[derive(Clone)]
pub struct Published<A>(pub A);

impl<A: OpenApi> OpenApi for Published<A> {
    fn meta() -> Vec<MetaApi> {
        let mut registry = Registry::new();
        A::register(&mut registry);
        let mut apis = A::meta();
        let operations = apis
            .iter_mut()
            .flat_map(|api| api.paths.iter_mut())
            .flat_map(|path| path.operations.iter_mut());
        for operation in operations {
            for param in &mut operation.params {
                unwrap_reference(&mut param.schema, &registry.schemas);
            }
            operation.params.push(request_id_param());
            for response in &mut operation.responses.responses {
                for header in &mut response.headers {
                    header.name = http_spelling(&header.name);
                }
                response.headers.push(MetaHeader {
                    name: REQUEST_ID.to_owned(),
                    description: Some(REQUEST_ID_HEADER.to_owned()),
                    required: true,
                    deprecated: false,
                    schema: MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
                });
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        A::register(registry);
        let named = registry.schemas.clone();
        for schema in registry.schemas.values_mut() {
            for (_, property) in &mut schema.properties {
                unwrap_reference(property, &named);
            }
        }
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {
        self.0.add_routes(route_table);
    }
}

fn request_id_param() -> MetaOperationParam {
    MetaOperationParam {
        name: REQUEST_ID.to_owned(),
        schema: MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
        in_type: MetaParamIn::Header,
        description: Some(REQUEST_ID_PARAM.to_owned()),
        required: false,
        deprecated: false,
        explode: true,
        style: None,
    }
}

/// Replaces an `allOf` wrapper around a reference by the reference, or by
/// the enum it names inline when the wrapper adds `nullable` or `default`
/// (which a bare `$ref` cannot carry in OpenAPI 3.0).
fn unwrap_reference(schema: &mut MetaSchemaRef, named: &BTreeMap<String, MetaSchema>) {
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
fn http_spelling(name: &str) -> String {
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
