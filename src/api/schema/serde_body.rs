//! `Serde<T>`: a response body written straight through serde.
//!
//! poem-openapi writes a body by building a `serde_json::Value` tree
//! (`ToJSON::to_json`: a map with an owned key per field) and then
//! serialising the tree; for a page of 50 tasks that is some 1,300
//! allocations made and freed for nothing. `Serde<T>` is `T` in the spec
//! (its schema, name and registration are `T`'s) and in `to_json`, but
//! writes its text with `T`'s own `Serialize`. A test holds the two
//! writings of each such type to the same JSON.
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Serde<T>(pub T);

impl<T: Type> Type for Serde<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl<T: ToJSON + serde::Serialize> ToJSON for Serde<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }

    fn to_json_string(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}
