//! How an event stream is opened: with the bearer token, or, for a
//! browser's `EventSource` (which cannot send headers), with a stream
//! ticket in the query string. The ticket is checked and used up by the
//! operation; the long-lived access token never appears in a URL.
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::ApiKey;

use super::BearerAuth;

/// A single-use ticket from `POST /api/{user_id}/events/ticket`, valid for
/// 60 seconds, sent as the `ticket` query parameter.
#[derive(SecurityScheme)]
#[oai(
    rename = "streamTicket",
    ty = "api_key",
    key_name = "ticket",
    key_in = "query",
    checker = "take_ticket"
)]
pub struct StreamTicket(pub String);

async fn take_ticket(_req: &Request, key: ApiKey) -> Option<String> {
    Some(key.key)
}

/// A stream ticket, or the bearer token. The bearer scheme comes last, so
/// a request with neither is answered as one without a token.
#[derive(SecurityScheme)]
pub enum StreamAuth {
    Ticket(StreamTicket),
    Bearer(BearerAuth),
}
