//! The hub: tells this instance's event streams that a user's tasks
//! changed. A notice carries no task data, only whose tasks changed (and
//! up to which sequence number, when known); each stream then reads the
//! change feed after its own cursor, so a lost or repeated notice costs
//! one read, never a change.
//!
//! On SQLite (one instance) a write's transaction announces its change
//! here once it has committed (`transaction::announce_commits`). On PostgreSQL every write's transaction sends a `NOTIFY`
//! (`record`), delivered at commit to every instance's listener here,
//! this one's included; a listener that loses its connection reconnects by
//! itself and then has every stream catch up from the feed, since the
//! notifications sent meanwhile are lost.
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use tokio::sync::watch;
use tokio::task::AbortHandle;
use uuid::Uuid;

use super::registry::{Registry, StreamCaps, StreamSlot};
use super::{CHANNEL, Ending, revocations};
use crate::auth::Credential;
use crate::domain::Result;
use crate::service::{Db, limits, transaction};

/// "These tasks changed": one user's (`user_id`) or, after the listener
/// reconnected, anyone's (`None`).
#[derive(Debug, Clone, Copy)]
struct Notice {
    user_id: Option<Uuid>,
    /// The change's sequence number, when known.
    seq: Option<i64>,
}

/// The hub of one server instance.
#[derive(Clone)]
pub struct ChangeHub(Arc<Inner>);

struct Inner {
    /// Writes are announced in process (SQLite), not by `NOTIFY`.
    in_process: bool,
    closing: watch::Sender<bool>,
    streams: Arc<Registry>,
    caps: StreamCaps,
}

impl ChangeHub {
    /// A hub whose writes are announced by PostgreSQL's `NOTIFY` when
    /// `notified` (a connection can LISTEN), else in process, allowing as
    /// many streams as `caps` say.
    pub fn new(notified: bool, caps: StreamCaps) -> Self {
        let in_process = !notified;
        Self(Arc::new(Inner {
            in_process,
            closing: watch::channel(false).0,
            streams: Arc::default(),
            caps,
        }))
    }

    /// Starts hearing of changes: when notified, the `NOTIFY`s of every
    /// instance on `db`, the connection to LISTEN on (stop it by aborting
    /// the handle); else the writes this process commits to `db`.
    pub fn listen(&self, db: &DatabaseConnection) -> Option<AbortHandle> {
        let streams = Arc::clone(&self.0.streams);
        if self.0.in_process {
            let announce = move |user_id| streams.wake(Some(user_id), None);
            transaction::announce_commits(db, Arc::new(announce));
            return None;
        }
        let pool = db.get_postgres_connection_pool().clone();
        Some(tokio::spawn(forward(pool, streams)).abort_handle())
    }

    /// Starts looking in `db` for ended sessions, whose streams it ends,
    /// until the hub closes.
    pub fn watch_sessions(&self, db: &Db) {
        tokio::spawn(revocations::watch(db.clone(), self.clone()));
    }

    /// Becomes true when the server shuts down: streams then end.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.0.closing.subscribe()
    }

    /// Ends every stream (the server is shutting down).
    pub fn close(&self) {
        self.0.closing.send_replace(true);
    }

    /// A place for one more stream opened with `credential` from `client`,
    /// given back when dropped; 429 when its user or its client address
    /// holds as many as allowed, 503 when the instance does.
    pub fn open_stream(&self, credential: &Credential, client: IpAddr) -> Result<StreamSlot> {
        let client = limits::client_network(client);
        self.0.streams.open(credential, client, self.0.caps)
    }

    /// Whether the instance holds as many streams as it may.
    pub fn full(&self) -> bool {
        self.open_streams() >= self.0.caps.total
    }

    /// How many streams are open on this instance.
    pub fn open_streams(&self) -> u32 {
        self.0.streams.total()
    }

    /// Ends the user's streams of `session` (or of every session whose
    /// tokens were issued up to `revoked_at`, in seconds), each with `why`
    /// as its last event.
    pub fn end_streams(&self, user_id: Uuid, session: Option<Uuid>, revoked_at: i64, why: Ending) {
        self.0.streams.end(user_id, session, revoked_at, why);
    }
}

/// Forwards the `NOTIFY`s of every instance to this instance's streams,
/// until the pool closes.
async fn forward(pool: PgPool, streams: Arc<Registry>) {
    let everyone = || streams.wake(None, None);
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(sea_orm::sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "change listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "change listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Changes made before LISTEN took effect were never heard.
        everyone();
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    if let Some(notice) = parse(notification.payload()) {
                        streams.wake(notice.user_id, notice.seq);
                    }
                }
                // Reconnected (and listening again): what was sent while
                // it was away is lost, so everyone reads the feed.
                Ok(None) => {
                    tracing::warn!("change listener reconnected; streams catch up");
                    everyone();
                }
                Err(sea_orm::sqlx::Error::PoolClosed) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "change listener failed; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `"<user id> <seq>"`, as `record` sends it.
fn parse(payload: &str) -> Option<Notice> {
    let (user, seq) = payload.split_once(' ')?;
    Some(Notice {
        user_id: Some(Uuid::try_parse(user).ok()?),
        seq: seq.parse().ok(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_notification_names_the_user_and_the_sequence_number() {
        let user = uuid::Uuid::now_v7();
        let notice = super::parse(&format!("{user} 42")).unwrap();
        assert_eq!((notice.user_id, notice.seq), (Some(user), Some(42)));
        assert!(super::parse("nonsense").is_none());
    }
}
