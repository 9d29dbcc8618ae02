//! Beginning the transactions that write, and announcing their changes
//! when they commit.
//!
//! A PostgreSQL `BEGIN` runs in a task of its own, so that a request dropped
//! while its answer is on the way cannot leave the pooled connection inside
//! a transaction nobody knows of (BENCHMARKS.md, "the login burst"). On
//! SQLite a writer first waits for the database's write turn, a first-come,
//! first-served queue in this process, and then begins `IMMEDIATE`: waiting
//! writers queue here instead of sleeping in SQLite's busy handler.
//!
//! A write records whose tasks it changed (`sync::record`), and its
//! outermost transaction tells this process's streams once it has
//! committed, where a stream cannot hear the write's own `NOTIFY` (SQLite,
//! or PostgreSQL through a transaction-mode pooler without a direct
//! connection).
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex as TurnQueue, OwnedMutexGuard};
use uuid::Uuid;

mod delegate;
mod pinned;

pub use pinned::Db;

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
    /// The owners whose tasks it changed, shared with its savepoints.
    changed: Arc<Mutex<Vec<Uuid>>>,
    /// Who hears of its changes in this process, on the outermost
    /// transaction.
    announce: Option<Arc<[Announce]>>,
}

/// Tells this process's streams that a user's tasks changed.
pub type Announce = Arc<dyn Fn(Uuid) + Send + Sync>;

impl WriteTransaction {
    fn new(txn: DatabaseTransaction, turn: Option<OwnedMutexGuard<()>>) -> Self {
        Self {
            txn,
            _turn: turn,
            changed: Arc::default(),
            announce: None,
        }
    }

    /// Notes that this transaction changed `owner`'s tasks, to be announced
    /// when (and only if) it commits.
    pub fn changes(&self, owner: Uuid) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if !changed.contains(&owner) {
            changed.push(owner);
        }
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await?;
        if let Some(announcers) = &self.announce {
            let changed =
                std::mem::take(&mut *self.changed.lock().unwrap_or_else(PoisonError::into_inner));
            for owner in changed {
                announcers.iter().for_each(|announce| announce(owner));
            }
        }
        Ok(())
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

/// Who hears, in this process, of the changes committed to each database:
/// every SQLite database, and a PostgreSQL one whose `NOTIFY`s cannot be
/// heard (through a transaction-mode pooler).
static ANNOUNCERS: LazyLock<Mutex<HashMap<String, Vec<Announce>>>> = LazyLock::new(Mutex::default);

/// The database `db` is a pool of, as a key.
fn database_key(db: &DatabaseConnection) -> String {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let options = db.get_sqlite_connection_pool().connect_options();
            options.get_filename().display().to_string()
        }
        _ => {
            let options = db.get_postgres_connection_pool().connect_options();
            let (host, port) = (options.get_host(), options.get_port());
            let database = options.get_database().unwrap_or_default();
            format!("{host}:{port}/{database}")
        }
    }
}

/// Has every change committed to the database `db` is a pool of told to
/// `announce` too, once it has committed.
pub fn announce_commits(db: &DatabaseConnection, announce: Announce) {
    let mut announcers = ANNOUNCERS.lock().unwrap_or_else(PoisonError::into_inner);
    announcers
        .entry(database_key(db))
        .or_default()
        .push(announce);
}

/// Who hears of the changes committed to `db`'s database, if anyone does.
fn announcers(db: &DatabaseConnection) -> Option<Arc<[Announce]>> {
    let announcers = ANNOUNCERS.lock().unwrap_or_else(PoisonError::into_inner);
    match announcers.get(&database_key(db)) {
        Some(list) if !list.is_empty() => Some(list.as_slice().into()),
        _ => None,
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
                    announce: announcers(self),
                    ..WriteTransaction::new(txn, Some(turn))
                })
            }
            _ => {
                let txn = begin_apart(self, TransactionOptions::default(), |txn| async { Ok(txn) })
                    .await?;
                Ok(WriteTransaction {
                    announce: announcers(self),
                    ..WriteTransaction::new(txn, None)
                })
            }
        }
    }
}

/// Begins a PostgreSQL transaction with `options` and goes on with `then`
/// in a task of its own: a request dropped meanwhile cannot leave the
/// pooled connection inside a transaction nobody knows of.
async fn begin_apart<F>(
    db: &DatabaseConnection,
    options: TransactionOptions,
    then: impl FnOnce(DatabaseTransaction) -> F + Send + 'static,
) -> Result<DatabaseTransaction, DbErr>
where
    F: Future<Output = Result<DatabaseTransaction, DbErr>> + Send,
{
    let db = db.clone();
    tokio::spawn(async move { then(db.begin_with_options(options).await?).await })
        .await
        .map_err(|err| DbErr::Custom(format!("beginning a transaction: {err}")))?
}

/// A savepoint: the enclosing transaction already holds the turn.
impl BeginWrite for DatabaseTransaction {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        let txn = self.begin().await?;
        Ok(WriteTransaction::new(txn, None))
    }
}

/// A savepoint's changes are announced with its enclosing transaction's.
impl BeginWrite for WriteTransaction {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        let savepoint = self.txn.begin_write().await?;
        Ok(WriteTransaction {
            changed: Arc::clone(&self.changed),
            ..savepoint
        })
    }
}
