//! One connection: hyper serving it, and a watchdog that closes it once no
//! request has been in progress for the idle timeout.
//!
//! hyper's own HTTP/1 header-read timer (it needs the timer given in
//! `mod.rs`) already covers most of this: in hyper 1.12 it starts whenever
//! the connection waits for a request head (`Conn::poll_read_head`), and
//! that includes a kept-alive connection waiting for its next request
//! (`State::idle` re-arms it), so an idle HTTP/1 connection is closed after
//! the header-read timeout. The watchdog covers what hyper's timer does
//! not: the first bytes, which hyper-util's auto builder reads (to tell
//! HTTP/1 from HTTP/2) before hyper sees the connection, so a silent
//! connection or a partial HTTP/2 preface would wait forever; and HTTP/2,
//! whose idle connections hyper never closes (keep-alive pings only find
//! dead peers, and any HTTP/2 client answers them).
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::{Body, Frame, SizeHint};
use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::watch;

/// How long a connection told to close (idle, or server shutdown) may take
/// to do it: HTTP/2's GOAWAY waits for the peer's ping answer.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Requests in progress on one connection, each counted from the moment
/// hyper hands it over until its response body is written (or dropped),
/// and when the last one ended. Plain atomics: a request's start and end
/// wake nothing; the watchdog looks when its own timer fires (at most once
/// per idle period), so an active connection costs no extra wake-ups.
#[derive(Clone)]
pub(super) struct Activity(Arc<State>);

struct State {
    in_progress: AtomicUsize,
    /// When the last request ended (or the connection opened), as
    /// milliseconds since `opened`.
    last_end_ms: AtomicU64,
    opened: Instant,
}

impl State {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Activity {
    pub(super) fn new() -> Self {
        Self(Arc::new(State {
            in_progress: AtomicUsize::new(0),
            last_end_ms: AtomicU64::new(0),
            opened: Instant::now(),
        }))
    }

    /// Counts a request until the returned guard is dropped.
    pub(super) fn begin(&self) -> Busy {
        self.0.in_progress.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }

    /// Resolves once no request has been in progress for `idle`.
    async fn idle_for(&self, idle: Duration) {
        let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        loop {
            let wait_ms = if self.0.in_progress.load(Ordering::Acquire) > 0 {
                idle_ms
            } else {
                let quiet_ms = self
                    .0
                    .now_ms()
                    .saturating_sub(self.0.last_end_ms.load(Ordering::Acquire));
                if quiet_ms >= idle_ms {
                    return;
                }
                idle_ms - quiet_ms
            };
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        }
    }
}

/// One request in progress; dropping it ends it.
pub(super) struct Busy(Arc<State>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.last_end_ms.store(self.0.now_ms(), Ordering::Release);
        self.0.in_progress.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted until it is written.
pub(super) struct Tracked<B> {
    body: B,
    _busy: Busy,
}

impl<B> Tracked<B> {
    pub(super) fn new(body: B, busy: Busy) -> Self {
        Self { body, _busy: busy }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Serves `conn` until it ends, until it has been idle for `idle`, or until
/// `shutdown` turns true; in the last two cases it is asked to close
/// (HTTP/1: after the response in progress; HTTP/2: GOAWAY) and dropped if
/// it has not within `CLOSE_GRACE` of going idle. On shutdown the server's
/// grace period bounds the wait instead.
pub(super) async fn run<C>(
    conn: C,
    activity: Activity,
    idle: Duration,
    mut shutdown: watch::Receiver<bool>,
) where
    C: GracefulConnection,
    C::Error: std::fmt::Display,
{
    tokio::pin!(conn);
    let idle_close = tokio::select! {
        ended = conn.as_mut() => return log_end(ended),
        () = activity.idle_for(idle) => true,
        _ = shutdown.wait_for(|stop| *stop) => false,
    };
    conn.as_mut().graceful_shutdown();
    if idle_close {
        tracing::debug!(idle_s = idle.as_secs_f64(), "closing an idle connection");
        if let Ok(ended) = tokio::time::timeout(CLOSE_GRACE, conn).await {
            log_end(ended);
        }
    } else {
        log_end(conn.await);
    }
}

/// A client that resets or stalls mid-request ends its own connection;
/// that is no server error.
fn log_end<E: std::fmt::Display>(ended: Result<(), E>) {
    if let Err(err) = ended {
        tracing::debug!(error = %err, "connection ended with an error");
    }
}
