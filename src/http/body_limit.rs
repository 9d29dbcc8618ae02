//! The body-size limit and the body-read timeout every request passes.
use std::time::Duration;

use poem::http::{Version, header};
use poem::{Body, Request};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;

use super::refusal::Refusal;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The most of an oversize body read (and thrown away) before its 413, so
/// that a client that only reads once it has sent everything (Python's
/// urllib, say) finds the answer instead of a reset connection. Beyond it
/// the answer goes out at once and the connection is closed.
pub const MAX_DISCARDED_BYTES: u64 = 1024 * 1024;

/// Reads the body whole, up to the limit and within `timeout`, so that
/// nothing later waits on the client; past the timeout the answer is 408
/// `body_timeout`. A body over the limit is refused with 413, after the
/// rest of it (up to `MAX_DISCARDED_BYTES`, within `timeout`) has been read
/// and thrown away, unless the client waits for `100 Continue` before
/// sending it: then it is refused before it is sent. poem's `SizeLimit`
/// cannot be used globally: it answers 411 to every request without
/// `Content-Length`, plain GETs included.
pub async fn read_body(mut req: Request, timeout: Duration) -> Result<Request, Refusal> {
    let deadline = Instant::now() + timeout;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // An HTTP/1 request with neither a length nor a transfer coding has no
    // body (RFC 9112 §6.3): nothing to read, or to time. (HTTP/2 may send a
    // body without declaring its length.)
    let bodyless = declared == Some(0)
        || (declared.is_none()
            && req.version() <= Version::HTTP_11
            && !req.headers().contains_key(header::TRANSFER_ENCODING));
    if bodyless {
        return Ok(req);
    }
    let waits_for_continue = req
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if let Some(length) = declared.filter(|&length| length > MAX_BODY_BYTES as u64) {
        // hyper sends `100 Continue` only once the body is read: not
        // reading it answers such a client before it sends anything.
        if !waits_for_continue && length <= MAX_DISCARDED_BYTES {
            discard(
                req.take_body().into_async_read(),
                MAX_DISCARDED_BYTES,
                deadline,
            )
            .await;
        }
        return Err(Refusal::PayloadTooLarge);
    }
    let mut body = req.take_body().into_async_read();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = tokio::time::timeout_at(deadline, body.read(&mut chunk)).await;
        match read {
            Err(_) => return Err(Refusal::BodyTimeout),
            Ok(Err(err)) => return Err(Refusal::UnreadableBody(err.to_string())),
            Ok(Ok(0)) => break,
            Ok(Ok(n)) if bytes.len() + n > MAX_BODY_BYTES => {
                let rest = MAX_DISCARDED_BYTES.saturating_sub((bytes.len() + n) as u64);
                discard(body, rest, deadline).await;
                return Err(Refusal::PayloadTooLarge);
            }
            Ok(Ok(n)) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    req.set_body(Body::from(bytes));
    Ok(req)
}

/// Reads and throws away at most `limit` bytes of `body`, until `deadline`.
async fn discard(body: impl AsyncRead + Unpin, limit: u64, deadline: Instant) {
    let mut rest = body.take(limit);
    let mut sink = tokio::io::sink();
    let drained = tokio::io::copy(&mut rest, &mut sink);
    let _ = tokio::time::timeout_at(deadline, drained).await;
}
