//! `tasks-api seed`: bulk data for benchmarks and demos.
//!
//! Rows are built by the same functions the API uses
//! (`service::tasks::new_row`, `tag_rows`) and written in large
//! transactions of multi-row INSERTs, so 10,000 users with 100 tasks each
//! take minutes rather than hours.
//!
//! Every seeded user has the email `seed-N@example.com` and the password
//! [`PASSWORD`]. The password is hashed once and the hash is shared by all
//! of them, at a low bcrypt cost by default: seeded accounts are test data,
//! never real ones. Pass `--password-cost 12` to make their logins cost
//! what a real one does (the benchmark's login scenario does).
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Set, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use crate::auth::TokenService;
use crate::domain::{Error, Priority, Recurrence, Result, Tags, TaskChanges, TaskEdit, timestamp};
use crate::entity::user;
use crate::service::tasks;

/// The password of every seeded user.
pub const PASSWORD: &str = "seeded-password";

/// The default bcrypt cost of the seeded users' hash: the lowest, because
/// seeded accounts are test data.
pub const DEFAULT_PASSWORD_COST: u32 = 4;

/// Rows per INSERT statement: tasks have 16 columns, so 500 rows bind 8,000
/// parameters, under SQLite's limit (32,766) and PostgreSQL's (65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// Tasks written per transaction (whole users at a time).
const TASKS_PER_TRANSACTION: u32 = 20_000;

/// What to create.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub users: u32,
    pub tasks_per_user: u32,
    pub password_cost: u32,
}

/// Task ids kept per seeded user for `write_sessions`.
const TASKS_PER_SESSION: usize = 10;

/// One seeded user: its id and the ids of its first tasks (at most 10).
#[derive(Debug, Clone)]
pub struct SeededUser {
    pub id: Uuid,
    pub tasks: Vec<Uuid>,
}

/// What was created, and how long it took.
#[derive(Debug)]
pub struct Seeded {
    pub users: Vec<SeededUser>,
    pub tasks: u64,
    pub elapsed: Duration,
}

/// The email of the `n`th seeded user (from 0).
pub fn email(n: u32) -> String {
    format!("seed-{n}@example.com")
}

/// Creates the users and their tasks, then refreshes the planner's
/// statistics. Fails (and writes nothing more) if a seeded email exists.
pub async fn run<C>(db: &C, plan: &Plan) -> Result<Seeded>
where
    C: ConnectionTrait + TransactionTrait,
{
    let started = Instant::now();
    let cost = plan.password_cost;
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(PASSWORD, cost))
        .await
        .map_err(|err| Error::Internal(format!("hashing the seed password failed: {err}")))??;
    let now = timestamp(Utc::now());
    let users_per_transaction = (TASKS_PER_TRANSACTION / plan.tasks_per_user.max(1)).max(1);
    let mut seeded = Vec::with_capacity(plan.users as usize);
    let mut first = 0;
    while first < plan.users {
        let last = first.saturating_add(users_per_transaction).min(plan.users);
        let (mut users, mut task_rows, mut tag_rows) = (Vec::new(), Vec::new(), Vec::new());
        for n in first..last {
            let id = Uuid::now_v7();
            users.push(user::ActiveModel {
                id: Set(id),
                email: Set(email(n)),
                password_hash: Set(hash.clone()),
                name: Set(Some(format!("Seeded user {n}"))),
                created_at: Set(now),
            });
            let mut kept = Vec::new();
            for i in 0..plan.tasks_per_user {
                let draft = draft(i)?;
                // Oldest first, a second apart, so "newest first" is a
                // real order and not a tie broken by id.
                let created = now - chrono::Duration::seconds(i64::from(plan.tasks_per_user - i));
                let row = tasks::new_row(id, &draft, created);
                let task_id = row.id.clone().unwrap();
                if kept.len() < TASKS_PER_SESSION {
                    kept.push(task_id);
                }
                let tags = draft.tags.as_ref().map(Tags::as_slice).unwrap_or_default();
                tag_rows.extend(tasks::tag_rows(task_id, id, tags));
                task_rows.push(row);
            }
            seeded.push(SeededUser { id, tasks: kept });
        }
        let txn = db.begin().await?;
        insert_chunked(&txn, users).await?;
        insert_chunked(&txn, task_rows).await?;
        insert_chunked(&txn, tag_rows).await?;
        txn.commit().await?;
        first = last;
    }
    analyze(db).await?;
    Ok(Seeded {
        users: seeded,
        tasks: u64::from(plan.users) * u64::from(plan.tasks_per_user),
        elapsed: started.elapsed(),
    })
}

/// Writes one line per seeded user with at least one task,
/// `USER_ID ACCESS_TOKEN TASK_ID...` (up to 10 task ids), for a load
/// generator. The tokens are
/// signed with the server's settings, so they are only useful when the
/// server shares the JWT secret.
pub fn write_sessions(path: &Path, tokens: &TokenService, seeded: &Seeded) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for user in &seeded.users {
        if user.tasks.is_empty() {
            continue;
        }
        let token = tokens.issue(user.id)?.access_token;
        write!(out, "{} {}", user.id, token)?;
        for task in &user.tasks {
            write!(out, " {task}")?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

/// The `i`th task of a user: a spread of priorities, tags, due dates and
/// completion, like the data the query plans were checked against.
// The update sets no field today; it lets a new field take its default
// here without a change.
#[allow(clippy::needless_update)]
fn draft(i: u32) -> Result<TaskEdit> {
    let mut tags = Vec::new();
    if i.is_multiple_of(2) {
        tags.push("work".to_owned());
    }
    if i.is_multiple_of(5) {
        tags.push("home".to_owned());
    }
    let due_date = (!i.is_multiple_of(4))
        .then(|| timestamp(Utc::now()) + chrono::Duration::days(i64::from(i % 30) - 10));
    TaskChanges {
        title: Some(format!("Seeded task {i}")),
        description: i
            .is_multiple_of(3)
            .then(|| "Generated by tasks-api seed.".to_owned()),
        completed: Some(i.is_multiple_of(3)),
        priority: Some(
            [
                Priority::Low,
                Priority::Medium,
                Priority::High,
                Priority::Urgent,
            ][(i % 4) as usize],
        ),
        tags: Some(tags),
        due_date: Some(due_date),
        recurrence: Some(i.is_multiple_of(10).then_some(Recurrence::Weekly)),
        ..TaskChanges::default()
    }
    .parse()
    .map_err(Error::Validation)
}

async fn insert_chunked<A, C>(db: &C, rows: Vec<A>) -> Result<()>
where
    A: ActiveModelTrait,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        A::Entity::insert_many(rows.by_ref().take(ROWS_PER_STATEMENT))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Fresh statistics, so the planner sees the tables as they now are.
async fn analyze(db: &impl ConnectionTrait) -> Result<()> {
    match db.get_database_backend() {
        DbBackend::Postgres | DbBackend::Sqlite => {
            db.execute_unprepared("ANALYZE").await?;
        }
        _ => {}
    }
    Ok(())
}
