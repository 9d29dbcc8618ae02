//! What the document says that no declaration can: poem-openapi leaves
//! `security` out of an operation that takes no credentials, which reads as
//! "not said" rather than "public" (OpenAPI 3.0: an operation without
//! `security` falls back to the document's, and linters ask for it to be
//! explicit), so every such operation is given `security: []` here.
// serde_yaml's Value, not serde_json's: its maps keep the order of keys
// (serde_json's sort them unless a crate-wide feature is on), so the edited
// document reads like poem-openapi's. JSON is read and written by serde_json.
use serde_yaml::Value;

/// The HTTP methods an OpenAPI 3.0 path item can hold an operation under.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of `document`: its path, method and body.
pub(super) fn operations_mut(
    document: &mut Value,
) -> impl Iterator<Item = (&str, &str, &mut serde_yaml::Mapping)> {
    let paths = document.get_mut("paths").and_then(Value::as_mapping_mut);
    paths.into_iter().flat_map(|paths| {
        paths
            .iter_mut()
            .filter_map(|(path, item)| Some((path.as_str()?, item.as_mapping_mut()?)))
            .flat_map(|(path, item)| {
                item.iter_mut().filter_map(move |(method, operation)| {
                    let method = method.as_str().filter(|m| METHODS.contains(m))?;
                    Some((path, method, operation.as_mapping_mut()?))
                })
            })
    })
}

/// Gives every operation that declares no security requirement an explicit
/// empty one (`security: []`: no credentials needed). A document with a
/// root-level `security` is left alone, since there an operation without
/// one inherits it and is not public.
pub(super) fn declare_public_operations(document: &mut Value) {
    if document.get("security").is_some() {
        return;
    }
    for (_, _, operation) in operations_mut(document) {
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
