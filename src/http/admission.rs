//! What a request may hold of the server, and for how long: its body is
//! read first (at most 64 KiB), then it waits for one of
//! `MAX_CONCURRENT_REQUESTS` places (first come, first served), and the
//! whole of it, body and wait included, must finish within
//! `REQUEST_TIMEOUT_SECONDS`.
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
//! The operations that check a password wait for a turn of the bcrypt
//! gate instead (`checks_a_password`, `PasswordHasher::turn`), so a login
//! flood never takes the places other requests need, and waits there as
//! cheaply as they do. A request still waiting after
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

use super::{Refusal, read_body};
use crate::auth::PasswordHasher;

#[derive(Clone)]
pub struct Admission {
    places: Arc<Semaphore>,
    max_wait: Duration,
    deadline: Duration,
    passwords: PasswordHasher,
}

impl Admission {
    /// `limit` requests at once, each waiting at most `max_wait` for a
    /// place and done within `deadline`; the password operations wait for
    /// a turn of `passwords` instead.
    pub fn new(
        limit: usize,
        max_wait: Duration,
        deadline: Duration,
        passwords: PasswordHasher,
    ) -> Self {
        Self {
            places: Arc::new(Semaphore::new(limit.max(1))),
            max_wait,
            deadline,
            passwords,
        }
    }

    /// Serves `req` with `next`, a boxed endpoint, so that its future is
    /// only allocated once the request is admitted. Refusals, and poem's own
    /// errors (no such route, ...), go up as errors for the problem layer.
    pub async fn serve<E: Endpoint>(&self, next: &E, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        if !path.starts_with("/api/") {
            let req = Box::pin(read_body(req)).await?;
            return next.call(req).await.map(IntoResponse::into_response);
        }
        let checks_a_password = checks_a_password(req.method(), path);
        let admitted = async {
            let req = Box::pin(read_body(req)).await?;
            let (_place, _turn) = if checks_a_password {
                let turn = self.passwords.turn().await.map_err(|_| {
                    tracing::warn!("no turn for the password check in time");
                    Refusal::ServerBusy
                })?;
                (None, Some(turn))
            } else {
                let place = tokio::time::timeout(self.max_wait, self.places.acquire()).await;
                let Ok(Ok(place)) = place else {
                    tracing::warn!(
                        max_wait_ms = self.max_wait.as_millis() as u64,
                        "no place for the request in time"
                    );
                    return Err(Refusal::ServerBusy);
                };
                (Some(place), None)
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

/// The operations that run bcrypt (sign-up, log-in, the token endpoint,
/// a password change, deleting the account) take a turn of the bcrypt
/// gate instead of a place (they still have the deadline): that gate
/// bounds them (`BCRYPT_CONCURRENCY`, and 503 after `BCRYPT_MAX_WAIT_MS`),
/// and with places too a login flood would either take the places every
/// other request needs or wait twice.
fn checks_a_password(method: &Method, path: &str) -> bool {
    match path.strip_prefix("/api/auth/") {
        Some("signup" | "login" | "token" | "password") => method == Method::POST,
        Some("me") => method == Method::DELETE,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::http::StatusCode;
    use poem::{EndpointExt, handler};

    #[handler]
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_millis(300)).await;
        "done"
    }

    async fn app(limit: usize, max_wait_ms: u64) -> Arc<impl Endpoint<Output = Response>> {
        app_with_deadline(limit, max_wait_ms, 5_000).await
    }

    /// Places for `limit` requests; one bcrypt slot, so two turns for the
    /// password operations; every wait at most `max_wait_ms`.
    async fn app_with_deadline(
        limit: usize,
        max_wait_ms: u64,
        deadline_ms: u64,
    ) -> Arc<impl Endpoint<Output = Response>> {
        let max_wait = Duration::from_millis(max_wait_ms);
        let passwords = PasswordHasher::new(4, 1, max_wait);
        let admission = Admission::new(
            limit,
            max_wait,
            Duration::from_millis(deadline_ms),
            passwords,
        );
        let app = poem::Route::new()
            .at("/api/:user/tasks", slow)
            .at("/api/auth/login", poem::post(slow))
            .at("/api/auth/signup", poem::post(slow))
            .at("/api/auth/token", poem::post(slow))
            .at("/api/auth/me", slow)
            .at("/health/live", slow)
            .boxed()
            .around(move |next, req| {
                let admission = admission.clone();
                async move { admission.serve(next.as_ref(), req).await }
            });
        Arc::new(app)
    }

    /// Sends `GET path` in a task of its own; its status when answered.
    fn get(
        app: &Arc<impl Endpoint<Output = Response> + 'static>,
        path: &'static str,
    ) -> tokio::task::JoinHandle<StatusCode> {
        send(app, Method::GET, path)
    }

    fn send(
        app: &Arc<impl Endpoint<Output = Response> + 'static>,
        method: Method,
        path: &'static str,
    ) -> tokio::task::JoinHandle<StatusCode> {
        let app = app.clone();
        tokio::spawn(async move {
            let req = Request::builder().method(method).uri_str(path).finish();
            app.call(req)
                .await
                .map_or_else(|e| e.status(), |r| r.status())
        })
    }

    #[tokio::test]
    async fn a_request_beyond_the_limit_waits_and_then_gets_503_server_busy() {
        let app = app(1, 50).await;
        let first = get(&app, "/api/u/tasks");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = app
            .call(Request::builder().uri_str("/api/u/tasks").finish())
            .await
            .unwrap_err();
        assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(matches!(
            second.downcast_ref::<Refusal>(),
            Some(Refusal::ServerBusy)
        ));
        assert_eq!(first.await.unwrap(), StatusCode::OK);
    }

    #[tokio::test]
    async fn password_operations_beyond_their_turns_wait_and_then_get_503_server_busy() {
        let app = app(8, 50).await;
        let first = send(&app, Method::POST, "/api/auth/login");
        let second = send(&app, Method::POST, "/api/auth/signup");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let third = send(&app, Method::POST, "/api/auth/token");
        // The turns are the password operations' own: other requests go on.
        let tasks = get(&app, "/api/u/tasks");
        assert_eq!(third.await.unwrap(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(first.await.unwrap(), StatusCode::OK);
        assert_eq!(second.await.unwrap(), StatusCode::OK);
        assert_eq!(tasks.await.unwrap(), StatusCode::OK);
    }

    #[tokio::test]
    async fn logins_and_probes_take_no_place() {
        let app = app(1, 50).await;
        let busy = get(&app, "/api/u/tasks");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let login = send(&app, Method::POST, "/api/auth/login");
        let live = get(&app, "/health/live");
        // Other auth operations do take one.
        let me = get(&app, "/api/auth/me");
        assert_eq!(me.await.unwrap(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(login.await.unwrap(), StatusCode::OK);
        assert_eq!(live.await.unwrap(), StatusCode::OK);
        assert_eq!(busy.await.unwrap(), StatusCode::OK);
    }

    #[tokio::test]
    async fn every_api_request_has_the_deadline_logins_included_and_probes_not() {
        let app = app_with_deadline(4, 50, 100).await;
        let timeout = StatusCode::GATEWAY_TIMEOUT;
        assert_eq!(get(&app, "/api/u/tasks").await.unwrap(), timeout);
        let login = send(&app, Method::POST, "/api/auth/login");
        assert_eq!(login.await.unwrap(), timeout);
        assert_eq!(get(&app, "/health/live").await.unwrap(), StatusCode::OK);
    }

    #[test]
    fn the_password_operations_are_the_ones_that_run_bcrypt() {
        assert!(checks_a_password(&Method::POST, "/api/auth/login"));
        assert!(checks_a_password(&Method::POST, "/api/auth/signup"));
        assert!(checks_a_password(&Method::POST, "/api/auth/token"));
        assert!(checks_a_password(&Method::POST, "/api/auth/password"));
        assert!(checks_a_password(&Method::DELETE, "/api/auth/me"));
        assert!(!checks_a_password(&Method::GET, "/api/auth/me"));
        assert!(!checks_a_password(&Method::POST, "/api/auth/refresh"));
        assert!(!checks_a_password(&Method::POST, "/api/u/tasks"));
    }

    #[tokio::test]
    async fn waiting_requests_are_admitted_as_places_free_up() {
        let app = app(2, 2_000).await;
        let requests: Vec<_> = (0..6).map(|_| get(&app, "/api/u/tasks")).collect();
        for request in requests {
            assert_eq!(request.await.unwrap(), StatusCode::OK);
        }
    }

    #[tokio::test]
    async fn poems_own_errors_pass_through_for_the_problems_layer() {
        let app = app(1, 50).await;
        let err = app
            .call(Request::builder().uri_str("/api/nowhere").finish())
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
    }
}
