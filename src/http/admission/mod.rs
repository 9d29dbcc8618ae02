//! What a request may hold of the server, and for how long. Its body is
//! read first (at most 64 KiB, within `BODY_READ_TIMEOUT_SECONDS`), so a
//! slow upload never holds a place. Near `MAX_CONNECTIONS` only health
//! probes are served.
//!
//! How an operation is then admitted, it says itself (`Admitted`, wrapped
//! around it where it is declared): most wait for one of
//! `MAX_CONCURRENT_REQUESTS` places; the ones that check a password queue
//! for the hashing threads instead. Both must finish within
//! `REQUEST_TIMEOUT_SECONDS` of the request's arrival, body included, and
//! past it the work is dropped. Event streams hold no place and have no
//! deadline; probes, the spec and the docs neither wait nor have one. A request
//! still waiting after `ADMISSION_MAX_WAIT_MS` is answered 503
//! `server_busy`. The handler's future is allocated only once the request
//! has its place, so a waiting request holds little more than its parsed
//! head and body.
use std::sync::Arc;
use std::time::Duration;

use poem::{Endpoint, IntoResponse, Request, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout_at};

use super::body_limit::read_body;
use super::refusal::Refusal;
use super::server::ProbesOnly;
use share::{SharePart, Shares};
use uuid::Uuid;

mod share;

#[derive(Clone)]
pub struct Admission {
    places: Places,
    deadline: Duration,
    body_timeout: Duration,
}

/// The places requests wait for, first come, first served, each user's
/// requests within that user's share.
#[derive(Clone)]
pub struct Places {
    free: Arc<Semaphore>,
    max_wait: Duration,
    shares: Option<(Shares, Identify)>,
}

/// Who a request is from, when it says so credibly (a valid bearer token).
pub type Identify = Arc<dyn Fn(&Request) -> Option<Uuid> + Send + Sync>;

impl Admission {
    /// `limit` places, each waited for at most `max_wait`; every request
    /// done within `deadline`, its body read within `body_timeout`.
    pub fn new(
        limit: usize,
        max_wait: Duration,
        deadline: Duration,
        body_timeout: Duration,
    ) -> Self {
        Self {
            places: Places {
                free: Arc::new(Semaphore::new(limit.max(1))),
                max_wait,
                shares: None,
            },
            deadline,
            body_timeout,
        }
    }

    /// At most `per_user` places for the requests of one user, as
    /// `identify` tells them apart; a request it cannot place in a user
    /// shares only the total.
    pub fn with_shares(mut self, per_user: usize, identify: Identify) -> Self {
        self.places.shares = Some((Shares::new(per_user), identify));
        self
    }

    /// Serves `req` with `next`. Refusals, and poem's own errors (no such
    /// route, ...), go up as errors for the problem layer.
    pub async fn serve<E: Endpoint>(&self, next: &E, mut req: Request) -> poem::Result<Response> {
        // A connection taken in the last places before `MAX_CONNECTIONS`
        // is kept for health probes.
        let probe = req.uri().path().starts_with("/health/");
        if req.extensions().get::<ProbesOnly>().is_some() && !probe {
            tracing::warn!("connection cap nearly reached: refusing a request that is no probe");
            return Err(Refusal::ServerBusy.into());
        }
        // The deadline counts from now: reading the body is part of it.
        req.extensions_mut().insert(Ticket {
            places: self.places.clone(),
            deadline: Instant::now() + self.deadline,
            limit: self.deadline,
        });
        let req = Box::pin(read_body(req, self.body_timeout)).await?;
        next.call(req).await.map(IntoResponse::into_response)
    }
}

/// What an operation is admitted with: the places, and its request's
/// deadline.
#[derive(Clone)]
struct Ticket {
    places: Places,
    deadline: Instant,
    limit: Duration,
}

/// How an operation is admitted once its request is routed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// It waits for a place.
    Place,
    /// It takes no place: it checks a password, and queues for the hashing
    /// threads instead, so that a login flood never takes the places other
    /// requests need.
    NoPlace,
    /// An event stream: no place (streams are bounded per user) and no
    /// deadline (it is meant to stay open).
    Stream,
}

/// An operation wrapped in its admission; it marks its answers with how it
/// was admitted.
pub struct Admitted<E> {
    pub endpoint: E,
    pub admit: Admit,
}

impl<E: Endpoint> Endpoint for Admitted<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let Some(ticket) = req.extensions().get::<Ticket>().cloned() else {
            return Err(poem::Error::from_string(
                "no admission in front of the operation",
                poem::http::StatusCode::INTERNAL_SERVER_ERROR,
            ));
        };
        let admitted = async {
            let _place = match self.admit {
                Admit::Place => Some(take_place(&ticket.places, &req).await?),
                Admit::NoPlace | Admit::Stream => None,
            };
            // Boxed, so that the handler's future is only allocated once admitted.
            Box::pin(self.endpoint.call(req))
                .await
                .map(IntoResponse::into_response)
        };
        let mut answer = match self.admit {
            Admit::Stream => admitted.await,
            // Past the deadline the work is dropped: an open transaction
            // rolls back, and the connection goes back to the pool.
            Admit::Place | Admit::NoPlace => timeout_at(ticket.deadline, admitted)
                .await
                .unwrap_or_else(|_| {
                    let limit_s = ticket.limit.as_secs_f64();
                    tracing::warn!(limit_s, "request deadline passed");
                    Err(Refusal::RequestTimeout.into())
                }),
        };
        match &mut answer {
            Ok(resp) => resp.set_data(self.admit),
            Err(err) => err.set_data(self.admit),
        }
        answer
    }
}

/// A place, within the user's share first: a user over it waits for its
/// own requests, never holding one of the places the others wait for.
async fn take_place(
    places: &Places,
    req: &Request,
) -> poem::Result<(Option<SharePart>, OwnedSemaphorePermit)> {
    let part = match &places.shares {
        Some((shares, identify)) => match identify(req) {
            Some(user) => Some(shares.take(user, places.max_wait).await?),
            None => None,
        },
        None => None,
    };
    let free = Arc::clone(&places.free);
    match tokio::time::timeout(places.max_wait, free.acquire_owned()).await {
        Ok(Ok(place)) => Ok((part, place)),
        _ => {
            tracing::warn!(
                max_wait_ms = places.max_wait.as_millis() as u64,
                "no place for the request in time"
            );
            Err(Refusal::ServerBusy.into())
        }
    }
}

#[cfg(test)]
mod tests;
