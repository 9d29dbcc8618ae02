//! Middleware around every route: the request deadline, the body-size
//! limit, and problem+json for the errors poem raises itself (unknown
//! route, wrong method, refused CORS origin).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use poem::error::{CorsError, MethodNotAllowedError, NotFoundError, ReadBodyError};
use poem::http::header;
use poem::{Body, Endpoint, IntoResponse, PathPattern, Request, Response};

use crate::error::Error;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Answers 504 `request_timeout` when an API request (reading its body
/// included) is not done within `limit`, instead of holding a worker and a
/// database connection for a client that has likely given up. The work is
/// dropped: an open transaction rolls back. The probes and the spec are
/// exempt; they never wait on a client.
pub async fn deadline<E: Endpoint>(
    next: Arc<E>,
    req: Request,
    limit: Duration,
) -> poem::Result<Response> {
    if !req.uri().path().starts_with("/api/") {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(answer) => answer.map(IntoResponse::into_response),
        Err(_) => {
            tracing::warn!(limit_s = limit.as_secs_f64(), "request deadline passed");
            Ok(Error::RequestTimeout.into_response())
        }
    }
}

/// Refuses a declared `Content-Length` over the limit at once, and reads
/// any other body (chunked, or undeclared) only up to the limit. poem's
/// `SizeLimit` cannot be used globally: it answers 411 to every request
/// without `Content-Length`, plain GETs included.
pub async fn limit_body<E: Endpoint>(next: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => {
            return Ok(Error::PayloadTooLarge.into_response());
        }
        Some(_) => {}
        None => match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
            Ok(bytes) => req.set_body(Body::from(bytes)),
            Err(ReadBodyError::PayloadTooLarge) => {
                return Ok(Error::PayloadTooLarge.into_response());
            }
            Err(err) => return Ok(Error::field("body", err.to_string()).into_response()),
        },
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// The methods each path template of the spec accepts, to answer 405 with
/// an `Allow` header.
#[derive(Clone, Default)]
pub struct AllowedMethods(Arc<BTreeMap<String, Vec<String>>>);

impl AllowedMethods {
    /// Reads the path templates and their methods from the OpenAPI spec.
    pub fn from_spec(spec: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let paths = spec["paths"].as_object().cloned().unwrap_or_default();
        let map = paths
            .into_iter()
            .map(|(path, ops)| {
                let methods = ops
                    .as_object()
                    .map(|o| o.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                (path, methods)
            })
            .collect();
        Self(Arc::new(map))
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
            .map(|(_, methods)| methods.join(", "))
            .unwrap_or_default()
    }

    /// The first template whose segments all match `path`'s under `same`
    /// (template segment, path segment).
    fn find(&self, path: &str, same: impl Fn(&str, &str) -> bool) -> Option<(&str, &[String])> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.trim_end_matches('/').split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(t, s)| same(t, s))
            })
            .map(|(template, methods)| (template.as_str(), methods.as_slice()))
    }
}

/// Turns poem's own plain-text errors into problems; responses our
/// handlers already built pass through untouched.
pub async fn problems<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let allowed = req.data::<AllowedMethods>().cloned().unwrap_or_default();
    let err = match next.call(req).await {
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
}
