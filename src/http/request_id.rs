//! Request ids: the client's `X-Request-Id` when sane, else a new UUID v7;
//! known to everything that runs while the request is served.
use std::future::Future;
use std::sync::Arc;

use poem::http::{HeaderName, HeaderValue};
use uuid::Uuid;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request this task is serving, for problem bodies.
    static CURRENT: Arc<str>;
}

/// The id of the request being served, when called while serving one.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.to_string()).ok()
}

/// Runs `serve` with `id` as the current request's id.
pub fn with_request_id<F: Future>(id: Arc<str>, serve: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(id, serve)
}

/// The id a request is known by: the client's own when it is sane.
pub fn request_id_of(header: Option<&HeaderValue>) -> Arc<str> {
    header
        .and_then(accepted)
        .unwrap_or_else(|| Uuid::now_v7().to_string().into())
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
}
