use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

use crate::domain::{Error, Result};

/// bcrypt hashing and verification on tokio's blocking pool: a hash at cost
/// 12 takes ~250 ms of CPU, which would stall every request sharing an async
/// worker with it.
///
/// At most `concurrency` computations run at once (about one per core);
/// more would only share the cores and make every login slower. A request
/// that cannot start within `max_wait` gets `ServerBusy` (503) instead of
/// queueing without bound.
///
/// The operations that check a password also take a turn (`turn`) before
/// any of their work, database steps included: at most two per computation
/// slot are in progress (one hashing, one getting ready), and the others
/// wait up to `max_wait` holding only their request, not a handler future
/// parked in the database pool's queue.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password at the configured cost, made once
    /// (`prepare`). Logins for an unknown email verify against it so they
    /// take as long as real ones.
    dummy_hash: Arc<OnceCell<String>>,
    permits: Arc<Semaphore>,
    turns: Arc<Semaphore>,
    max_wait: Duration,
    /// Requests waiting for a permit, and computations running: the
    /// metrics endpoint reports both.
    waiting: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
}

impl PasswordHasher {
    pub fn new(cost: u32, concurrency: usize, max_wait: Duration) -> Self {
        Self {
            cost,
            dummy_hash: Arc::default(),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            turns: Arc::new(Semaphore::new(2 * concurrency.max(1))),
            max_wait,
            waiting: Arc::default(),
            running: Arc::default(),
        }
    }

    /// Makes the dummy hash now, before the first request, so that the
    /// first login for an unknown email costs what every other login does.
    pub async fn prepare(&self) -> Result<()> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<&str> {
        let cost = self.cost;
        let hash = self
            .dummy_hash
            .get_or_try_init(|| async move {
                let secret: [u8; 32] = rand::random();
                blocking(move || bcrypt::hash(secret, cost))
                    .await?
                    .map_err(Error::from)
            })
            .await?;
        Ok(hash)
    }

    /// A turn for an operation that checks a password, held until it is
    /// done; `ServerBusy` when none is free within `max_wait`.
    pub async fn turn(&self) -> Result<PasswordTurn> {
        let turn = self.wait_for(&self.turns).await?;
        Ok(PasswordTurn { _turn: turn })
    }

    /// A permit of `gate` within `max_wait` (else `ServerBusy`), counted in
    /// the queue while it waits.
    async fn wait_for(&self, gate: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit> {
        let _queued = Count::up(&self.waiting);
        tokio::time::timeout(self.max_wait, gate.clone().acquire_owned())
            .await
            .map_err(|_| Error::ServerBusy)?
            .map_err(|_| Error::Internal("a password hashing semaphore closed".into()))
    }

    /// Requests waiting for a turn or for a bcrypt slot right now.
    pub fn queue_len(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// bcrypt computations running right now.
    pub fn in_flight(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let (password, cost) = (password.to_owned(), self.cost);
        Ok(self.run(move || bcrypt::hash(password, cost)).await??)
    }

    /// Verifies against `hash`, or against the dummy hash when there is no
    /// account, so both paths pay the same bcrypt cost. A malformed hash or
    /// an over-long password simply does not match.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let matched_account = hash.is_some();
        let hash = match hash {
            Some(hash) => hash.to_owned(),
            None => self.dummy_hash().await?.to_owned(),
        };
        let password = password.to_owned();
        let ok = self
            .run(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await?;
        Ok(ok && matched_account)
    }

    /// Runs `work` on the blocking pool once a permit is free. The permit
    /// moves into the work, so it is held until the computation really ends
    /// even if the request is abandoned meanwhile.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let permit = self.wait_for(&self.permits).await?;
        let running = Count::up(&self.running);
        blocking(move || {
            let (_permit, _running) = (permit, running);
            work()
        })
        .await
    }
}

/// One of the password operations in progress (`PasswordHasher::turn`).
pub struct PasswordTurn {
    _turn: OwnedSemaphorePermit,
}

/// One unit of a gauge, given back when dropped (also when the request is
/// abandoned while it waits).
struct Count(Arc<AtomicUsize>);

impl Count {
    fn up(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter.clone())
    }
}

impl Drop for Count {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| Error::Internal(format!("password hashing task failed: {err}")))
}

impl From<bcrypt::BcryptError> for Error {
    fn from(err: bcrypt::BcryptError) -> Self {
        Error::Internal(format!("bcrypt: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(4, 2, Duration::from_secs(5))
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hasher = hasher();
        let hash = hasher.hash("correct horse").await.unwrap();
        assert!(hasher.verify("correct horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse", Some(&hash)).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_requests_are_counted_as_the_queue() {
        let hasher = PasswordHasher::new(4, 1, Duration::from_secs(5));
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let waiting = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("password").await }
        });
        for _ in 0..400 {
            if hasher.queue_len() > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(hasher.queue_len(), 1);
        drop(held);
        assert!(waiting.await.unwrap().is_ok());
        assert_eq!((hasher.queue_len(), hasher.in_flight()), (0, 0));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = hasher();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_that_cannot_start_in_time_is_refused_as_busy() {
        let hasher = PasswordHasher::new(4, 1, Duration::from_millis(20));
        hasher.prepare().await.unwrap();
        // Hold the only permit, as a long computation would.
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let refused = hasher.verify("password", None).await;
        assert!(matches!(refused, Err(Error::ServerBusy)));
        assert_eq!(hasher.queue_len(), 0, "a refused request leaves the queue");
        drop(held);
        assert!(hasher.hash("password").await.is_ok());
        assert_eq!((hasher.queue_len(), hasher.in_flight()), (0, 0));
    }
}
