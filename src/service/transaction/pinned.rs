//! `Db`: the connection pool every operation reaches the database through.
//!
//! Through a transaction-mode pooler (PgBouncer, Neon's pooled string) a
//! statement outside a transaction is not sure to stay on one server
//! connection: sqlx parses a statement, waits for the server to be ready,
//! then binds and executes it, and the pooler may hand the second half to
//! another server connection. And sqlx names the statements it prepares
//! (`sqlx_s_1`, counted per client connection), names other clients use
//! too on the server connections they share. So, when pooled, every
//! statement runs inside a transaction (which the pooler keeps on one
//! server connection), that transaction first drops whatever statements
//! earlier users left on it (`DEALLOCATE ALL`), and the pool keeps no
//! statement cache (`startup::connect`). This holds on a PgBouncer without
//! prepared-statement support (before 1.21) as on one with it.
use std::future::Future;
use std::pin::Pin;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};

use super::{BeginWrite, WriteTransaction, announcers, begin_apart};

/// Clears a server connection of statements prepared by its earlier users.
const FORGET_STATEMENTS: &str = "DEALLOCATE ALL";

/// The application's database: the pool, and whether it is reached through
/// a transaction-mode pooler.
#[derive(Debug, Clone, Default)]
pub struct Db {
    pool: DatabaseConnection,
    pooled: bool,
}

impl From<DatabaseConnection> for Db {
    /// A pool reached directly (not through a transaction-mode pooler).
    fn from(pool: DatabaseConnection) -> Self {
        Self::new(pool, false)
    }
}

impl Db {
    pub fn new(pool: DatabaseConnection, pooled: bool) -> Self {
        let pooled = pooled && pool.get_database_backend() == DbBackend::Postgres;
        Self { pool, pooled }
    }

    /// The pool itself: for its state, pings and listening, never for
    /// statements.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Whether statements go through a transaction-mode pooler.
    pub fn is_pooled(&self) -> bool {
        self.pooled
    }

    /// A transaction held on one server connection, cleared of statements
    /// left there by others.
    async fn pinned(&self) -> Result<DatabaseTransaction, DbErr> {
        self.pinned_with(TransactionOptions::default()).await
    }

    async fn pinned_with(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        begin_apart(&self.pool, options, |txn| async move {
            txn.execute_unprepared(FORGET_STATEMENTS).await?;
            Ok(txn)
        })
        .await
    }

    /// Runs one statement in a transaction of its own when pooled.
    async fn alone<T, F>(&self, run: impl FnOnce(DatabaseTransaction) -> F) -> Result<T, DbErr>
    where
        F: Future<Output = (DatabaseTransaction, Result<T, DbErr>)>,
    {
        let (txn, done) = run(self.pinned().await?).await;
        match done {
            Ok(value) => txn.commit().await.map(|()| value),
            Err(err) => {
                txn.rollback().await.ok();
                Err(err)
            }
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if !self.pooled {
            return self.pool.execute_raw(stmt).await;
        }
        self.alone(|txn| async move {
            let done = txn.execute_raw(stmt).await;
            (txn, done)
        })
        .await
    }

    /// Unprepared SQL goes in one message and is answered in one: no
    /// pooler splits it.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !self.pooled {
            return self.pool.query_one_raw(stmt).await;
        }
        self.alone(|txn| async move {
            let done = txn.query_one_raw(stmt).await;
            (txn, done)
        })
        .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !self.pooled {
            return self.pool.query_all_raw(stmt).await;
        }
        self.alone(|txn| async move {
            let done = txn.query_all_raw(stmt).await;
            (txn, done)
        })
        .await
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        if self.pooled {
            return self.pinned().await;
        }
        self.pool.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            isolation_level,
            access_mode,
            ..TransactionOptions::default()
        };
        self.begin_with_options(options).await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        if self.pooled {
            return self.pinned_with(options).await;
        }
        self.pool.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.transaction_with_config(callback, None, None).await
    }

    /// Pooled, `callback` runs in a savepoint of a pinned transaction.
    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        if !self.pooled {
            return self
                .pool
                .transaction_with_config(callback, isolation_level, access_mode)
                .await;
        }
        let txn = self
            .begin_with_config(isolation_level, access_mode)
            .await
            .map_err(TransactionError::Connection)?;
        let value = txn.transaction(callback).await?;
        txn.commit().await.map_err(TransactionError::Connection)?;
        Ok(value)
    }
}

impl BeginWrite for Db {
    async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        if !self.pooled {
            return self.pool.begin_write().await;
        }
        Ok(WriteTransaction {
            announce: announcers(&self.pool),
            ..WriteTransaction::new(self.pinned().await?, None)
        })
    }
}
