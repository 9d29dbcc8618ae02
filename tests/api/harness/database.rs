//! A new, empty database for each test: a SQLite file in a temporary
//! directory, or a `tasks_test_<uuid>` database on the PostgreSQL server
//! named by `TEST_DATABASE_URL`. Either is removed when the test ends.
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long creating or dropping a PostgreSQL test database may take.
const ADMIN_DEADLINE: Duration = Duration::from_secs(15);

/// A test's own database; dropping it removes the database.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server: String, name: String },
}

impl TestDatabase {
    pub async fn fresh(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("tasks.db").display());
                Self {
                    url,
                    place: Place::Sqlite { _dir: dir },
                }
            }
            Backend::Postgres => {
                let server = server_url();
                let name = format!("tasks_test_{}", Uuid::now_v7().simple());
                if let Err(e) = admin(&server, Job::Create(&name)).await {
                    panic!("creating a test database failed: {e}")
                }
                let mut url = url::Url::parse(&server).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    place: Place::Postgres { server, name },
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A fresh database with the migrations before `migration` (by name)
    /// applied, and a connection to it: for rows stored as an older server
    /// stored them, before the rest is applied.
    pub async fn migrated_before(backend: Backend, migration: &str) -> (Self, DatabaseConnection) {
        let database = Self::fresh(backend).await;
        let url = match backend {
            // The app creates a missing SQLite file; a bare connection does not.
            Backend::Sqlite => format!("{}?mode=rwc", database.url()),
            Backend::Postgres => database.url().to_owned(),
        };
        let db = Database::connect(url).await.unwrap();
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == migration)
            .unwrap_or_else(|| panic!("no migration {migration}"));
        Migrator::up(&db, Some(u32::try_from(before).unwrap()))
            .await
            .unwrap();
        (database, db)
    }
}

impl Drop for TestDatabase {
    /// Drops a PostgreSQL test database, closing whatever connections the
    /// test left open. Drop cannot await, so this runs on a short-lived
    /// thread with a runtime of its own, and waits a bounded time for it.
    fn drop(&mut self) {
        let Place::Postgres { server, name } = &self.place else {
            return; // the temporary directory goes with its field
        };
        let (server, job_name) = (server.clone(), name.clone());
        let (done, outcome) = mpsc::channel();
        std::thread::spawn(move || {
            let dropped = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|runtime| runtime.block_on(admin(&server, Job::Drop(&job_name))));
            let _ = done.send(dropped);
        });
        let failure = match outcome.recv_timeout(ADMIN_DEADLINE + Duration::from_secs(1)) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => format!("test database {name} was not dropped: {e}"),
            Err(_) => format!("test database {name} was not dropped within {ADMIN_DEADLINE:?}"),
        };
        // A second panic while the test unwinds would abort the whole run.
        if std::thread::panicking() {
            eprintln!("{failure}");
        } else {
            panic!("{failure}");
        }
    }
}

/// The PostgreSQL server the tests use. Its leg is compiled as ignored when
/// `TEST_DATABASE_URL` is unset (build.rs), so reaching this without one
/// means it was asked for explicitly (`--ignored`): say what is missing.
fn server_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "TEST_DATABASE_URL is not set: the PostgreSQL leg needs a server URL \
             (scripts/test.sh starts a throwaway one)"
        ),
    }
}

/// The test database `url` names, reached through the transaction-mode
/// pooler `TEST_POOLER_URL` names (in front of the same server), when set:
/// then every app of the PostgreSQL leg goes through it, with a direct URL
/// beside it, as on Neon.
pub fn through_pooler(url: &str) -> Option<String> {
    let pooler = std::env::var("TEST_POOLER_URL")
        .ok()
        .filter(|pooler| !pooler.is_empty())?;
    if url.starts_with("sqlite:") {
        return None;
    }
    let direct = url::Url::parse(url).expect("a PostgreSQL URL");
    let mut pooled = url::Url::parse(&pooler).expect("TEST_POOLER_URL is a URL");
    pooled.set_path(direct.path());
    Some(pooled.to_string())
}

/// The address of the PostgreSQL server, for tests that put something
/// between it and the app.
pub fn postgres_server_addr() -> SocketAddr {
    let url = url::Url::parse(&server_url()).expect("TEST_DATABASE_URL is a URL");
    let host = url.host_str().expect("TEST_DATABASE_URL names a host");
    format!("{host}:{}", url.port().unwrap_or(5432))
        .parse()
        .expect("TEST_DATABASE_URL names an IP address")
}

enum Job<'a> {
    Create(&'a str),
    Drop(&'a str),
}

/// Creates or drops a database, within the deadline: a server that is down
/// or unreachable fails the test rather than hang it.
async fn admin(server: &str, job: Job<'_>) -> Result<(), String> {
    let work = async {
        let mut options = ConnectOptions::new(server.to_owned());
        options
            .max_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        let admin: DatabaseConnection = Database::connect(options)
            .await
            .map_err(|e| format!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"))?;
        let done = match job {
            Job::Create(name) => admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .map(drop),
            Job::Drop(name) => drop_database(&admin, name).await,
        };
        admin.close().await.ok();
        done.map_err(|e| e.to_string())
    };
    tokio::time::timeout(ADMIN_DEADLINE, work)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer from PostgreSQL within {ADMIN_DEADLINE:?}"
            ))
        })
}

/// Gives the app's and the test's connections a moment to close as the test
/// ends, then drops the database and whatever connections are left:
/// `WITH (FORCE)` ends them, but then waits for them in 100 ms steps.
async fn drop_database(admin: &DatabaseConnection, name: &str) -> Result<(), DbErr> {
    let attached = Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '{name}'"),
    );
    let patience = Instant::now() + Duration::from_millis(500);
    loop {
        let row = admin.query_one_raw(attached.clone()).await?;
        let connected = match row {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        };
        if connected == 0 || Instant::now() > patience {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    admin.execute_unprepared(&drop).await.map(|_| ())
}
