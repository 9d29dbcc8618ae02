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

/// How many streams may be open on this instance: per user, per client
/// address (an IPv6 client by its /64), and in all.
#[derive(Debug, Clone, Copy)]
pub struct StreamCaps {
    pub per_user: u32,
    pub per_client: u32,
    pub total: u32,
}

/// Every open stream of this instance.
#[derive(Default)]
pub struct Registry {
    open: Mutex<Open>,
    next_key: AtomicU64,
}

#[derive(Default)]
struct Open {
    users: HashMap<Uuid, Vec<Entry>>,
    clients: HashMap<String, u32>,
    total: u32,
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
    /// A place for one more stream opened with `credential` from `client`
    /// (its network, as the limits count it): 429 when its user or its
    /// client address already holds as many as `caps` allow, 503 when the
    /// instance does.
    pub fn open(
        self: &Arc<Self>,
        credential: &Credential,
        client: String,
        caps: StreamCaps,
    ) -> Result<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= caps.total {
            return Err(Error::ServerBusy);
        }
        let from_client = open.clients.get(&client).copied().unwrap_or(0);
        let of_user = open.users.get(&credential.user_id).map_or(0, Vec::len);
        if from_client >= caps.per_client
            || of_user >= usize::try_from(caps.per_user).unwrap_or(usize::MAX)
        {
            return Err(Error::TooManyStreams);
        }
        open.total += 1;
        *open.clients.entry(client.clone()).or_default() += 1;
        let streams = open.users.entry(credential.user_id).or_default();
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
            client,
            key,
            ending,
            wake,
        })
    }

    /// How many streams are open.
    pub fn total(&self) -> u32 {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }

    /// Wakes `user_id`'s streams (every stream, without one) for a change
    /// numbered `seq` (unknown: `None`).
    pub fn wake(&self, user_id: Option<Uuid>, seq: Option<i64>) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        match user_id {
            Some(user_id) => {
                for entry in open.users.get(&user_id).into_iter().flatten() {
                    entry.wake.announce(seq);
                }
            }
            None => open
                .users
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
        let Some(streams) = open.users.get(&user_id) else {
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
    client: String,
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
        if let Some(streams) = open.users.get_mut(&self.user_id) {
            streams.retain(|entry| entry.key != self.key);
            if streams.is_empty() {
                open.users.remove(&self.user_id);
            }
        }
        if let Some(count) = open.clients.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.clients.remove(&self.client);
            }
        }
        open.total -= 1;
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

    const CAPS: StreamCaps = StreamCaps {
        per_user: 5,
        per_client: 3,
        total: 4,
    };

    fn client(n: u8) -> String {
        format!("192.0.2.{n}")
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
        let ada1 = registry
            .open(&credential(ada, None, 0), client(1), CAPS)
            .unwrap();
        let ada2 = registry
            .open(&credential(ada, None, 0), client(1), CAPS)
            .unwrap();
        let bobs = registry
            .open(&credential(bob, None, 0), client(2), CAPS)
            .unwrap();
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
    }

    #[test]
    fn streams_are_capped_per_user_per_client_and_in_all() {
        let registry = Arc::new(Registry::default());
        let caps = StreamCaps {
            per_user: 1,
            ..CAPS
        };
        let open = |user, from| registry.open(&credential(user, None, 0), client(from), caps);
        let ada = Uuid::now_v7();
        let first = open(ada, 1).unwrap();
        assert!(
            matches!(open(ada, 2), Err(Error::TooManyStreams)),
            "per user"
        );
        let mut held = vec![first, open(Uuid::now_v7(), 1).unwrap()];
        held.push(open(Uuid::now_v7(), 1).unwrap());
        let fourth = open(Uuid::now_v7(), 1);
        assert!(matches!(fourth, Err(Error::TooManyStreams)), "per client");
        held.push(open(Uuid::now_v7(), 2).unwrap());
        assert!(
            matches!(open(Uuid::now_v7(), 3), Err(Error::ServerBusy)),
            "in all"
        );
        held.truncate(1);
        // Places come back when streams close.
        assert!(open(Uuid::now_v7(), 1).is_ok());
        drop(held);
        assert!(open(ada, 1).is_ok());
    }

    #[tokio::test]
    async fn a_session_ends_its_streams_and_a_user_wide_end_spares_later_tokens() {
        let registry = Arc::new(Registry::default());
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let open = |session, issued_at| {
            let credential = credential(user, session, issued_at);
            registry.open(&credential, client(1), CAPS).unwrap()
        };
        let of_session = open(Some(session), 100);
        let other = open(Some(Uuid::now_v7()), 100);
        let later = open(None, 200);
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
