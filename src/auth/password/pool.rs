//! The threads that run bcrypt: a fixed set (one per core by default) fed
//! from one first-come, first-served queue, each at a lower OS scheduling
//! priority than the async workers. The kernel then gives the request
//! workers the CPU first, while every idle cycle still goes to hashing, so
//! a login flood uses every core without slowing the other requests much.
//!
//! A job may be refused when it is submitted: when the jobs ahead of it
//! would keep it waiting longer than the bound (`expected_wait`). Never
//! while a thread is idle.
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The niceness of the hashing threads (0 is the default, 19 the lowest
/// priority). At 10 a hashing thread gets about a tenth of a core that a
/// request worker also wants, and the whole core when none does.
#[cfg(target_os = "linux")]
const NICE: i32 = 10;

/// Work for a hashing thread. It hands back the delivery of its answer,
/// which the thread makes once it counts itself idle again (so nobody who
/// got an answer finds the thread still busy); a job whose requester is gone
/// does nothing, hands back nothing and is not timed.
pub type Job = Box<dyn FnOnce() -> Option<Deliver> + Send>;

/// A job's answer, sent when its thread is free.
pub type Deliver = Box<dyn FnOnce() + Send>;

/// The queue is full: the job would have waited longer than the bound.
#[derive(Debug)]
pub struct Full;

pub struct HashPool {
    shared: Arc<Shared>,
    threads: usize,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// A moving average of the CPU time one job takes, in nanoseconds (0
    /// until the first one is timed).
    job_nanos: AtomicU64,
}

#[derive(Default)]
struct State {
    queued: VecDeque<Job>,
    running: usize,
    closed: bool,
}

impl HashPool {
    /// Starts `threads` hashing threads (at least one); they end when the
    /// pool is dropped.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            wake: Condvar::new(),
            job_nanos: AtomicU64::new(0),
        });
        for n in 0..threads {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("bcrypt-{n}"))
                .spawn(move || shared.work())
                .expect("a hashing thread starts");
        }
        Self { shared, threads }
    }

    /// Queues `job` unless it would wait longer than `bound` (`None`: any
    /// wait is fine).
    pub fn submit(&self, job: Job, bound: Option<Duration>) -> Result<(), Full> {
        let mut state = self.shared.lock();
        if bound.is_some_and(|bound| self.expected_wait(&state) > bound) {
            return Err(Full);
        }
        state.queued.push_back(job);
        drop(state);
        self.shared.wake.notify_one();
        Ok(())
    }

    /// How long a job submitted now would wait for a thread.
    pub fn current_wait(&self) -> Duration {
        self.expected_wait(&self.shared.lock())
    }

    /// Whether a job submitted now could be queued within `bound`.
    pub fn would_accept(&self, bound: Duration) -> bool {
        self.expected_wait(&self.shared.lock()) <= bound
    }

    /// How long a job submitted now would wait for a thread: none while a
    /// thread is idle; else one job's time for every `threads` jobs ahead
    /// of it (queued or running), counting the one it waits for.
    fn expected_wait(&self, state: &State) -> Duration {
        let ahead = state.queued.len() + state.running;
        if ahead < self.threads {
            return Duration::ZERO;
        }
        let job = self.shared.job_nanos.load(Ordering::Relaxed);
        let rounds = (ahead + 1 - self.threads) as u64;
        Duration::from_nanos(job.saturating_mul(rounds) / self.threads as u64)
    }

    /// Jobs waiting for a thread.
    pub fn queued(&self) -> usize {
        self.shared.lock().queued.len()
    }

    /// Jobs running.
    pub fn running(&self) -> usize {
        self.shared.lock().running
    }

    #[cfg(test)]
    fn record_for_test(&self, took: Duration) {
        self.shared.record(took);
    }

    /// The measured time of one job.
    pub fn job_time(&self) -> Duration {
        Duration::from_nanos(self.shared.job_nanos.load(Ordering::Relaxed))
    }
}

impl Drop for HashPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job runs outside the lock, so the state is never left half
        // changed by a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A hashing thread: takes jobs in order until the pool is dropped
    /// (jobs still queued then are dropped, which their requesters see).
    fn work(&self) {
        lower_priority();
        loop {
            let job = {
                let mut state = self.lock();
                loop {
                    if state.closed {
                        return;
                    }
                    if let Some(job) = state.queued.pop_front() {
                        state.running += 1;
                        break job;
                    }
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            };
            let started = thread_cpu_time();
            let deliver = catch_unwind(AssertUnwindSafe(job)).ok().flatten();
            if deliver.is_some() {
                self.record(thread_cpu_time().saturating_sub(started));
            }
            self.lock().running -= 1;
            if let Some(deliver) = deliver {
                deliver();
            }
        }
    }

    /// Folds one job's time into the average (weight 1/8 for the new one).
    fn record(&self, took: Duration) {
        let took = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .job_nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(if old == 0 {
                    took
                } else {
                    old - old / 8 + took / 8
                })
            });
    }
}

/// The CPU time the calling thread has used. A job is timed by the CPU it
/// used, not by the wall clock: a hashing thread kept from its core (by the
/// request workers, which come first, or by other processes) takes longer
/// by the clock, and a queue estimated by the clock would then look longer
/// and refuse more, and each refusal answered at once comes straight back
/// as another request that the workers serve before any hashing: fewer
/// logins served the more are refused. The estimate is instead the wait
/// with the cores given to hashing.
fn thread_cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime only writes the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0 {
            let secs = u64::try_from(now.tv_sec).unwrap_or_default();
            let nanos = u32::try_from(now.tv_nsec).unwrap_or_default();
            return Duration::new(secs, nanos);
        }
    }
    // Elsewhere (or if the clock fails) the wall clock, since a fixed start.
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Lowers the calling thread's scheduling priority (Linux: niceness is per
/// thread). Elsewhere the thread keeps the default priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority only reads its
        // arguments, and on failure the thread keeps its priority.
        let result = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE)
        };
        if result != 0 {
            tracing::warn!("could not lower the priority of a hashing thread");
        }
    }
}

#[cfg(test)]
mod tests;
