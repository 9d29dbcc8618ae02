//! Beginning the transactions that write, so that a request dropped at any
//! point (its deadline, its client gone) leaves no transaction open.
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
//! On SQLite a transaction that writes is begun `IMMEDIATE`: it takes the
//! write lock at once, so it never fails half-way on a stale snapshot, and
//! waiting writers queue before doing any work.
use std::future::Future;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// A connection (the pool, or a transaction) that can begin a transaction
/// that writes.
pub trait BeginWrite: ConnectionTrait + TransactionTrait {
    /// Begins a transaction that will write (a savepoint inside a
    /// transaction).
    fn begin_write(&self) -> impl Future<Output = Result<DatabaseTransaction, DbErr>> + Send;
}

impl BeginWrite for DatabaseConnection {
    async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.get_database_backend() {
            DbBackend::Sqlite => {
                let immediate = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                };
                self.begin_with_options(immediate).await
            }
            _ => {
                let db = self.clone();
                tokio::spawn(async move { db.begin().await })
                    .await
                    .map_err(|err| DbErr::Custom(format!("beginning a transaction: {err}")))?
            }
        }
    }
}

impl BeginWrite for DatabaseTransaction {
    async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.begin().await
    }
}
