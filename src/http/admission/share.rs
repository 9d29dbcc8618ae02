//! Each user's share of the places: at most `per_user` of one user's
//! requests hold a place at once, so one account running many expensive
//! requests leaves the other places, and the database connections they
//! use, to everyone else. A request over its user's share waits for one of
//! that user's own requests to finish (within `ADMISSION_MAX_WAIT_MS`), then
//! is answered 429 `rate_limited` with `Retry-After`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::super::refusal::Refusal;

#[derive(Clone)]
pub struct Shares {
    per_user: usize,
    held: Arc<Mutex<HashMap<Uuid, Arc<Semaphore>>>>,
}

/// One request's part of its user's share; the user's entry goes when the
/// last of them does, so the map holds only users with requests in flight.
pub struct SharePart {
    permit: Option<OwnedSemaphorePermit>,
    user: Uuid,
    shares: Shares,
}

impl Shares {
    pub fn new(per_user: usize) -> Self {
        Self {
            per_user: per_user.max(1),
            held: Arc::default(),
        }
    }

    /// A part of `user`'s share, waited for at most `max_wait`.
    pub async fn take(&self, user: Uuid, max_wait: Duration) -> Result<SharePart, Refusal> {
        let own = {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            let own = held
                .entry(user)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_user)));
            Arc::clone(own)
        };
        // The part is built before waiting, so a waiter that gives up still
        // clears the user's entry.
        let mut part = SharePart {
            permit: None,
            user,
            shares: self.clone(),
        };
        match tokio::time::timeout(max_wait, own.acquire_owned()).await {
            Ok(Ok(permit)) => {
                part.permit = Some(permit);
                Ok(part)
            }
            _ => {
                tracing::warn!(
                    per_user = self.per_user,
                    "a user's share of the places is in use"
                );
                Err(Refusal::UserShareInUse)
            }
        }
    }
}

impl Drop for SharePart {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut held = self.shares.held.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map's own reference is left: nobody holds or awaits a part.
        if held
            .get(&self.user)
            .is_some_and(|own| Arc::strong_count(own) == 1)
        {
            held.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_users_entry_goes_with_its_last_part_waiters_included() {
        let shares = Shares::new(1);
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let wait = Duration::from_millis(20);
        let first = shares.take(a, wait).await.unwrap();
        assert!(matches!(
            shares.take(a, wait).await,
            Err(Refusal::UserShareInUse)
        ));
        let other = shares.take(b, wait).await.unwrap();
        assert_eq!(shares.held.lock().unwrap().len(), 2);
        drop((first, other));
        assert!(shares.held.lock().unwrap().is_empty());
        // A part is free again once given back.
        drop(shares.take(a, wait).await.unwrap());
        assert!(shares.held.lock().unwrap().is_empty());
    }
}
