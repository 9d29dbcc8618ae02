//! What one point read of a task costs through each layer of the stack, to
//! see how much of a get is the database driver's per-query machinery.
//!
//! Opens the database as the server does (`startup::connect`, `migrate`),
//! seeds 100 users with 100 tasks each when the tasks table is empty
//! (`cli::seed`), then runs each variant twice, alternating, with
//! `--concurrency` tokio tasks reading a random task by (id, user_id) for
//! `--seconds`. Variants: `sea-orm` (the server's query, on its pool);
//! `sqlx-pool` (the same SQL through sqlx on the same pool: one checkout, and
//! a ping on release, per query); `sqlx-held` (the pool's connections
//! checked out once and kept, each shared by a fixed share of the tasks);
//! and on SQLite the C API with a prepared statement kept per connection:
//! `c-threads` (`--readers` connections on their own threads, fed by a
//! channel, answering on a oneshot) and `c-inline` (one connection per
//! runtime worker thread, read right there, no hop at all). Prints reads/s,
//! the process's CPU time per read (getrusage) and p50/p99 latency.
//!
//! `cargo run --release --example driver_cost -- [--database-url URL]
//! [--seconds S] [--concurrency C] [--readers N]` (default: a new SQLite
//! file in a temporary directory).
mod sqlite;

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use clap::Parser;
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::sqlx::{self, Postgres, Sqlite, pool::PoolConnection};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use sea_orm::{DatabaseConnection, FromQueryResult, QueryResult, QueryTrait};
use tasks_api::{cli::seed, entity::task, startup};
use tokio::sync::{Mutex, oneshot};
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    seconds: u64,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Connections (and threads) of `c-threads`.
    #[arg(long, default_value_t = 2)]
    readers: usize,
}

type Found = anyhow::Result<Option<task::Model>>;
type Held<DB> = Vec<Mutex<PoolConnection<DB>>>;

enum Reader {
    SeaOrm(DatabaseConnection),
    LitePool(sqlx::SqlitePool),
    PgPool(sqlx::PgPool),
    LiteHeld(Held<Sqlite>),
    PgHeld(Held<Postgres>),
    CThreads(mpsc::Sender<sqlite::Job>),
    CInline,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("tasks.db").display()));
    let cli = tasks_api::cli::Cli::try_parse_from(["tasks-api", "--database-url", &url])?;
    let db = startup::connect(&cli.settings).await?;
    startup::migrate(&db).await?;
    if task::Entity::find().count(&db).await? == 0 {
        let plan = seed::Plan {
            users: 100,
            tasks_per_user: 100,
            password_cost: seed::DEFAULT_PASSWORD_COST,
        };
        seed::run(&db, &plan).await?;
    }
    let db = db.pool().clone();
    let keys: Arc<Vec<(Uuid, Uuid)>> = Arc::new(
        task::Entity::find()
            .select_only()
            .columns([task::Column::Id, task::Column::UserId])
            .into_tuple()
            .all(&db)
            .await?,
    );
    let backend = db.get_database_backend();
    // sqlx takes `&'static str` as trusted SQL: the statement lives as long as the process.
    let sql: &'static str = select(Uuid::nil(), Uuid::nil()).build(backend).sql.leak();
    let mut variants = vec!["sea-orm", "sqlx-pool", "sqlx-held"];
    if backend == DbBackend::Sqlite {
        sqlite::target(&url, sql)?;
        variants.extend(["c-threads", "c-inline"]);
    }
    let (tasks, readers) = (keys.len(), args.concurrency);
    println!("{backend:?}, {tasks} tasks, {readers} tasks reading");
    for round in 1..=2 {
        for name in &variants {
            // Every variant reads the very row the server's query does.
            let (id, user) = keys[0];
            let want = select(user, id).one(&db).await?;
            let reader = Arc::new(reader(name, &db, args.readers).await?);
            ensure!(
                reader.read(0, sql, id, user).await? == want,
                "{name} read another row"
            );
            let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
            let load = load.split(' ').take(3).collect::<Vec<_>>().join(" ");
            let (reads, secs, cpu, mut lat) = run(&reader, sql, &keys, &args).await?;
            lat.sort_unstable();
            let pct = |p: usize| lat[(lat.len() * p / 100).min(lat.len() - 1)] as f64 / 1e6;
            let (rate, cpu) = (reads as f64 / secs, cpu / reads as f64);
            let (p50, p99) = (pct(50), pct(99));
            println!(
                "round {round} {name:<9} {rate:>7.0} reads/s {cpu:>5.1} CPU µs/read \
                 p50 {p50:>6.2} ms p99 {p99:>6.2} ms  load {load}"
            );
        }
    }
    Ok(())
}

fn select(user_id: Uuid, task_id: Uuid) -> sea_orm::Select<task::Entity> {
    task::Entity::find()
        .filter(task::Column::UserId.eq(user_id))
        .filter(task::Column::Id.eq(task_id))
}

async fn reader(name: &str, db: &DatabaseConnection, readers: usize) -> anyhow::Result<Reader> {
    let lite = db.get_database_backend() == DbBackend::Sqlite;
    Ok(match name {
        "sea-orm" => Reader::SeaOrm(db.clone()),
        "sqlx-pool" if lite => Reader::LitePool(db.get_sqlite_connection_pool().clone()),
        "sqlx-pool" => Reader::PgPool(db.get_postgres_connection_pool().clone()),
        "sqlx-held" if lite => Reader::LiteHeld(hold(db.get_sqlite_connection_pool()).await?),
        "sqlx-held" => Reader::PgHeld(hold(db.get_postgres_connection_pool()).await?),
        "c-threads" => Reader::CThreads(sqlite::spawn(readers)?),
        _ => Reader::CInline,
    })
}

/// Every connection the pool may open, checked out.
async fn hold<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> anyhow::Result<Held<DB>> {
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(Mutex::new(pool.acquire().await?));
    }
    Ok(held)
}

/// Runs the readers for the set time: (reads, seconds, CPU µs, latencies in µs·1000).
async fn run(
    reader: &Arc<Reader>,
    sql: &'static str,
    keys: &Arc<Vec<(Uuid, Uuid)>>,
    args: &Args,
) -> anyhow::Result<(usize, f64, f64, Vec<u64>)> {
    let (cpu, started) = (cpu_us(), Instant::now());
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for w in 0..args.concurrency {
        let (reader, keys) = (reader.clone(), keys.clone());
        tasks.push(tokio::spawn(async move {
            let (mut rng, mut lat) = (StdRng::seed_from_u64(w as u64), Vec::new());
            while Instant::now() < deadline {
                let (id, user) = keys[rng.random_range(0..keys.len())];
                let t = Instant::now();
                let found = reader.read(w, sql, id, user).await?;
                lat.push(t.elapsed().as_nanos() as u64);
                if found.is_none_or(|row| row.id != id) {
                    bail!("task {id} not read back");
                }
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    Ok((all.len(), secs, cpu_us() - cpu, all))
}

macro_rules! raw {
    ($sql:expr, $id:expr, $user:expr, $ex:expr) => {{
        let rows = sqlx::query($sql)
            .bind($user)
            .bind($id)
            .fetch_all($ex)
            .await?;
        // Decoded as the server decodes a row: by the entity's columns.
        match rows.into_iter().next() {
            Some(r) => Some(task::Model::from_query_result(&QueryResult::from(r), "")?),
            None => None,
        }
    }};
}

impl Reader {
    async fn read(&self, w: usize, sql: &'static str, id: Uuid, user: Uuid) -> Found {
        Ok(match self {
            Reader::SeaOrm(db) => select(user, id).all(db).await?.pop(),
            Reader::LitePool(pool) => raw!(sql, id, user, pool),
            Reader::PgPool(pool) => raw!(sql, id, user, pool),
            Reader::LiteHeld(held) => raw!(sql, id, user, &mut **held[w % held.len()].lock().await),
            Reader::PgHeld(held) => raw!(sql, id, user, &mut **held[w % held.len()].lock().await),
            Reader::CThreads(tx) => {
                let (reply, answer) = oneshot::channel();
                tx.send((id, user, reply))?;
                answer.await??
            }
            Reader::CInline => {
                // As a request would, between reads the task gives the others their turn.
                tokio::task::yield_now().await;
                sqlite::read_here(id, user)?
            }
        })
    }
}

/// The process's user + system CPU time so far, in µs (every thread).
fn cpu_us() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}
