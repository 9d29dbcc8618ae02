//! The outermost middleware: what every request leaves behind. It gets an
//! id (the client's `X-Request-Id` when sane, else a new UUID v7), a
//! tracing span carrying that id through every log line it causes, one
//! summary line when it ends, its metrics, and the headers every response
//! carries.
use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderName, HeaderValue, Method, header};

use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;
use tracing::field::{Empty, display};
use uuid::Uuid;

use crate::http::AllowedMethods;
use crate::startup::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request this task is serving, for problem bodies.
    static CURRENT: Arc<str>;
}

/// The id of the request being served, when called while serving one.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.to_string()).ok()
}

/// Names the authenticated user in the request's span, so every later log
/// line of the request (and its summary line) carries it.
pub fn record_user(user_id: Uuid) {
    tracing::Span::current().record("user_id", display(user_id));
}

/// A client's request id is kept when it is 1..=128 characters of
/// `[A-Za-z0-9._:-]`: enough for UUIDs and tracing ids, nothing that could
/// forge a log line or a header.
fn accepted(value: &HeaderValue) -> Option<Arc<str>> {
    let id = value.to_str().ok()?;
    let sane = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    sane.then(|| id.into())
}

pub async fn observe<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(accepted)
        .unwrap_or_else(|| Uuid::now_v7().to_string().into());
    let method = req.method().clone();
    // A clone shares the request's bytes; read only if no route matched.
    let uri = req.uri().clone();
    let is_auth = req.uri().path().starts_with("/api/auth/");
    let metrics = req.data::<AppState>().map(|state| state.metrics.clone());
    let spec = req.data::<AllowedMethods>().cloned().unwrap_or_default();
    let _in_flight = metrics.as_ref().map(|m| m.in_flight());
    let span = tracing::info_span!("request", request_id = %id, method = %method, user_id = Empty);
    // Boxed: the layers below are a future of several KB that would
    // otherwise be laid out (more than once) inside this one.
    let mut resp = Box::pin(
        CURRENT.scope(
            id.clone(),
            async move {
                match next.call(req).await {
                    Ok(resp) => resp.into_response(),
                    Err(err) => err.into_response(),
                }
            }
            .instrument(span.clone()),
        ),
    )
    .await;
    let elapsed = started.elapsed();
    let (route, operation) = match (resp.data::<OperationId>(), resp.data::<PathPattern>()) {
        (op, Some(pattern)) => {
            let route = match spec.template_for(&pattern.0) {
                Some(template) => template.to_owned(),
                None => template(&pattern.0),
            };
            let operation = match op {
                Some(op) => op.0.to_owned(),
                None => format!("{} {route}", method_label(&method)),
            };
            (Some(route), operation)
        }
        (Some(op), None) => (None, op.0.to_owned()),
        // Answered before routing (no place or turn in time, the deadline,
        // a body too large): named after the spec's operation at the path.
        (None, None) => match spec.operation_at(&method, uri.path()) {
            Some((route, op)) => (Some(route.to_owned()), op.to_owned()),
            None => (None, "unmatched".to_owned()),
        },
    };
    let status = resp.status().as_u16();
    let route = route.as_deref().unwrap_or("");
    let latency_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(route, operation, status, latency_ms, "request");
        } else {
            tracing::info!(route, operation, status, latency_ms, "request");
        }
    });
    if let Some(metrics) = &metrics {
        metrics.observe(&operation, status, elapsed);
    }
    let headers = resp.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_auth {
        // Tokens and account data: never kept by a browser or a proxy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
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
    fn sane_request_ids_are_kept_and_others_refused() {
        let keep = |s: &str| accepted(&HeaderValue::from_str(s).unwrap()).is_some();
        assert!(keep("0190c1e2-7b5a-7cc3-9d2e-1f0a2b3c4d5e"));
        assert!(keep("trace:abc.DEF_1-2"));
        assert!(!keep(""));
        assert!(!keep(&"a".repeat(129)));
        assert!(!keep("two words"));
        assert!(!keep("line\"break"));
    }

    #[test]
    fn route_templates_read_like_the_spec() {
        assert_eq!(
            template("/api/:user_id/tasks/:task_id"),
            "/api/{user_id}/tasks/{task_id}"
        );
        assert_eq!(template("/health/ready"), "/health/ready");
    }

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
