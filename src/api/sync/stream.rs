//! One live event stream: it reads the change feed after its cursor
//! whenever the hub says its user's tasks changed, and sends each change
//! as an event whose `id` is the change's cursor. It ends when the client
//! goes away, when the server shuts down, or on a failure (the client
//! reconnects with `Last-Event-ID` and misses nothing); and, after a last
//! `stream.ended` event saying why, when the token it was opened with
//! expires or its session ends.
use std::collections::VecDeque;

use crate::service::Db;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use poem::web::sse::Event;
use poem_openapi::types::ToJSON;
use tokio::sync::watch;
use uuid::Uuid;

use super::schema::ChangeBody;
use crate::domain::{Cursor, CursorKey};
use crate::http::{InFlight, Metrics};
use crate::service::sync::{self, Ending, FeedPage, StreamSlot};

/// The type of the last event of a stream the server ends early.
pub const ENDED: &str = "stream.ended";

/// Changes read from the feed at a time.
pub const PAGE: u64 = 100;

/// What a stream holds while it is open.
pub struct LiveFeed {
    pub db: Db,
    pub owner: Uuid,
    pub cursor: Cursor,
    /// Changes read and not yet sent.
    pub buffer: VecDeque<ChangeBody>,
    /// The feed has (or may have) more after `cursor`.
    pub pending: bool,
    pub closing: watch::Receiver<bool>,
    pub metrics: Metrics,
    pub cursors: CursorKey,
    /// When the token it was opened with expires.
    pub expires: tokio::time::Instant,
    /// The cursor of the last event sent: the last event's `id`.
    pub sent: Option<String>,
    /// Whether it ended (the last event was sent).
    pub ended: bool,
    /// The user's place (which also says when the session ended) and the
    /// open-streams gauge, given back when the stream ends.
    pub slot: StreamSlot,
    pub _open: InFlight,
}

impl LiveFeed {
    /// Takes in a page already read (the catch-up after `Last-Event-ID`).
    pub fn take(&mut self, page: FeedPage) {
        self.cursor = page.next;
        self.pending = page.has_more;
        let (key, owner) = (&self.cursors, self.owner);
        let changes = page.entries.into_iter();
        self.buffer
            .extend(changes.map(|e| ChangeBody::new(e, key, owner)));
    }

    /// The stream of events.
    pub fn into_stream(self) -> BoxStream<'static, Event> {
        futures_util::stream::unfold(self, |mut feed| async move {
            if feed.ended {
                return None;
            }
            let next = match feed.next().await {
                Ok(change) => {
                    let event = Event::message(change.to_json_string())
                        .event_type(change.kind.as_str())
                        .id(change.cursor.clone());
                    feed.sent = Some(change.cursor);
                    event
                }
                Err(Some(why)) => {
                    feed.ended = true;
                    last_event(why, feed.sent.take())
                }
                Err(None) => return None,
            };
            Some((next, feed))
        })
        .boxed()
    }

    /// The next change; else why the stream ends early, or `None` when it
    /// just ends.
    async fn next(&mut self) -> Result<ChangeBody, Option<Ending>> {
        loop {
            if let Some(change) = self.buffer.pop_front() {
                self.metrics.stream_event_sent();
                return Ok(change);
            }
            if self.pending {
                let read = sync::changes(&self.db, self.owner, self.owner, Some(self.cursor), PAGE);
                match read.await {
                    Ok(page) => self.take(page),
                    Err(err) => {
                        tracing::warn!(error = %err, "event stream cannot read the feed; ending it");
                        return Err(None);
                    }
                }
                continue;
            }
            tokio::select! {
                _ = self.closing.wait_for(|closing| *closing) => return Err(None),
                why = self.slot.ended() => return Err(Some(why)),
                () = tokio::time::sleep_until(self.expires) => {
                    return Err(Some(Ending::TokenExpired));
                }
                // A wake-up for a change already read costs nothing.
                pending = self.slot.changed(self.cursor.covered()) => self.pending = pending,
            }
        }
    }
}

/// The last event of a stream the server ends: `data` says why
/// (`{"reason": ...}`), and its `id` repeats the last change's cursor, so
/// that a client resuming with `Last-Event-ID` (once it holds a valid
/// token again) misses nothing.
fn last_event(why: Ending, cursor: Option<String>) -> Event {
    let data = serde_json::json!({ "reason": why.as_str() }).to_string();
    let event = Event::message(data).event_type(ENDED);
    match cursor {
        Some(cursor) => event.id(cursor),
        None => event,
    }
}
