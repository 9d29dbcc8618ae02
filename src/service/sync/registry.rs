//! The streams open on this instance, by user: how many each user holds,
//! and how to end one early when its session ends.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use uuid::Uuid;

use super::Ending;
use crate::auth::Credential;
use crate::domain::{Error, Result};

/// Every open stream of this instance.
#[derive(Default)]
pub struct Registry {
    open: Mutex<HashMap<Uuid, Vec<Entry>>>,
    next_key: AtomicU64,
}

struct Entry {
    key: u64,
    session: Option<Uuid>,
    issued_at: i64,
    end: watch::Sender<Option<Ending>>,
}

impl Registry {
    /// A place for one more stream opened with `credential`; 429 when its
    /// user already holds `max` here.
    pub fn open(self: &Arc<Self>, credential: &Credential, max: u32) -> Result<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let streams = open.entry(credential.user_id).or_default();
        if streams.len() >= usize::try_from(max).unwrap_or(usize::MAX) {
            return Err(Error::TooManyStreams);
        }
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let (end, ending) = watch::channel(None);
        streams.push(Entry {
            key,
            session: credential.session,
            issued_at: credential.issued_at,
            end,
        });
        Ok(StreamSlot {
            registry: Arc::clone(self),
            user_id: credential.user_id,
            key,
            ending,
        })
    }

    /// Ends the user's streams of `session`, or, without one, every stream
    /// whose token was issued no later than `revoked_at` (seconds): those
    /// opened with a token issued afterwards belong to a newer login.
    pub fn end(&self, user_id: Uuid, session: Option<Uuid>, revoked_at: i64, why: Ending) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(streams) = open.get(&user_id) else {
            return;
        };
        for entry in streams {
            let ends = match session {
                Some(session) => entry.session == Some(session),
                None => entry.issued_at <= revoked_at,
            };
            if ends {
                entry.end.send_if_modified(|ending| {
                    let first = ending.is_none();
                    ending.get_or_insert(why);
                    first
                });
            }
        }
    }
}

/// One open stream's place, given back when dropped.
pub struct StreamSlot {
    registry: Arc<Registry>,
    user_id: Uuid,
    key: u64,
    ending: watch::Receiver<Option<Ending>>,
}

impl StreamSlot {
    /// Resolves with the reason once the stream must end early.
    pub async fn ended(&mut self) -> Ending {
        let ending = match self.ending.wait_for(Option::is_some).await {
            Ok(ending) => *ending,
            Err(_) => None,
        };
        match ending {
            Some(why) => why,
            // The registry never drops a sender while its slot lives.
            None => std::future::pending().await,
        }
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(streams) = open.get_mut(&self.user_id) {
            streams.retain(|entry| entry.key != self.key);
            if streams.is_empty() {
                open.remove(&self.user_id);
            }
        }
    }
}
