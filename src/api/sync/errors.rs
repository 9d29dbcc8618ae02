//! The problems each sync operation can answer with, as the spec declares
//! them.
use crate::api::error::ErrorCode::{self, *};
use crate::api::error::{BEARER, ErrorSet, error_set};

error_set! {
    /// The errors of a stream ticket's issue.
    TicketErrors("CreateStreamTicketProblem"): BEARER, &[Forbidden, ValidationFailed, RateLimited];
}

const EXPIRED: &str = "The cursor is older than the deletions the server keeps \
(`cursor_expired`, see `SYNC_RETENTION_DAYS`): sync again without a cursor.";
const MALFORMED: &str = "The request failed validation (`validation_failed`), e.g. a `cursor` \
(or `Last-Event-ID`) that this server did not issue for this feed.";

/// The errors of the change feed.
pub struct ChangesErrors;
impl ErrorSet for ChangesErrors {
    const SCHEMA: &'static str = "ListChangesProblem";
    const CODES: &'static [&'static [ErrorCode]] =
        &[BEARER, &[Forbidden, CursorExpired, ValidationFailed]];
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[(410, EXPIRED), (422, MALFORMED)];
}

/// The errors of the event stream, answered before it starts. A stream
/// takes no admission place and has no deadline, so it never meets
/// `request_timeout`; `server_busy` is the instance's stream cap.
pub struct EventsErrors;
impl ErrorSet for EventsErrors {
    const SCHEMA: &'static str = "StreamChangesProblem";
    const CODES: &'static [&'static [ErrorCode]] = &[
        BEARER,
        &[
            Forbidden,
            CursorExpired,
            ValidationFailed,
            TooManyStreams,
            ServerBusy,
        ],
    ];
    const COMMON: &'static [ErrorCode] = &[
        OriginNotAllowed,
        BodyTimeout,
        PayloadTooLarge,
        InternalError,
        DatabaseUnavailable,
        DatabaseTimeout,
    ];
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[
        (
            401,
            "Missing, malformed or expired bearer token (`missing_token`, `invalid_token`, \
             `token_expired`), a token whose session has ended (logged out, revoked, or \
             issued before the password changed: `invalid_token`), or a stream ticket that \
             is unknown, expired, already used or of such a session (`invalid_token`).",
        ),
        (410, EXPIRED),
        (422, MALFORMED),
        (
            429,
            "The user holds `MAX_STREAMS_PER_USER` streams on this instance, or the client \
             address `MAX_STREAMS_PER_CLIENT` (`too_many_streams`); close one, or retry after \
             `Retry-After` seconds.",
        ),
        (
            503,
            "The instance holds `MAX_STREAMS` streams (`server_busy`), or the database is \
             unavailable or too slow (`database_unavailable`, `database_timeout`); retry \
             after `Retry-After` seconds, through the load balancer.",
        ),
    ];
}
