//! SQLite's writers queue in process for the database's write turn: they
//! get it in the order they asked, and while they wait they hold no pooled
//! connection, so reads go on. (PostgreSQL has row locks and no such turn.)
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use tasks_api::domain::Error;
use tasks_api::service::transaction::{BeginWrite, bound_write_wait};

use crate::backend_test;
use crate::harness::{Backend, TestDatabase};

/// Writers started while the turn is held.
const WAITING: i64 = 6;

backend_test!(
    only Sqlite: writers_queue_in_order_without_holding_connections,
    |backend: Backend| async move {
        let database = TestDatabase::fresh(backend).await;
        let mut options = ConnectOptions::new(format!("{}?mode=rwc", database.url()));
        // One connection for the writer holding the turn, two to spare.
        options
            .max_connections(3)
            .acquire_timeout(Duration::from_secs(2));
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
        });
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE probe (n INTEGER NOT NULL)")
            .await
            .unwrap();

        let first = db.begin_write().await.unwrap();
        first
            .execute_unprepared("INSERT INTO probe VALUES (0)")
            .await
            .unwrap();
        let mut writers = Vec::new();
        for n in 1..=WAITING {
            let db = db.clone();
            writers.push(tokio::spawn(async move {
                let txn = db.begin_write().await.unwrap();
                let insert = format!("INSERT INTO probe VALUES ({n})");
                txn.execute_unprepared(&insert).await.unwrap();
                txn.commit().await.unwrap();
            }));
            // Each has asked for the turn before the next starts.
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        // Six writers wait and two connections are free: a read gets one.
        let read = db.execute_unprepared("SELECT count(*) FROM probe");
        tokio::time::timeout(Duration::from_secs(1), read)
            .await
            .expect("a read waited behind writers waiting for the turn")
            .expect("a read found no free connection");
        first.commit().await.unwrap();
        for writer in writers {
            tokio::time::timeout(Duration::from_secs(10), writer)
                .await
                .expect("a queued writer never got the turn")
                .unwrap();
        }
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT n FROM probe ORDER BY rowid",
            ))
            .await
            .unwrap();
        let order: Vec<i64> = rows.iter().map(|r| r.try_get("", "n").unwrap()).collect();
        assert_eq!(order, (0..=WAITING).collect::<Vec<_>>(), "turns in order asked");
    }
);

backend_test!(
    only Sqlite: a_writer_waits_for_the_turn_no_longer_than_its_bound,
    |backend: Backend| async move {
        let database = TestDatabase::fresh(backend).await;
        let url = format!("{}?mode=rwc", database.url());
        let db = Database::connect(url).await.unwrap();
        bound_write_wait(&db, Duration::from_millis(200));
        let held = db.begin_write().await.unwrap();
        let waited = tokio::time::timeout(Duration::from_secs(5), db.begin_write())
            .await
            .expect("the wait for the turn was not bounded");
        // Answered as a database too slow to answer (503, retry later).
        let err = Error::from(waited.err().expect("a second writer got the turn"));
        assert!(matches!(err, Error::DatabaseTimeout), "{err:?}");
        held.rollback().await.unwrap();
        let next = db.begin_write().await.expect("the turn is free again");
        next.commit().await.unwrap();
    }
);
