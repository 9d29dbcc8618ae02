//! Tokens this process has verified, with what they proved: a client sends
//! the same token with every request, and checking its signature and
//! decoding its claims again cost a get about a sixth of its instructions.
//! What can change for a verified token is only time, so a hit still checks
//! `exp`.
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use super::Credential;

/// Shards, so that concurrent requests seldom wait on one lock.
const SHARDS: usize = 16;
/// Tokens a shard holds before it is emptied: a bound on memory
/// (SHARDS × this × about 300 bytes), not a tuned figure.
const PER_SHARD: usize = 256;

pub struct Verified {
    hasher: RandomState,
    shards: [Mutex<HashMap<Box<str>, Credential>>; SHARDS],
}

impl Default for Verified {
    fn default() -> Self {
        Self {
            hasher: RandomState::new(),
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }
}

impl Verified {
    /// What `token` proved when it was verified, if it was. Keys are
    /// compared only on a full hash match under a per-process random key, so
    /// the time a lookup takes tells nothing of the tokens held.
    pub fn get(&self, token: &str) -> Option<Credential> {
        let shard = self
            .shard(token)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard.get(token).copied()
    }

    pub fn put(&self, token: &str, proven: Credential) {
        let mut shard = self
            .shard(token)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= PER_SHARD {
            shard.clear();
        }
        shard.insert(token.into(), proven);
    }

    pub fn forget(&self, token: &str) {
        let mut shard = self
            .shard(token)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard.remove(token);
    }

    fn shard(&self, token: &str) -> &Mutex<HashMap<Box<str>, Credential>> {
        // The shard index uses the hash's high bits; the map inside hashes
        // again with its own key.
        let hash = self.hasher.hash_one(token);
        &self.shards[(hash >> 60) as usize % SHARDS]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_a_token_proved_and_stays_bounded() {
        let verified = Verified::default();
        let proven = Credential {
            user_id: uuid::Uuid::now_v7(),
            session: None,
            issued_at: 0,
            expires_at: 42,
        };
        assert_eq!(verified.get("a.b.c"), None);
        verified.put("a.b.c", proven);
        assert_eq!(verified.get("a.b.c"), Some(proven));
        assert_eq!(verified.get("a.b.d"), None);
        verified.forget("a.b.c");
        assert_eq!(verified.get("a.b.c"), None);
        for i in 0..SHARDS * PER_SHARD * 2 {
            verified.put(&format!("token-{i}"), proven);
        }
        let held: usize = verified
            .shards
            .iter()
            .map(|s| s.lock().unwrap().len())
            .sum();
        assert!(held <= SHARDS * PER_SHARD, "{held}");
    }
}
