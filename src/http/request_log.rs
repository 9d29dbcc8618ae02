//! The outermost middleware: what every request leaves behind. It gets an
//! id (`request_id`), a tracing span carrying that id through every log
//! line it causes, one summary line when it ends, its metrics, and the
//! headers every response carries.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use poem::http::{HeaderValue, Method, header};
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;
use tracing::field::Empty;

use super::metrics::Metrics;
use super::request_id::{REQUEST_ID, request_id_of, with_request_id};
use super::route_table::RouteTable;

/// Logs, counts and labels every request.
#[derive(Clone)]
pub struct RequestLog {
    metrics: Metrics,
    routes: RouteTable,
    /// The spec's template of each poem route pattern met so far: a pattern
    /// is one of the app's routes, so this holds one entry per route, and
    /// a request reads it instead of matching the spec's paths anew.
    templates: Arc<RwLock<HashMap<String, Arc<str>>>>,
}

impl RequestLog {
    pub fn new(metrics: Metrics, routes: RouteTable) -> Self {
        Self {
            metrics,
            routes,
            templates: Arc::default(),
        }
    }

    pub async fn serve<E: Endpoint>(&self, next: &E, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let id = request_id_of(req.headers().get(&REQUEST_ID));
        let method = req.method().clone();
        // A clone shares the request's bytes; read only if no route matched.
        let uri = req.uri().clone();
        let _in_flight = self.metrics.in_flight();
        let span =
            tracing::info_span!("request", request_id = %id, method = %method, user_id = Empty);
        // Boxed: the layers below are a future of several KB that would
        // otherwise be laid out (more than once) inside this one.
        let mut resp = Box::pin(with_request_id(
            id.clone(),
            async move {
                match next.call(req).await {
                    Ok(resp) => resp.into_response(),
                    Err(err) => err.into_response(),
                }
            }
            .instrument(span.clone()),
        ))
        .await;
        let elapsed = started.elapsed();
        let (route, operation) = self.label(&resp, &method, uri.path());
        let status = resp.status().as_u16();
        let route = route.as_deref().unwrap_or("");
        let operation = operation.as_ref();
        let latency_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        span.in_scope(|| {
            if status >= 500 {
                tracing::warn!(route, operation, status, latency_ms, "request");
            } else {
                tracing::info!(route, operation, status, latency_ms, "request");
            }
        });
        self.metrics.observe(operation, status, elapsed);
        let headers = resp.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(REQUEST_ID, value);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        Ok(resp)
    }

    /// The spec's route template and operation of an answered request.
    fn label(
        &self,
        resp: &Response,
        method: &Method,
        path: &str,
    ) -> (Option<Arc<str>>, Cow<'static, str>) {
        match (resp.data::<OperationId>(), resp.data::<PathPattern>()) {
            (op, Some(pattern)) => {
                let route = self.template(&pattern.0);
                let operation = match op {
                    Some(op) => Cow::Borrowed(op.0),
                    None => Cow::Owned(format!("{} {route}", method_label(method))),
                };
                (Some(route), operation)
            }
            (Some(op), None) => (None, Cow::Borrowed(op.0)),
            // Answered before routing (no place in time, a full password queue, the deadline,
            // a body too large): named after the spec's operation at the path.
            (None, None) => match self.routes.operation_at(method, path) {
                Some((route, op)) => (Some(route.into()), Cow::Owned(op.to_owned())),
                None => (None, Cow::Borrowed("unmatched")),
            },
        }
    }

    /// The spec's template of a poem route pattern, or the pattern written
    /// as a template when the spec has no such route.
    fn template(&self, pattern: &str) -> Arc<str> {
        let known = self
            .templates
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(template) = known.get(pattern) {
            return template.clone();
        }
        drop(known);
        let template: Arc<str> = match self.routes.template_for(pattern) {
            Some(template) => template.into(),
            None => template(pattern).into(),
        };
        let mut known = self
            .templates
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        known.insert(pattern.to_owned(), template.clone());
        template
    }
}

/// poem's `/api/:user_id/tasks` written as the spec writes it,
/// `/api/{user_id}/tasks`.
fn template(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Only standard methods become metric labels: a client inventing methods
/// must not be able to invent time series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: &[Method] = &[
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("OTHER", Method::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_read_like_the_spec() {
        assert_eq!(
            template("/v1/:user_id/tasks/:task_id"),
            "/v1/{user_id}/tasks/{task_id}"
        );
        assert_eq!(template("/health/ready"), "/health/ready");
    }

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
