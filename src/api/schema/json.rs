//! `JsonReply<T>`: a JSON response body declared, and sent, as plain
//! `application/json`. poem-openapi's `payload::Json` writes
//! `application/json; charset=utf-8`, a parameter RFC 8259 does not define
//! for JSON, and which some client generators then fail to recognise as
//! JSON at all.
use poem::http::header;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

/// The media type of every JSON body the API answers with.
pub const APPLICATION_JSON: &str = "application/json";

#[derive(Debug, Clone, PartialEq)]
pub struct JsonReply<T>(pub T);

impl<T: Type> Payload for JsonReply<T> {
    const CONTENT_TYPE: &'static str = APPLICATION_JSON;

    fn check_content_type(content_type: &str) -> bool {
        content_type == APPLICATION_JSON
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ToJSON> IntoResponse for JsonReply<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .header(header::CONTENT_TYPE, APPLICATION_JSON)
            .body(self.0.to_json_string())
    }
}

/// A bare `JsonReply` is a 200 whose description is its schema's own.
impl<T: ToJSON> ApiResponse for JsonReply<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: schema_description::<T>(),
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: APPLICATION_JSON,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// The description of `T`'s schema, which every object has (the project
/// documents every type), for a response that has no words of its own.
fn schema_description<T: Type>() -> &'static str {
    let described = match T::schema_ref() {
        MetaSchemaRef::Inline(schema) => schema.description,
        MetaSchemaRef::Reference(name) => {
            let mut registry = Registry::new();
            T::register(&mut registry);
            registry.schemas.get(&name).and_then(|s| s.description)
        }
    };
    described.unwrap_or("The result.")
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;

    use super::*;

    /// A thing the test answers with.
    #[derive(Object)]
    struct Thing {
        /// Its name.
        name: String,
    }

    #[test]
    fn the_body_is_plain_application_json() {
        let resp = JsonReply(Thing { name: "a".into() }).into_response();
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
        let meta = <JsonReply<Thing> as ApiResponse>::meta();
        assert_eq!(
            meta.responses[0].content[0].content_type,
            "application/json"
        );
    }

    #[test]
    fn a_bare_body_is_described_by_its_schema() {
        let meta = <JsonReply<Thing> as ApiResponse>::meta();
        assert_eq!(
            meta.responses[0].description,
            "A thing the test answers with."
        );
    }
}
