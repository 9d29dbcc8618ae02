//! One live event stream: it reads the change feed after its cursor
//! whenever the hub says its user's tasks changed, and sends each change
//! as an event whose `id` is the change's cursor. It ends when the client
//! goes away, when the server shuts down, or on a failure (the client
//! reconnects with `Last-Event-ID` and misses nothing).
use std::collections::VecDeque;

use crate::service::Db;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use uuid::Uuid;

use super::schema::ChangeBody;
use crate::domain::Cursor;
use crate::http::{InFlight, Metrics};
use crate::service::sync::{self, FeedPage, Notice, StreamSlot};

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
    pub notices: Receiver<Notice>,
    pub closing: watch::Receiver<bool>,
    pub metrics: Metrics,
    /// The user's stream count and the open-streams gauge, given back when
    /// the stream ends.
    pub _places: (StreamSlot, InFlight),
}

impl LiveFeed {
    /// Takes in a page already read (the catch-up after `Last-Event-ID`).
    pub fn take(&mut self, page: FeedPage) {
        self.cursor = page.next;
        self.pending = page.has_more;
        self.buffer
            .extend(page.entries.into_iter().map(ChangeBody::from));
    }

    /// The stream of events.
    pub fn into_stream(self) -> BoxStream<'static, ChangeBody> {
        futures_util::stream::unfold(self, |mut feed| async move {
            let next = feed.next().await?;
            Some((next, feed))
        })
        .boxed()
    }

    async fn next(&mut self) -> Option<ChangeBody> {
        loop {
            if let Some(change) = self.buffer.pop_front() {
                self.metrics.stream_event_sent();
                return Some(change);
            }
            if self.pending {
                let read = sync::changes(&self.db, self.owner, self.owner, Some(self.cursor), PAGE);
                match read.await {
                    Ok(page) => self.take(page),
                    Err(err) => {
                        tracing::warn!(error = %err, "event stream cannot read the feed; ending it");
                        return None;
                    }
                }
                continue;
            }
            tokio::select! {
                _ = self.closing.wait_for(|closing| *closing) => return None,
                notice = self.notices.recv() => match notice {
                    Ok(Notice { user_id: Some(user), seq }) if user == self.owner => {
                        // A notice for a change already read costs nothing.
                        self.pending = seq.is_none_or(|seq| seq > self.cursor.covered());
                    }
                    Ok(Notice { user_id: Some(_), .. }) => {}
                    Ok(Notice { user_id: None, .. }) | Err(RecvError::Lagged(_)) => {
                        self.pending = true;
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}
