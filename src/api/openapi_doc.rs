//! The published OpenAPI document: poem-openapi's, plus what it cannot
//! write.
//!
//! poem-openapi leaves `security` out of an operation that takes no
//! credentials, which reads as "not said" rather than "public" (OpenAPI
//! 3.0: an operation without `security` falls back to the document's, and
//! linters ask for it to be explicit). So every such operation is given
//! `security: []` here, the one place the document is built for serving,
//! export and tests alike. Each error response is given its own example
//! there too (`problem_examples`).
use poem_openapi::{OpenApi, OpenApiService};
// serde_yaml's Value, not serde_json's: its maps keep the order of keys
// (serde_json's sort them unless a crate-wide feature is on), so the edited
// document reads like poem-openapi's. JSON is read and written by serde_json.
use serde_yaml::Value;

/// The HTTP methods an OpenAPI 3.0 path item can hold an operation under.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An OpenAPI service together with the document published for it.
pub struct PublishedApi<T> {
    service: OpenApiService<T, ()>,
}

impl<T: OpenApi> PublishedApi<T> {
    pub fn new(service: OpenApiService<T, ()>) -> Self {
        Self { service }
    }

    /// The service itself, to be mounted as an endpoint.
    pub fn into_service(self) -> OpenApiService<T, ()> {
        self.service
    }

    /// The published document as JSON.
    pub fn spec(&self) -> String {
        serde_json::to_string_pretty(&self.document())
            .expect("a document read from JSON serialises to JSON")
    }

    /// The published document as YAML, written by the same serialiser
    /// poem-openapi uses, so the layout is the one it would give.
    pub fn spec_yaml(&self) -> String {
        serde_yaml::to_string(&self.document())
            .expect("a document read from JSON serialises to YAML")
    }

    /// poem-openapi's Swagger UI page, showing the published document: the
    /// page inlines the document it is built from, which is swapped here.
    pub fn swagger_ui_html(&self) -> String {
        self.service
            .swagger_ui_html()
            .replacen(&self.service.spec(), &self.spec(), 1)
    }

    fn document(&self) -> Value {
        let mut document: Value = serde_json::from_str(&self.service.spec())
            .expect("poem-openapi writes its document as JSON");
        declare_public_operations(&mut document);
        super::problem_examples::give_error_examples(&mut document);
        document
    }
}

/// Gives every operation that declares no security requirement an explicit
/// empty one (`security: []`: no credentials needed). A document with a
/// root-level `security` is left alone, since there an operation without
/// one inherits it and is not public.
pub fn declare_public_operations(document: &mut Value) {
    if document.get("security").is_some() {
        return;
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_mapping_mut) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_mapping_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(method, _)| method.as_str().is_some_and(|m| METHODS.contains(&m)))
                .filter_map(|(_, operation)| operation.as_mapping_mut())
        });
    for operation in operations {
        operation
            .entry(Value::from("security"))
            .or_insert_with(|| Value::Sequence(Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serde_yaml::Value;

    use super::declare_public_operations;

    fn declared(json: serde_json::Value) -> serde_json::Value {
        let mut document: Value = serde_json::from_value(json).unwrap();
        declare_public_operations(&mut document);
        serde_json::to_value(&document).unwrap()
    }

    #[test]
    fn operations_without_security_are_declared_public_and_others_keep_theirs() {
        let document = declared(json!({
            "paths": {
                "/login": {"post": {"operationId": "logIn"}},
                "/me": {
                    "get": {"operationId": "me", "security": [{"bearer": []}]},
                    "parameters": [],
                },
            }
        }));
        assert_eq!(document["paths"]["/login"]["post"]["security"], json!([]));
        assert_eq!(
            document["paths"]["/me"]["get"]["security"],
            json!([{"bearer": []}])
        );
        assert_eq!(document["paths"]["/me"]["parameters"], json!([]));
    }

    #[test]
    fn a_root_level_requirement_is_inherited_not_overridden() {
        let document = declared(json!({
            "security": [{"bearer": []}],
            "paths": {"/me": {"get": {"operationId": "me"}}},
        }));
        assert!(document["paths"]["/me"]["get"].get("security").is_none());
    }

    #[test]
    fn the_document_keeps_its_key_order_and_numbers() {
        let text = r#"{"openapi":"3.0.0","info":{"title":"t"},"paths":{"/b":{"post":{"operationId":"b","responses":{}}}},"components":{"maximum":9007199254740991.0,"minimum":0.0}}"#;
        let mut document: Value = serde_json::from_str(text).unwrap();
        declare_public_operations(&mut document);
        let written = serde_json::to_string(&document).unwrap();
        assert_eq!(
            written,
            text.replace(r#""responses":{}"#, r#""responses":{},"security":[]"#)
        );
    }
}
