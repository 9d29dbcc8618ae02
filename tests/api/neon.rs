//! PostgreSQL as Neon serves it: DATABASE_URL through a transaction-mode
//! pooler and DATABASE_DIRECT_URL beside it. Here the "pooled" URL is the
//! server itself with the pooled mode forced on, which makes the server do
//! exactly what it does behind a pooler: no startup parameters, the
//! statement timeout set on the role, every statement in a transaction,
//! LISTEN and migrations over the direct connection; with TEST_POOLER_URL
//! (scripts/pooler-test.sh) it is a real PgBouncer.
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;

use crate::backend_test;
use crate::harness::{Backend, TestApp, assert_problem};
use tasks_api::config::{Pooled, Settings};

const SECOND: Duration = Duration::from_secs(1);

/// Pooled mode, with a direct URL that names the same database (told apart
/// by its application name) when `direct`.
fn pooled(settings: &mut Settings, direct: bool) {
    settings.pooler.database_pooled = Pooled::Yes;
    // Through a real pooler (TEST_POOLER_URL) the harness set the direct
    // URL already.
    let server = settings.direct_url().map(str::to_owned);
    settings.pooler.database_direct_url = match (direct, server) {
        (false, _) => None,
        (true, Some(server)) => Some(server.into()),
        (true, None) => {
            let url = format!("{}?application_name=direct", settings.database_url.expose());
            Some(url.into())
        }
    };
}

backend_test!(
    only Postgres: pooled_the_statement_timeout_is_the_roles_and_bounds_every_statement,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| {
            pooled(s, true);
            s.database_statement_timeout_seconds = 1;
        })
        .await;
        let setting = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT array_to_string(setconfig, ',') AS config FROM pg_db_role_setting s \
                 JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()",
            ))
            .await
            .unwrap()
            .expect("a setting for the role in this database");
        let config: String = setting.try_get("", "config").unwrap();
        assert_eq!(config, "statement_timeout=1000");
        // A plain read, outside any transaction of the server's, waits on
        // a lock no longer than the timeout.
        let s = app.sign_up().await;
        let lock = app.db.begin().await.unwrap();
        lock.execute_unprepared("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        let started = Instant::now();
        let resp = app.me_with(Some(format!("Bearer {}", s.token))).await;
        let waited = started.elapsed();
        assert_problem(resp, 503, "database_timeout").await;
        assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
        lock.rollback().await.unwrap();
        assert_eq!(app.me(&s.token).await, 200);
    }
);

backend_test!(
    only Postgres: pooled_instances_hear_each_other_over_the_direct_connection,
    |backend: Backend| async move {
        let (one, two) = TestApp::pair(backend, |s| pooled(s, true)).await;
        let s = one.sign_up().await;
        let mut stream = one.events(&s, None).await;
        let task = two.create_task(&s, json!({"title": "elsewhere"})).await;
        let event = stream.next_within(SECOND).await.expect("an event from the other instance");
        assert_eq!(event.data["task"], task);
    }
);

backend_test!(
    only Postgres: pooled_without_a_direct_url_a_stream_still_gets_its_own_instances_writes,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| pooled(s, false)).await;
        let s = app.sign_up().await;
        let mut stream = app.events(&s, None).await;
        let task = app.create_task(&s, json!({"title": "here"})).await;
        let event = stream.next_within(SECOND).await.expect("an event from this instance");
        assert_eq!(event.data["task"], task);
    }
);
