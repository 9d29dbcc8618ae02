//! The spec's routes: which methods each path template accepts, and their
//! operationIds, to answer 405 with an `Allow` header and to name in logs
//! and metrics the operation of a request answered before routing.
use std::collections::BTreeMap;
use std::sync::Arc;

use poem::http::Method;

/// The methods each path template of the spec accepts, with their
/// operationIds.
#[derive(Clone, Default)]
pub struct RouteTable(Arc<BTreeMap<String, Vec<Operation>>>);

/// Whether a segment of a spec template (`{user_id}`, `tasks`) is the
/// segment of a poem route pattern (`:param0`, `tasks`).
fn same_segment(template: &str, pattern: &str) -> bool {
    template.starts_with('{') == pattern.starts_with(':')
        && (template.starts_with('{') || template == pattern)
}

/// The path parameters of a poem route `pattern` that is the spec's
/// `template`: each as poem-openapi names it (`param1`) with its name in the
/// template (`task_id`), or none when the two are different routes.
pub fn path_parameters(pattern: &str, template: &str) -> Option<Vec<(String, String)>> {
    let mut pattern = pattern.trim_end_matches('/').split('/');
    let mut template = template.trim_end_matches('/').split('/');
    let mut names = Vec::new();
    loop {
        match (pattern.next(), template.next()) {
            (None, None) => return Some(names),
            (Some(p), Some(t)) if same_segment(t, p) => {
                if let (Some(poem), Some(name)) = (p.strip_prefix(':'), t.strip_prefix('{')) {
                    names.push((poem.to_owned(), name.trim_end_matches('}').to_owned()));
                }
            }
            _ => return None,
        }
    }
}

/// One method of a path template, and its operationId.
struct Operation {
    method: String,
    id: String,
}

impl RouteTable {
    /// Reads the path templates and their operations from the OpenAPI spec.
    pub fn from_spec(spec: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let paths = spec["paths"].as_object().cloned().unwrap_or_default();
        let map = paths
            .into_iter()
            .map(|(path, ops)| {
                let operations = ops
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(method, op)| Operation {
                                method: method.to_uppercase(),
                                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (path, operations)
            })
            .collect();
        Self(Arc::new(map))
    }

    /// The spec's template and operationId for a request path that no
    /// route has matched yet (one refused before routing: 503
    /// `server_busy`, 504, 413...), when the spec has that operation.
    pub fn operation_at(&self, method: &Method, path: &str) -> Option<(&str, &str)> {
        let (template, operations) = self.find(path, |t, s| t.starts_with('{') || t == s)?;
        operations
            .iter()
            .find(|op| op.method == method.as_str() && !op.id.is_empty())
            .map(|op| (template, op.id.as_str()))
    }

    /// The spec's template for a route pattern poem matched: poem-openapi
    /// names path parameters `param0`, `param1`... so `/api/:param0/tasks`
    /// becomes `/api/{user_id}/tasks`.
    pub fn template_for(&self, pattern: &str) -> Option<&str> {
        let (template, _) = self.find(pattern, same_segment)?;
        Some(template)
    }

    /// `Allow` for a request path, e.g. `GET, PATCH`.
    pub fn for_path(&self, path: &str) -> String {
        self.find(path, |t, s| t.starts_with('{') || t == s)
            .map(|(_, operations)| {
                let methods: Vec<_> = operations.iter().map(|op| op.method.as_str()).collect();
                methods.join(", ")
            })
            .unwrap_or_default()
    }

    /// The first template whose segments all match `path`'s under `same`
    /// (template segment, path segment).
    /// It runs for every request (the log line's route), so it compares
    /// segment by segment without allocating.
    fn find(&self, path: &str, same: impl Fn(&str, &str) -> bool) -> Option<(&str, &[Operation])> {
        let segments = || path.trim_end_matches('/').split('/');
        self.0
            .iter()
            .find(|(template, _)| {
                let mut parts = template.trim_end_matches('/').split('/');
                let mut path = segments();
                loop {
                    match (parts.next(), path.next()) {
                        (Some(t), Some(s)) if same(t, s) => continue,
                        (None, None) => return true,
                        _ => return false,
                    }
                }
            })
            .map(|(template, operations)| (template.as_str(), operations.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_matching_template() {
        let spec = r#"{"paths": {"/v1/{user_id}/tasks/{task_id}": {"get": {}, "put": {}, "delete": {}},
                                "/v1/auth/me": {"get": {}}}}"#;
        let routes = RouteTable::from_spec(spec);
        assert_eq!(routes.for_path("/v1/abc/tasks/def"), "DELETE, GET, PUT");
        assert_eq!(routes.for_path("/v1/auth/me"), "GET");
        assert_eq!(routes.for_path("/nowhere"), "");
        assert_eq!(
            routes.template_for("/v1/:param0/tasks/:param1"),
            Some("/v1/{user_id}/tasks/{task_id}")
        );
        assert_eq!(routes.template_for("/v1/auth/me"), Some("/v1/auth/me"));
        assert_eq!(routes.template_for("/v1/:param0/me"), None);
    }

    #[test]
    fn a_patterns_parameters_are_named_by_its_template() {
        let template = "/v1/{user_id}/lists/{list_id}/tasks/{task_id}";
        let names = path_parameters("/v1/:param0/lists/:param1/tasks/:param2", template);
        let named = [
            ("param0", "user_id"),
            ("param1", "list_id"),
            ("param2", "task_id"),
        ];
        let named = named.map(|(p, n)| (p.to_owned(), n.to_owned()));
        assert_eq!(names.as_deref(), Some(named.as_slice()));
        assert_eq!(path_parameters("/v1/:param0/tasks", template), None);
        assert_eq!(path_parameters("/v1/auth/me", "/v1/{user_id}/me"), None);
        assert_eq!(path_parameters("/v1/auth/me", "/v1/auth/me"), Some(vec![]));
    }

    #[test]
    fn a_request_not_routed_yet_is_named_by_the_spec_operation_at_its_path() {
        let spec = r#"{"paths": {"/v1/{user_id}/tasks": {"get": {"operationId": "listTasks"}},
                                "/v1/auth/login": {"post": {"operationId": "logIn"}}}}"#;
        let routes = RouteTable::from_spec(spec);
        assert_eq!(
            routes.operation_at(&Method::POST, "/v1/auth/login"),
            Some(("/v1/auth/login", "logIn"))
        );
        assert_eq!(
            routes.operation_at(&Method::GET, "/v1/abc/tasks"),
            Some(("/v1/{user_id}/tasks", "listTasks"))
        );
        assert_eq!(routes.operation_at(&Method::GET, "/v1/auth/login"), None);
        assert_eq!(routes.operation_at(&Method::GET, "/nowhere"), None);
    }
}
