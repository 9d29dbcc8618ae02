mod pool;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OnceCell, oneshot};

use self::pool::HashPool;
use crate::domain::{Error, Result};

/// bcrypt hashing and verification on a pool of threads of its own: a
/// hash at cost 12 takes ~250 ms of CPU, which would stall every request
/// sharing an async worker with it.
///
/// The threads (one per core by default) run at a lower OS scheduling
/// priority than the request workers, and take the password operations in
/// the order they came. A request waits in that queue holding only its
/// future; it is refused with `ServerBusy` (503) only when the queue ahead
/// of it would keep it waiting longer than `max_wait` (the queue's
/// length × the measured CPU time of one hash ÷ threads), never while a thread
/// is idle. A request abandoned while it waits (deadline, client gone)
/// costs no hashing: its job is skipped.
///
/// Nothing else is held while a request waits here: no database
/// connection, no place among the concurrent requests.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password at the configured cost, made once
    /// (`prepare`). Logins for an unknown email verify against it so they
    /// take as long as real ones.
    dummy_hash: Arc<OnceCell<String>>,
    pool: Arc<HashPool>,
    max_wait: Duration,
}

impl PasswordHasher {
    /// `threads` hashing threads; a request is refused when it would wait
    /// longer than `max_wait` for one.
    pub fn new(cost: u32, threads: usize, max_wait: Duration) -> Self {
        Self {
            cost,
            dummy_hash: Arc::default(),
            pool: Arc::new(HashPool::new(threads)),
            max_wait,
        }
    }

    /// Makes the dummy hash now, before the first request, so that the
    /// first login for an unknown email costs what every other login does
    /// (and the time of one hash is known before the first refusal rule).
    pub async fn prepare(&self) -> Result<()> {
        self.dummy_hash().await?;
        let hash_ms = self.pool.job_time().as_millis() as u64;
        tracing::info!(hash_ms, cost = self.cost, "bcrypt ready");
        Ok(())
    }

    async fn dummy_hash(&self) -> Result<&str> {
        let hash = self
            .dummy_hash
            .get_or_try_init(|| async {
                let (secret, cost): ([u8; 32], _) = (rand::random(), self.cost);
                self.run(None, move || bcrypt::hash(secret, cost))
                    .await?
                    .map_err(Error::from)
            })
            .await?;
        Ok(hash)
    }

    /// `ServerBusy` when a password check arriving now would already wait
    /// longer than the bound: checked before its rate-limit and account
    /// steps, so a flood past the bound costs little database work.
    pub fn admit(&self) -> Result<()> {
        if self.pool.would_accept(self.max_wait) {
            Ok(())
        } else {
            Err(Error::ServerBusy)
        }
    }

    /// Password operations waiting for a hashing thread right now.
    pub fn queue_len(&self) -> usize {
        self.pool.queued()
    }

    /// bcrypt computations running right now.
    pub fn in_flight(&self) -> usize {
        self.pool.running()
    }

    /// The measured CPU time of one hash.
    pub fn hash_time(&self) -> Duration {
        self.pool.job_time()
    }

    /// How long a password operation arriving now would wait for a thread.
    pub fn expected_wait(&self) -> Duration {
        self.pool.current_wait()
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let (password, cost) = (password.to_owned(), self.cost);
        Ok(self
            .run(Some(self.max_wait), move || bcrypt::hash(password, cost))
            .await??)
    }

    /// Whether `hash` was made at another cost than the configured one (or
    /// cannot be read): a log-in that matches it should store a new one, so
    /// every account costs the same to check and login time tells nothing.
    pub fn needs_rehash(&self, hash: &str) -> bool {
        // A bcrypt hash reads `$2b$<cost>$...`.
        let cost = hash.split('$').nth(2).and_then(|c| c.parse::<u32>().ok());
        cost != Some(self.cost)
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
            .run(Some(self.max_wait), move || {
                bcrypt::verify(password, &hash).unwrap_or(false)
            })
            .await?;
        Ok(ok && matched_account)
    }

    /// Runs `work` on a hashing thread, queued unless it would wait longer
    /// than `bound`. If the caller is gone by the time a thread takes it,
    /// the work is skipped.
    async fn run<T: Send + 'static>(
        &self,
        bound: Option<Duration>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let job = Box::new(move || {
            if answer.is_closed() {
                return None;
            }
            let out = work();
            Some(Box::new(move || {
                let _ = answer.send(out);
            }) as pool::Deliver)
        });
        self.pool
            .submit(job, bound)
            .map_err(|_| Error::ServerBusy)?;
        answered
            .await
            .map_err(|_| Error::Internal("a password hashing job was lost".into()))
    }
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

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = hasher();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    /// Until the one thread is busy with a slow (cost 12) hash.
    async fn busy(hasher: &PasswordHasher) -> tokio::task::JoinHandle<Result<String>> {
        let slow = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("password").await }
        });
        for _ in 0..400 {
            if hasher.in_flight() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert_eq!(hasher.in_flight(), 1);
        slow
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_is_refused_as_busy_only_when_it_would_wait_past_the_bound() {
        let hasher = PasswordHasher::new(12, 1, Duration::ZERO);
        hasher.prepare().await.unwrap();
        // The one thread idle: never refused, whatever the bound.
        assert!(hasher.admit().is_ok());
        let slow = busy(&hasher).await;
        assert!(matches!(hasher.admit(), Err(Error::ServerBusy)));
        let refused = hasher.verify("password", None).await;
        assert!(matches!(refused, Err(Error::ServerBusy)));
        assert_eq!(hasher.queue_len(), 0, "a refused request leaves no job");
        assert!(slow.await.unwrap().is_ok());
        while hasher.in_flight() > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(hasher.admit().is_ok());
        assert!(!hasher.verify("password", None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_abandoned_in_the_queue_costs_no_hashing() {
        let hasher = PasswordHasher::new(12, 1, Duration::from_secs(30));
        hasher.prepare().await.unwrap();
        let slow = busy(&hasher).await;
        let queued = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.verify("password", None).await }
        });
        for _ in 0..400 {
            if hasher.queue_len() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert_eq!(hasher.queue_len(), 1, "counted as the queue while it waits");
        queued.abort();
        assert!(slow.await.unwrap().is_ok());
        // A cost-12 check would keep the thread busy for a quarter second.
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!((hasher.queue_len(), hasher.in_flight()), (0, 0));
    }
}
