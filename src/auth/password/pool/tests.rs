use std::sync::mpsc;

use super::*;

/// A job that reports on `started` when it starts, then waits for `go`.
fn held(started: &mpsc::Sender<()>, go: &Arc<(Mutex<bool>, Condvar)>) -> Job {
    let (started, go) = (started.clone(), go.clone());
    Box::new(move || {
        started.send(()).unwrap();
        let (open, cvar) = &*go;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cvar.wait(open).unwrap();
        }
        Some(Box::new(|| {}))
    })
}

fn release(go: &Arc<(Mutex<bool>, Condvar)>) {
    *go.0.lock().unwrap() = true;
    go.1.notify_all();
}

#[test]
fn every_thread_works_at_once_and_an_idle_one_never_refuses() {
    let pool = HashPool::new(2);
    pool.record_for_test(Duration::from_millis(100));
    let (started, starts) = mpsc::channel();
    let go = Arc::new((Mutex::new(false), Condvar::new()));
    // Bound zero: a job is taken only while a thread is idle.
    pool.submit(held(&started, &go), Some(Duration::ZERO))
        .unwrap();
    pool.submit(held(&started, &go), Some(Duration::ZERO))
        .unwrap();
    for _ in 0..2 {
        starts
            .recv_timeout(Duration::from_secs(5))
            .expect("both run together");
    }
    assert_eq!((pool.running(), pool.queued()), (2, 0));
    // Both threads busy: the next one would wait.
    assert!(
        pool.submit(held(&started, &go), Some(Duration::ZERO))
            .is_err()
    );
    release(&go);
}

#[test]
fn a_job_is_refused_only_when_the_queue_ahead_would_outlast_the_bound() {
    let pool = HashPool::new(1);
    pool.record_for_test(Duration::from_millis(100));
    let (started, starts) = mpsc::channel();
    let go = Arc::new((Mutex::new(false), Condvar::new()));
    let bound = Some(Duration::from_millis(250));
    pool.submit(held(&started, &go), bound).unwrap();
    starts.recv_timeout(Duration::from_secs(5)).unwrap();
    // One running: a new job waits ~100 ms, then ~200 ms, then ~300 ms.
    pool.submit(held(&started, &go), bound).unwrap();
    pool.submit(held(&started, &go), bound).unwrap();
    assert!(pool.submit(held(&started, &go), bound).is_err());
    assert!(!pool.would_accept(Duration::from_millis(250)));
    assert!(pool.would_accept(Duration::from_millis(300)));
    // Without a bound everything queues.
    pool.submit(held(&started, &go), None).unwrap();
    assert_eq!(pool.queued(), 3);
    release(&go);
}

#[cfg(target_os = "linux")]
#[test]
fn hashing_threads_run_at_a_lower_priority_than_their_caller() {
    let pool = HashPool::new(1);
    let (tx, rx) = mpsc::channel();
    let job: Job = Box::new(move || {
        // SAFETY: plain system calls on the calling thread.
        let nice = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        tx.send(nice).unwrap();
        Some(Box::new(|| {}))
    });
    pool.submit(job, None).unwrap();
    let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
    let theirs = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(theirs, (ours + NICE).min(19));
}

/// Keeps the thread's CPU busy for `cpu`.
fn spin(cpu: Duration) {
    let start = thread_cpu_time();
    while thread_cpu_time().saturating_sub(start) < cpu {
        std::hint::spin_loop();
    }
}

#[test]
fn the_job_time_is_its_cpu_time_and_abandoned_jobs_are_not_counted() {
    let pool = HashPool::new(1);
    let (tx, rx) = mpsc::channel();
    // A job that waits 300 ms without the CPU (as a starved thread does)
    // and then works for 40 ms.
    let job = |worked: bool, tx: mpsc::Sender<()>| -> Job {
        Box::new(move || {
            std::thread::sleep(Duration::from_millis(300));
            spin(Duration::from_millis(40));
            tx.send(()).unwrap();
            worked.then(|| Box::new(|| {}) as Deliver)
        })
    };
    pool.submit(job(true, tx.clone()), None).unwrap();
    pool.submit(job(false, tx), None).unwrap();
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    while pool.running() > 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let time = pool.job_time();
    assert!(
        time >= Duration::from_millis(40) && time < Duration::from_millis(250),
        "{time:?}"
    );
}
