//! The streams open on this instance, by user: how many each user holds,
//! how to wake them when their user's tasks change (only theirs: a change
//! costs a lookup, not a wake-up of every stream), and how to end one early
//! when its session ends.
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, watch};
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
    wake: Arc<Wake>,
}

/// A stream's wake-up: the highest sequence number announced since it last
/// looked (`UNKNOWN` when a change of unknown number may have been missed),
/// and the signal. `Notify` keeps one permit, so a wake-up that comes while
/// the stream is busy is not lost.
struct Wake {
    announced: AtomicI64,
    signal: Notify,
}

/// "Some change, its number unknown": the stream must read the feed.
const UNKNOWN: i64 = i64::MAX;
/// Nothing announced since the stream last looked.
const NOTHING: i64 = i64::MIN;

impl Wake {
    fn announce(&self, seq: Option<i64>) {
        self.announced
            .fetch_max(seq.unwrap_or(UNKNOWN), Ordering::AcqRel);
        self.signal.notify_one();
    }
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
        let wake = Arc::new(Wake {
            announced: AtomicI64::new(NOTHING),
            signal: Notify::new(),
        });
        streams.push(Entry {
            key,
            session: credential.session,
            issued_at: credential.issued_at,
            end,
            wake: Arc::clone(&wake),
        });
        Ok(StreamSlot {
            registry: Arc::clone(self),
            user_id: credential.user_id,
            key,
            ending,
            wake,
        })
    }

    /// Wakes `user_id`'s streams (every stream, without one) for a change
    /// numbered `seq` (unknown: `None`).
    pub fn wake(&self, user_id: Option<Uuid>, seq: Option<i64>) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        match user_id {
            Some(user_id) => {
                for entry in open.get(&user_id).into_iter().flatten() {
                    entry.wake.announce(seq);
                }
            }
            None => open
                .values()
                .flatten()
                .for_each(|entry| entry.wake.announce(None)),
        }
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
    wake: Arc<Wake>,
}

impl StreamSlot {
    /// Waits until its user's tasks change; answers whether a change above
    /// `covered` (the highest number the stream has read) may be waiting.
    pub async fn changed(&self, covered: i64) -> bool {
        self.wake.signal.notified().await;
        let announced = self.wake.announced.swap(NOTHING, Ordering::AcqRel);
        announced > covered
    }

    /// Resolves with the reason once the stream must end early.
    pub async fn ended(&self) -> Ending {
        let mut ending = self.ending.clone();
        let ending = match ending.wait_for(Option::is_some).await {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn credential(user_id: Uuid, session: Option<Uuid>, issued_at: i64) -> Credential {
        Credential {
            user_id,
            session,
            issued_at,
            expires_at: issued_at + 900,
        }
    }

    /// Whether `slot` is woken for a change above `covered` within 100 ms.
    async fn woken(slot: &StreamSlot, covered: i64) -> bool {
        let wait = Duration::from_millis(100);
        tokio::time::timeout(wait, slot.changed(covered))
            .await
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn a_change_wakes_its_owners_streams_only() {
        let registry = Arc::new(Registry::default());
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let ada1 = registry.open(&credential(ada, None, 0), 5).unwrap();
        let ada2 = registry.open(&credential(ada, None, 0), 5).unwrap();
        let bobs = registry.open(&credential(bob, None, 0), 5).unwrap();
        // Announced before anyone waits: kept, not lost.
        registry.wake(Some(ada), Some(7));
        assert!(woken(&ada1, 6).await && woken(&ada2, 6).await);
        assert!(!woken(&bobs, 0).await, "another user's change");
        // A change the stream has already read does not send it reading.
        registry.wake(Some(ada), Some(7));
        assert!(!woken(&ada1, 7).await);
        // After a lost notification, everyone reads.
        registry.wake(None, None);
        assert!(woken(&bobs, i64::MAX - 1).await);
        assert!(
            registry.open(&credential(bob, None, 0), 1).is_err(),
            "the cap"
        );
        drop(bobs);
        assert!(registry.open(&credential(bob, None, 0), 1).is_ok());
    }

    #[tokio::test]
    async fn a_session_ends_its_streams_and_a_user_wide_end_spares_later_tokens() {
        let registry = Arc::new(Registry::default());
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let of_session = registry
            .open(&credential(user, Some(session), 100), 5)
            .unwrap();
        let other = registry
            .open(&credential(user, Some(Uuid::now_v7()), 100), 5)
            .unwrap();
        let later = registry.open(&credential(user, None, 200), 5).unwrap();
        let ended = |slot: &StreamSlot| *slot.ending.borrow();
        registry.end(user, Some(session), 150, Ending::LoggedOut);
        assert_eq!(of_session.ended().await, Ending::LoggedOut);
        assert_eq!(ended(&other), None);
        registry.end(user, None, 150, Ending::PasswordChanged);
        assert_eq!(other.ended().await, Ending::PasswordChanged);
        assert_eq!(ended(&later), None, "a token issued after the change");
        // The first reason stays.
        assert_eq!(of_session.ended().await, Ending::LoggedOut);
    }
}
