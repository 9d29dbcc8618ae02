//! Sync and live updates, under `/api/{user_id}`: the change feed, the
//! event stream of the same changes, and the tickets that open a stream
//! from a browser.
mod errors;
mod examples;
mod payload;
mod schema;
mod stream;

use std::collections::VecDeque;

use crate::service::Db;
use poem::Request;
use poem_openapi::param::{Header, Path};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use errors::{ChangesErrors, EventsErrors, TicketErrors};
use payload::Events;
pub use schema::{ChangeBody, ChangePage, ChangeType, StreamTicketBody, Tombstone};
use stream::{LiveFeed, PAGE};

use crate::api::ApiTags;
use crate::api::error::ApiResult;
use crate::api::operation::{queued, stream};
use crate::api::owner;
use crate::api::schema::rule::{Range, Text};
use crate::api::schema::{JsonReply, lenient};
use crate::auth::StreamAuth;
use crate::domain::{CursorKey, Error, Source};
use crate::http::{Metrics, TrustedProxies};
use crate::service::sync::{self, ChangeHub};

/// The open stream.
#[derive(ApiResponse)]
pub enum StreamResponse {
    /// The stream (`text/event-stream`): one event per change, `event` the
    /// change's `type`, `data` the `Change`, `id` its cursor; a comment
    /// line every 15 seconds while nothing happens.
    #[oai(status = 200)]
    Ok(
        Events,
        /// Always `no-cache`: nothing may store the stream.
        #[oai(header = "Cache-Control")]
        String,
        /// Always `no`: proxies such as nginx pass each event on at once.
        #[oai(header = "X-Accel-Buffering")]
        String,
    ),
}

fn default_limit() -> u64 {
    100
}

/// The sync operations; they own the database handle, this instance's
/// change hub and the metrics.
#[derive(Clone)]
pub struct SyncApi {
    pub db: Db,
    pub hub: ChangeHub,
    pub metrics: Metrics,
    /// Seals the cursors handed out and opens those sent back.
    pub cursors: CursorKey,
    /// Whose `X-Forwarded-For` names the client the stream caps count.
    pub proxies: TrustedProxies,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Sync")]
impl SyncApi {
    /// List changes
    ///
    /// Without `cursor`: the caller's current tasks, page by page. With the
    /// `next_cursor` of an earlier answer: every task created or changed
    /// since (the whole task) and every task deleted since (a tombstone),
    /// oldest first, each change once; writes that commit while a client
    /// pages are never skipped. Keep asking while `has_more` is true, then
    /// keep the last `next_cursor` for the next sync. A cursor older than
    /// the server keeps deletions for (`SYNC_RETENTION_DAYS`) is 410
    /// `cursor_expired`: sync again without one.
    #[oai(
        path = "/:user_id/changes",
        method = "get",
        operation_id = "listChanges",
        transform = "queued"
    )]
    async fn list_changes(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        /// An opaque cursor from an earlier answer (`next_cursor`) or event
        /// (`id`).
        cursor: lenient::Query<Option<String>, Text<128>>,
        /// The most changes to return, 1 to 500.
        #[oai(default = "default_limit")]
        limit: lenient::Query<u64, Range<1, 500>>,
    ) -> ApiResult<JsonReply<ChangePage>, ChangesErrors> {
        // The first bad parameter answers for all of them.
        let owner = user_id.take()?;
        let (cursor, limit) = (cursor.take()?, limit.take()?);
        let cursor = cursor
            .as_deref()
            .map(|text| self.cursors.open(owner, text, Source::Query, "cursor"))
            .transpose();
        let page = sync::changes(&self.db, owner, owner, cursor?, limit)
            .await
            .map_err(|e| e.at(Source::Query, "cursor"))?;
        Ok(JsonReply(ChangePage::new(page, &self.cursors, owner)).into())
    }

    /// Get a stream ticket
    ///
    /// A ticket that opens one event stream within 60 seconds, for a
    /// browser's `EventSource`, which cannot send an `Authorization`
    /// header: pass it as `?ticket=`. It works once, and belongs to the
    /// session of the token that asked for it: the stream it opens ends when
    /// that token expires or that session ends. Each user gets at most 30
    /// tickets a minute (429 `rate_limited` beyond).
    #[oai(
        path = "/:user_id/events/ticket",
        method = "post",
        operation_id = "createStreamTicket",
        transform = "queued"
    )]
    async fn create_stream_ticket(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
    ) -> ApiResult<JsonReply<StreamTicketBody>, TicketErrors> {
        let credential = user_id.credential();
        let owner = user_id.take()?;
        let ticket = sync::issue_ticket(&self.db, &credential, owner).await?;
        Ok(JsonReply(StreamTicketBody {
            ticket,
            expires_in: sync::TICKET_TTL_SECONDS.unsigned_abs(),
        })
        .into())
    }

    /// Stream changes
    ///
    /// Server-Sent Events: one event per change to the caller's tasks, from
    /// every instance, as it commits. The event's type is the change's
    /// `type`, its data the `Change`, its `id` the change's cursor. A client
    /// that reconnects with `Last-Event-ID` first gets every change it
    /// missed; without it, changes from now on. A comment is sent every 15
    /// seconds when nothing happens. Authenticate with the bearer token, or
    /// from a browser's `EventSource` with a ticket (`?ticket=`). Each user
    /// may hold `MAX_STREAMS_PER_USER` streams on an instance (429 beyond);
    /// streams end when the server shuts down (reconnect then). When the
    /// token the stream was opened with expires, or within a few seconds of
    /// its session ending (log-out, a revoked session, a password change, a
    /// deleted account), the stream sends a last event of type
    /// `stream.ended`, whose data names the reason (`{"reason":
    /// "token_expired"}`; also `logged_out`, `session_revoked`,
    /// `password_changed`, `account_deleted`) and whose `id` is the cursor
    /// to resume from, and closes: reconnect with a valid token.
    #[oai(
        path = "/:user_id/events",
        method = "get",
        operation_id = "streamChanges",
        transform = "stream"
    )]
    async fn stream_changes(
        &self,
        req: &Request,
        auth: StreamAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The `id` of the last event received, to resume after it.
        #[oai(name = "Last-Event-ID", validator(max_length = 128))]
        last_event_id: Header<Option<String>>,
    ) -> ApiResult<StreamResponse, EventsErrors> {
        let credential = match auth {
            StreamAuth::Bearer(bearer) => bearer.credential(),
            StreamAuth::Ticket(ticket) => sync::redeem_ticket(&self.db, &ticket.0).await?,
        };
        let (caller, owner) = (credential.user_id, user_id.0);
        let resume = last_event_id
            .0
            .as_deref()
            .map(|text| {
                self.cursors
                    .open(owner, text, Source::Header, "Last-Event-ID")
            })
            .transpose();
        let head = sync::head(&self.db, caller, owner).await?;
        // Registered before the session is checked: a session that ends
        // after the check finds the stream there to end.
        let slot = self
            .hub
            .open_stream(&credential, self.proxies.client_of(req))?;
        if sync::revocations::ended(&self.db, &credential)
            .await?
            .is_some()
        {
            return Err(Error::InvalidToken.into());
        }
        let mut feed = LiveFeed {
            db: self.db.clone(),
            owner,
            cursor: head,
            buffer: VecDeque::new(),
            // A change committed between reading `head` and registering the
            // stream woke no one: read once to be sure.
            pending: true,
            closing: self.hub.closing(),
            metrics: self.metrics.clone(),
            cursors: self.cursors.clone(),
            expires: expiry(credential.expires_at),
            sent: None,
            ended: false,
            slot,
            _open: self.metrics.stream_opened(),
        };
        if let Some(cursor) = resume? {
            feed.sent = Some(self.cursors.seal(owner, &cursor));
            let page = sync::changes(&self.db, caller, owner, Some(cursor), PAGE).await;
            feed.take(page.map_err(|e| e.at(Source::Header, "Last-Event-ID"))?);
        } else {
            feed.sent = Some(self.cursors.seal(owner, &head));
        }
        let events = Events(feed.into_stream());
        Ok(StreamResponse::Ok(events, "no-cache".into(), "no".into()).into())
    }
}

/// The instant a token expiring at `expires_at` (seconds since the epoch)
/// expires.
fn expiry(expires_at: i64) -> tokio::time::Instant {
    let left = expires_at.saturating_sub(chrono::Utc::now().timestamp());
    tokio::time::Instant::now() + std::time::Duration::from_secs(left.max(0).unsigned_abs())
}
