//! The one test harness: `TestApp` (the real server on port 0 over a fresh,
//! migrated database of its own), typed request helpers, the assertions the
//! tests share, race timing, and `backend_test!`, which runs a test on SQLite
//! and on PostgreSQL.
//!
//! Every path into the crate that the harness itself uses is imported here,
//! and only here, so a move inside `src/` is repointed in one place.
mod app;
mod assertions;
mod bodies;
mod database;
mod race;
mod requests;
mod sync;

use tasks_api::config::{AppEnv, PoolerSettings, Settings};
use tasks_api::entity::task_tombstone;
use tasks_api::service::sync::purge_tombstones;
use tasks_api::startup::Application;

pub use app::{TestApp, settings};
pub use assertions::{
    FIELD_CODES, FieldEntry, assert_invalid, assert_limited, assert_oauth_error, assert_problem,
    invalid_entries,
};
pub use bodies::{etag, field, ids, token, tokens};
pub use database::{Backend, TestDatabase, postgres_server_addr};
pub use race::{
    assert_each_overlaps, assert_in_flight_together, assert_overlapped, overlapped, timed,
};
pub use requests::Session;
pub use sync::EventReader;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery";

/// One test on SQLite and on PostgreSQL, as `name::sqlite` and
/// `name::postgres`:
///
/// - `backend_test!(name, |app| async move { .. })` hands the body a fresh
///   `TestApp` with the default test settings;
/// - `backend_test!(name, |backend: Backend| async move { .. })` hands it the
///   backend, for tests that build their own apps (other settings, a pair of
///   instances, the server binary);
/// - `backend_test!(only Postgres: name, |backend: Backend| async move { .. })`
///   makes `name::postgres` alone, for what only PostgreSQL can do.
///
/// Without `TEST_DATABASE_URL` at build time (see build.rs) the PostgreSQL
/// leg is compiled as ignored, and `cargo test` lists it with the reason.
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:expr) => {
        $crate::backend_test!($name, |backend: $crate::harness::Backend| async move {
            let $app = $crate::harness::TestApp::spawn(backend).await;
            $body.await
        });
    };
    ($name:ident, |$backend:ident: $backend_type:ty| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $backend_type) {
                $body.await
            }

            $crate::backend_test!(@sqlite);
            $crate::backend_test!(@postgres);
        }
    };
    (only Sqlite: $name:ident, |$backend:ident: $backend_type:ty| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $backend_type) {
                $body.await
            }

            $crate::backend_test!(@sqlite);
        }
    };
    (only Postgres: $name:ident, |$backend:ident: $backend_type:ty| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $backend_type) {
                $body.await
            }

            $crate::backend_test!(@postgres);
        }
    };
    (@sqlite) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            run($crate::harness::Backend::Sqlite).await
        }
    };
    (@postgres) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(
            no_test_postgres,
            ignore = "PostgreSQL leg not run: set TEST_DATABASE_URL to a server URL, or run scripts/test.sh"
        )]
        async fn postgres() {
            run($crate::harness::Backend::Postgres).await
        }
    };
}
