//! What one connection, and all of them together, may hold of the server.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The connection loop's limits (`HEADER_READ_TIMEOUT_SECONDS`,
/// `MAX_HEADER_BYTES`, `MAX_CONNECTIONS`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a connection may go without a request in progress: from
    /// accept to its first request head, and between requests.
    pub idle_timeout: Duration,
    /// The most bytes of request head (request line and headers) hyper
    /// buffers; beyond it HTTP/1 answers 431. At least 8192 (hyper's floor).
    pub max_header_bytes: usize,
    /// Connections open at once; see `Admit`.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: default_max_connections(),
        }
    }
}

/// File descriptors kept free of connections: the database pool, the
/// listeners, log files and whatever else the process opens.
const FD_HEADROOM: u64 = 128;

/// At most 10,000, and never more than the file-descriptor limit allows,
/// so that `accept` refuses early instead of running into EMFILE.
pub fn default_max_connections() -> usize {
    let by_fds = soft_fd_limit().map_or(u64::MAX, |n| n.saturating_sub(FD_HEADROOM));
    by_fds.clamp(16, 10_000) as usize
}

#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not `u64` on every Unix.
fn soft_fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn soft_fd_limit() -> Option<u64> {
    None
}

/// How a new connection is let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admit {
    /// Served as usual.
    Fully,
    /// Within the last few places (`probe_reserve`): only `/health/*` is
    /// served, everything else gets 503 `server_busy`, and each answer
    /// closes the connection, so the place is soon free again.
    ProbesOnly,
    /// Over the cap: closed at once.
    Refused,
}

/// Marks a request that came on a `ProbesOnly` connection; admission
/// refuses it unless it is a health probe.
#[derive(Debug, Clone, Copy)]
pub struct ProbesOnly;

/// The count of open connections. A place is held by its `Place` and
/// freed when that is dropped.
#[derive(Clone)]
pub(super) struct Places {
    open: Arc<AtomicUsize>,
    max: usize,
    reserve: usize,
}

/// One open connection's place.
pub(super) struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Places {
    pub(super) fn new(limits: &ConnectionLimits) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max: limits.max_connections.max(1),
            reserve: probe_reserve(limits.max_connections),
        }
    }

    /// Takes a place for a new connection, and says how it is let in.
    pub(super) fn take(&self) -> (Place, Admit) {
        let open = self.open.fetch_add(1, Ordering::AcqRel) + 1;
        let admit = if open > self.max {
            Admit::Refused
        } else if open > self.max - self.reserve {
            Admit::ProbesOnly
        } else {
            Admit::Fully
        };
        (Place(self.open.clone()), admit)
    }
}

/// The places kept for health probes: 8, or half the cap when it is
/// smaller than 16.
pub fn probe_reserve(max_connections: usize) -> usize {
    (max_connections / 2).min(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_places_are_for_probes_and_past_the_cap_none() {
        let limits = ConnectionLimits {
            max_connections: 4,
            ..ConnectionLimits::default()
        };
        let places = Places::new(&limits);
        let admits: Vec<_> = (0..5).map(|_| places.take()).collect();
        let kinds: Vec<_> = admits.iter().map(|(_, admit)| *admit).collect();
        use Admit::*;
        assert_eq!(kinds, [Fully, Fully, ProbesOnly, ProbesOnly, Refused]);
        drop(admits);
        assert_eq!(places.take().1, Fully, "dropped places are free again");
    }

    #[test]
    fn the_default_cap_leaves_room_below_the_descriptor_limit() {
        let max = default_max_connections();
        assert!((16..=10_000).contains(&max));
        if let Some(fds) = soft_fd_limit() {
            assert!(max as u64 + FD_HEADROOM <= fds.max(16 + FD_HEADROOM));
        }
    }
}
