//! What a request may hold of the server, and for how long: its body is
//! read first (at most 64 KiB, within `BODY_READ_TIMEOUT_SECONDS`), then it waits for one of
//! `MAX_CONCURRENT_REQUESTS` places (first come, first served), and the
//! whole of it, body and wait included, must finish within
//! `REQUEST_TIMEOUT_SECONDS`. Event streams (`GET /api/{user_id}/events`)
//! are meant to stay open: they take no place and have no deadline (their
//! number is bounded per user instead, `MAX_STREAMS_PER_USER`).
//!
//! Without the places, every open connection's request ran as far as it
//! could and then waited for one of the pool's few database connections
//! with its whole handler future allocated: at 1000 connections the server
//! held ~100 MB of waiting futures (BENCHMARKS.md). Here the route tree is
//! boxed, and so is the body read, so a waiting request holds little more
//! than its parsed head and body, and its handler future is only allocated
//! once it is admitted. The body is read before the wait, so a slow upload
//! never holds a place.
//!
//! The operations that check a password take no place
//! (`checks_a_password`): they queue for the hashing threads instead
//! (`PasswordHasher`, which refuses them when that queue's expected wait
//! is over its bound), so a login flood never takes the places other
//! requests need. A request still waiting after
//! `ADMISSION_MAX_WAIT_MS` is answered 503 `server_busy` with
//! `Retry-After`: an overloaded server says so quickly instead of holding
//! every client until the deadline. The probes, the spec
//! and the docs neither wait nor have a deadline: a saturated server still
//! answers `/health/live`.
use std::sync::Arc;
use std::time::Duration;

use poem::http::Method;
use poem::{Endpoint, IntoResponse, Request, Response};
use tokio::sync::Semaphore;

use super::body_limit::read_body;
use super::refusal::Refusal;
use super::server::ProbesOnly;

#[derive(Clone)]
pub struct Admission {
    places: Arc<Semaphore>,
    max_wait: Duration,
    deadline: Duration,
    body_timeout: Duration,
}

impl Admission {
    /// `limit` requests at once, each waiting at most `max_wait` for a
    /// place and done within `deadline`, its body read within
    /// `body_timeout`; the password operations take no place.
    pub fn new(
        limit: usize,
        max_wait: Duration,
        deadline: Duration,
        body_timeout: Duration,
    ) -> Self {
        Self {
            places: Arc::new(Semaphore::new(limit.max(1))),
            max_wait,
            deadline,
            body_timeout,
        }
    }

    /// Serves `req` with `next`, a boxed endpoint, so that its future is
    /// only allocated once the request is admitted. Refusals, and poem's own
    /// errors (no such route, ...), go up as errors for the problem layer.
    pub async fn serve<E: Endpoint>(&self, next: &E, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        // A connection taken in the last places before `MAX_CONNECTIONS`
        // is kept for health probes.
        if req.extensions().get::<ProbesOnly>().is_some() && !path.starts_with("/health/") {
            tracing::warn!("connection cap nearly reached: refusing a request that is no probe");
            return Err(Refusal::ServerBusy.into());
        }
        if !path.starts_with("/api/") || is_event_stream(req.method(), path) {
            let req = Box::pin(read_body(req, self.body_timeout)).await?;
            return next.call(req).await.map(IntoResponse::into_response);
        }
        let checks_a_password = checks_a_password(req.method(), path);
        let admitted = async {
            let req = Box::pin(read_body(req, self.body_timeout)).await?;
            let _place = if checks_a_password {
                None
            } else {
                let place = tokio::time::timeout(self.max_wait, self.places.acquire()).await;
                let Ok(Ok(place)) = place else {
                    tracing::warn!(
                        max_wait_ms = self.max_wait.as_millis() as u64,
                        "no place for the request in time"
                    );
                    return Err(Refusal::ServerBusy);
                };
                Some(place)
            };
            Ok(next.call(req).await.map(IntoResponse::into_response))
        };
        // Past the deadline the work is dropped: an open transaction rolls
        // back, and the database connection goes back to the pool.
        match tokio::time::timeout(self.deadline, admitted).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(refusal)) => Err(refusal.into()),
            Err(_) => {
                tracing::warn!(
                    limit_s = self.deadline.as_secs_f64(),
                    "request deadline passed"
                );
                Err(Refusal::RequestTimeout.into())
            }
        }
    }
}

/// `GET /api/{user_id}/events`.
fn is_event_stream(method: &Method, path: &str) -> bool {
    let Some((_, rest)) = path.strip_prefix("/api/").and_then(|p| p.split_once('/')) else {
        return false;
    };
    method == Method::GET && rest == "events"
}

/// The operations that run bcrypt (sign-up, log-in, the token endpoint,
/// a password change, deleting the account) take no place (they still
/// have the deadline): the hashing queue bounds them (503 when its
/// expected wait exceeds `BCRYPT_MAX_WAIT_MS`), and with places too a
/// login flood would take the places every other request needs.
fn checks_a_password(method: &Method, path: &str) -> bool {
    match path.strip_prefix("/api/auth/") {
        Some("signup" | "login" | "token" | "password") => method == Method::POST,
        Some("me") => method == Method::DELETE,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
