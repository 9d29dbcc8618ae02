//! The body-size limit every request passes.
use poem::error::ReadBodyError;
use poem::http::header;
use poem::{Body, Request};

use super::refusal::Refusal;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body whole, up to the limit, so that nothing later waits on
/// the client: a declared `Content-Length` over the limit is refused at
/// once, any other body (chunked, or undeclared) is read only up to the
/// limit. poem's `SizeLimit` cannot be used globally: it answers 411 to
/// every request without `Content-Length`, plain GETs included.
pub async fn read_body(mut req: Request) -> Result<Request, Refusal> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(Refusal::PayloadTooLarge);
    }
    match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
        Ok(bytes) => {
            req.set_body(Body::from(bytes));
            Ok(req)
        }
        Err(ReadBodyError::PayloadTooLarge) => Err(Refusal::PayloadTooLarge),
        Err(err) => Err(Refusal::UnreadableBody(err.to_string())),
    }
}
