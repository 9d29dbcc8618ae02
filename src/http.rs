//! Middleware around every route: the body-size limit, and problem+json
//! for the errors poem raises itself (unknown route, wrong method, refused
//! CORS origin).
use std::collections::BTreeMap;
use std::sync::Arc;

use poem::error::{CorsError, MethodNotAllowedError, NotFoundError, ReadBodyError};
use poem::http::{Method, header};
use poem::{Body, Endpoint, IntoResponse, PathPattern, Request, Response};

use crate::error::Error;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body whole, up to the limit, so that nothing later waits on
/// the client: a declared `Content-Length` over the limit is refused at
/// once, any other body (chunked, or undeclared) is read only up to the
/// limit. poem's `SizeLimit` cannot be used globally: it answers 411 to
/// every request without `Content-Length`, plain GETs included.
pub async fn read_body(mut req: Request) -> Result<Request, Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(Error::PayloadTooLarge);
    }
    match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
        Ok(bytes) => {
            req.set_body(Body::from(bytes));
            Ok(req)
        }
        Err(ReadBodyError::PayloadTooLarge) => Err(Error::PayloadTooLarge),
        Err(err) => Err(Error::field("body", err.to_string())),
    }
}

/// The methods each path template of the spec accepts, with their
/// operationIds: to answer 405 with an `Allow` header, and to name the
/// operation of a request answered before routing.
#[derive(Clone, Default)]
pub struct AllowedMethods(Arc<BTreeMap<String, Vec<Operation>>>);

/// One method of a path template, and its operationId.
struct Operation {
    method: String,
    id: String,
}

impl AllowedMethods {
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
        let (template, _) = self.find(pattern, |t, p| {
            t.starts_with('{') == p.starts_with(':') && (t.starts_with('{') || t == p)
        })?;
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

/// Turns poem's own plain-text errors into problems; responses our
/// handlers already built pass through untouched.
pub async fn problems<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let allowed = req.data::<AllowedMethods>().cloned().unwrap_or_default();
    // Boxed, like the layers below: CORS's future is several KB.
    let err = match Box::pin(next.call(req)).await {
        Ok(resp) => return Ok(resp.into_response()),
        Err(err) if err.is_from_response() => return Ok(err.into_response()),
        Err(err) => err,
    };
    // The matched route (if any) stays known to the request log and metrics.
    let pattern = err.data::<PathPattern>().cloned();
    let problem = if err.is::<CorsError>() {
        Error::OriginNotAllowed
    } else if err.is::<NotFoundError>() {
        Error::NotFound
    } else if err.is::<MethodNotAllowedError>() {
        Error::MethodNotAllowed {
            allow: allowed.for_path(&path),
        }
    } else {
        match err.status().as_u16() {
            404 => Error::NotFound,
            405 => Error::MethodNotAllowed {
                allow: allowed.for_path(&path),
            },
            413 => Error::PayloadTooLarge,
            415 => Error::UnsupportedMediaType,
            400..=499 => Error::field("request", err.to_string()),
            _ => Error::Internal(err.to_string()),
        }
    };
    let mut resp = problem.into_response();
    if let Some(pattern) = pattern {
        resp.set_data(pattern);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_matching_template() {
        let spec = r#"{"paths": {"/api/{user_id}/tasks/{task_id}": {"get": {}, "put": {}, "delete": {}},
                                "/api/auth/me": {"get": {}}}}"#;
        let allowed = AllowedMethods::from_spec(spec);
        assert_eq!(allowed.for_path("/api/abc/tasks/def"), "DELETE, GET, PUT");
        assert_eq!(allowed.for_path("/api/auth/me"), "GET");
        assert_eq!(allowed.for_path("/nowhere"), "");
        assert_eq!(
            allowed.template_for("/api/:param0/tasks/:param1"),
            Some("/api/{user_id}/tasks/{task_id}")
        );
        assert_eq!(allowed.template_for("/api/auth/me"), Some("/api/auth/me"));
        assert_eq!(allowed.template_for("/api/:param0/me"), None);
    }

    #[test]
    fn a_request_not_routed_yet_is_named_by_the_spec_operation_at_its_path() {
        let spec = r#"{"paths": {"/api/{user_id}/tasks": {"get": {"operationId": "listTasks"}},
                                "/api/auth/login": {"post": {"operationId": "logIn"}}}}"#;
        let allowed = AllowedMethods::from_spec(spec);
        assert_eq!(
            allowed.operation_at(&Method::POST, "/api/auth/login"),
            Some(("/api/auth/login", "logIn"))
        );
        assert_eq!(
            allowed.operation_at(&Method::GET, "/api/abc/tasks"),
            Some(("/api/{user_id}/tasks", "listTasks"))
        );
        assert_eq!(allowed.operation_at(&Method::GET, "/api/auth/login"), None);
        assert_eq!(allowed.operation_at(&Method::GET, "/nowhere"), None);
    }
}
