//! Beginning the transactions that write, so that a request dropped at any
//! point (its deadline, its client gone) leaves no transaction open, and so
//! that SQLite's writers queue in process instead of polling for the lock.
//!
//! sqlx 0.9 counts a PostgreSQL transaction as begun only once the answer
//! to its `BEGIN` has been read. A request dropped while that answer is on
//! its way left the connection inside a transaction nobody knew of: the
//! pool handed it to the next request, whose statements ran in it, were
//! never committed, and held their row locks. One such connection after a
//! create load held the rate-limit row every login writes, so each login
//! waited out the statement timeout (BENCHMARKS.md, "the login burst").
//! Here the `BEGIN` runs in a task of its own: if the request is gone when
//! it is answered, the task drops the transaction, which rolls it back
//! before the connection goes back to the pool.
//!
//! SQLite lets one transaction write at a time. A writer that finds the
//! lock taken sleeps in SQLite's busy handler, in growing steps (1, 2, 5,
//! 10 … 100 ms), and tries again: under a burst of writes most of a
//! write's time was spent asleep after the lock was free. So a transaction
//! that writes first waits for the database's write turn, a first-come,
//! first-served queue in this process, without holding a pooled connection,
//! and then begins `IMMEDIATE`, which takes the lock at once (it never
//! fails half-way on a stale snapshot). The turn is held until the
//! transaction ends, and given back when it is dropped.
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex as TurnQueue, OwnedMutexGuard};

mod delegate;

/// A connection (the pool, or a transaction) that can begin a transaction
/// that writes.
pub trait BeginWrite: ConnectionTrait + TransactionTrait {
    /// Begins a transaction that will write (a savepoint inside a
    /// transaction).
    fn begin_write(&self) -> impl Future<Output = Result<WriteTransaction, DbErr>> + Send;
}

/// A transaction that writes: commit it, roll it back, or drop it (rolled
/// back). On SQLite it holds the database's write turn while it lasts.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// What a writer that waited out its bound for the turn gets: read as the
/// database being too slow (503 `database_timeout`), like SQLite's own busy
/// timeout.
pub const TURN_TIMED_OUT: &str = "no write turn on the SQLite database in time";

/// How long a writer waits for the turn unless `bound_write_wait` said
/// otherwise (sqlx's default busy timeout).
const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// One SQLite database's write turn.
struct Turn {
    queue: Arc<TurnQueue<()>>,
    /// The longest a writer waits for it.
    wait: Duration,
}

impl Default for Turn {
    fn default() -> Self {
        Self {
            queue: Arc::default(),
            wait: DEFAULT_WAIT,
        }
    }
}

/// The write turn of each SQLite database file this process opened.
static TURNS: LazyLock<Mutex<HashMap<PathBuf, Turn>>> = LazyLock::new(Mutex::default);

/// Runs `f` on the write turn of the SQLite database `db` is a pool of.
fn with_turn<R>(db: &DatabaseConnection, f: impl FnOnce(&mut Turn) -> R) -> R {
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_owned();
    let mut turns = TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    f(turns.entry(file).or_default())
}

/// Sets how long a writer on the SQLite database `db` waits for the write
/// turn (the server's statement timeout, as SQLite's busy timeout was). No
/// effect on PostgreSQL.
pub fn bound_write_wait(db: &DatabaseConnection, wait: Duration) {
    if db.get_database_backend() == DbBackend::Sqlite {
        with_turn(db, |turn| turn.wait = wait);
    }
}

/// Waits, within its bound, for the write turn of the SQLite database `db`
/// is a pool of.
async fn write_turn(db: &DatabaseConnection) -> Result<OwnedMutexGuard<()>, DbErr> {
    let (queue, wait) = with_turn(db, |turn| (Arc::clone(&turn.queue), turn.wait));
    tokio::time::timeout(wait, queue.lock_owned())
        .await
        .map_err(|_| DbErr::Custom(TURN_TIMED_OUT.into()))
}

impl BeginWrite for DatabaseConnection {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        match self.get_database_backend() {
            DbBackend::Sqlite => {
                let turn = write_turn(self).await?;
                let immediate = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                };
                let txn = self.begin_with_options(immediate).await?;
                Ok(WriteTransaction {
                    txn,
                    _turn: Some(turn),
                })
            }
            _ => {
                let db = self.clone();
                let txn = tokio::spawn(async move { db.begin().await })
                    .await
                    .map_err(|err| DbErr::Custom(format!("beginning a transaction: {err}")))??;
                Ok(WriteTransaction { txn, _turn: None })
            }
        }
    }
}

/// A savepoint: the enclosing transaction already holds the turn.
impl BeginWrite for DatabaseTransaction {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        let txn = self.begin().await?;
        Ok(WriteTransaction { txn, _turn: None })
    }
}

impl BeginWrite for WriteTransaction {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        self.txn.begin_write().await
    }
}
