//! The connection loop: accepts TCP connections and serves a poem endpoint
//! on each with hyper (HTTP/1.1, and HTTP/2 with prior knowledge), as
//! `poem::Server` does, with two differences that the benchmarks measured.
//!
//! - hyper sees the socket itself. `poem::Server` wraps every connection in
//!   a split, boxed reader/writer pair that does not report vectored
//!   writes, so hyper copies each response body into a per-connection
//!   buffer that keeps the size of the largest response that connection
//!   ever sent (BENCHMARKS.md). Here hyper writes head and body in one
//!   `writev` and keeps no copy.
//! - A failed `accept` (out of file descriptors, say) is logged and retried
//!   after a pause, instead of retried at once in a busy loop; and with
//!   `MAX_CONNECTIONS` below the descriptor limit it should not happen:
//!   past the cap new connections are closed at once, the last places
//!   before it serve only health probes (`limits.rs`), and the connections
//!   held are served on.
//! - Connections are timed: each is closed once it has had no request in
//!   progress for the idle timeout (`connection.rs`), and a request head
//!   must arrive whole within it and fit in `max_header_bytes`.
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use poem::http::uri::Scheme;
use poem::http::{HeaderValue, Version, header};
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, IntoEndpoint, Request};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

use connection::{Activity, Tracked};
use limits::{Admit, Places};
pub use limits::{ConnectionLimits, ProbesOnly, default_max_connections, probe_reserve};

mod connection;
mod limits;

/// How long to wait before accepting again after `accept` failed.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Binds with a listen backlog of 4096: the usual 128 makes the kernel drop
/// SYNs at ~1000 concurrent connections, which clients only retry after a
/// second.
pub fn bind(addr: &str) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let addr: SocketAddr = addr
        .parse()
        .with_context(|| format!("BIND_ADDR {addr:?} is not host:port"))?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .with_context(|| format!("binding {addr}"))?;
    let listener = socket.listen(4096)?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// Serves `ep` on `listener` within `limits` until `shutdown` resolves.
/// Then stops accepting, asks every connection to finish the request it is
/// on and close, and waits for that for at most `grace` (without bound
/// when `None`); connections still open after it are dropped.
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    grace: Option<Duration>,
) -> io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(ep.into_endpoint().map_to_response());
    let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
    let builder = builder(&limits);
    let places = Places::new(&limits);
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            // A finished connection's task is freed once it is joined.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    if !is_per_connection(&err) {
                        tracing::warn!(error = %err, "accepting a connection failed");
                        tokio::time::sleep(ACCEPT_RETRY).await;
                    }
                    continue;
                }
            },
        };
        let (place, admit) = places.take();
        if admit == Admit::Refused {
            // Closed at once: a refused connection is cheap and the client
            // can retry, while one more open socket brings the process
            // closer to its descriptor limit, where even probes fail.
            tracing::debug!(%peer, "connection cap reached: closing a new connection");
            continue;
        }
        let remote = RemoteAddr(Addr::SocketAddr(peer));
        let (ep, local, activity) = (ep.clone(), local.clone(), Activity::new());
        let tracker = activity.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let (ep, busy) = (ep.clone(), tracker.begin());
            let probes_only = admit == Admit::ProbesOnly;
            if probes_only {
                req.extensions_mut().insert(ProbesOnly);
            }
            let req = Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            let http1 = req.version() < Version::HTTP_2;
            async move {
                let mut resp = ep.get_response(req).await;
                // After a refused body (408, 413) the rest of it is unread;
                // a probes-only connection frees its place after one answer.
                let refused_body = matches!(resp.status().as_u16(), 408 | 413);
                if http1 && (probes_only || refused_body) {
                    resp.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                let resp = hyper::Response::from(resp).map(|body| Tracked::new(body, busy));
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let idle = limits.idle_timeout;
        let stopping = stopping.clone();
        connections.spawn(async move {
            connection::run(conn, activity, idle, stopping).await;
            drop(place);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    match grace {
        Some(grace) => {
            if tokio::time::timeout(grace, drained).await.is_err() {
                tracing::warn!(
                    open = connections.len(),
                    "grace period over: closing connections still busy"
                );
            }
        }
        None => drained.await,
    }
    connections.shutdown().await;
    Ok(())
}

/// hyper with a timer, without which its header-read timeout is silently
/// off: a request head must arrive whole within the idle timeout (hyper
/// closes the connection otherwise, and that includes a kept-alive
/// connection waiting for its next request, see `connection.rs`), and
/// must fit in `max_header_bytes` (else HTTP/1 answers 431; with hyper's
/// default of ~400 KB, 1,000 half-sent heads took the RSS from 128 MB to
/// 473 MB). hyper-util's builder sets the head limit only through the
/// connection's buffer size, which bounds its write buffer too: at 16 KiB
/// a 50-task list (~17 KB) went out in two writes and cost 10 % more
/// server CPU than with hyper's default; 64 KiB (the default) costs none.
fn builder(limits: &ConnectionLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

/// Errors of one connection that was never really accepted (the client gave
/// up first); the listener is fine and the next accept goes ahead at once.
fn is_per_connection(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}
