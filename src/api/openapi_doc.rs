//! The published OpenAPI document, served, exported and tested alike:
//! poem-openapi's, finished by `published::finish` with what it cannot
//! write.
use poem_openapi::{OpenApi, OpenApiService};
// serde_yaml's Value: its maps keep the order of keys (see `published`).
use serde_yaml::Value;

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
        super::published::finish(&mut document, &T::meta());
        document
    }
}
