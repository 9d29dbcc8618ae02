//! The connection loop: accepts TCP connections and serves a poem endpoint
//! on each with hyper (HTTP/1.1, and HTTP/2 with prior knowledge), as
//! `poem::Server` does, with two differences that the benchmarks measured.
//!
//! - hyper sees the socket itself. `poem::Server` wraps every connection in
//!   a split, boxed reader/writer pair that does not report vectored
//!   writes, so hyper copies each response body into a per-connection
//!   buffer that keeps the size of the largest response that connection
//!   ever sent (~35 MB at 1000 connections listing tasks). Here hyper
//!   writes head and body in one `writev` and keeps no copy.
//! - A failed `accept` (out of file descriptors, say) is logged and retried
//!   after a pause, instead of retried at once in a busy loop.
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, IntoEndpoint, Request};
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinSet;

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

/// Serves `ep` on `listener` until `shutdown` resolves. Then stops
/// accepting, asks every connection to finish the request it is on and
/// close, and waits for that for at most `grace` (without bound when
/// `None`); connections still open after it are dropped.
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    shutdown: impl Future<Output = ()>,
    grace: Option<Duration>,
) -> io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(ep.into_endpoint().map_to_response());
    let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
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
        let remote = RemoteAddr(Addr::SocketAddr(peer));
        let (ep, local) = (ep.clone(), local.clone());
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let ep = ep.clone();
            let req = Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            async move {
                let resp = ep.get_response(req).await;
                Ok::<_, Infallible>(hyper::Response::from(resp))
            }
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        connections.spawn(async move {
            // A client that resets or stalls mid-request ends its own
            // connection; that is no server error.
            if let Err(err) = conn.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let finished = graceful.shutdown();
    match grace {
        Some(grace) => {
            if tokio::time::timeout(grace, finished).await.is_err() {
                tracing::warn!(
                    open = connections.len(),
                    "grace period over: closing connections still busy"
                );
            }
        }
        None => finished.await,
    }
    connections.shutdown().await;
    Ok(())
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
