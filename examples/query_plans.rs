//! Prints the query plans of the task-list queries for a user with 10,000
//! tasks, on the database named by DATABASE_URL (SQLite or PostgreSQL).
//!
//! `cargo run --release --example query_plans` (see BENCHMARKS.md).
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DbBackend, QueryTrait, Set, Statement};
use tasks_api::domain::query::{ListQuery, SortField, SortOrder, StatusFilter, TaskFilter};
use tasks_api::domain::{Priority, Recurrence, TaskChanges};
use tasks_api::entity::user;
use tasks_api::service::tasks;
use tasks_api::service::transaction::BeginWrite;
use tasks_api::startup;
use uuid::Uuid;

const TASKS: usize = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://query-plans.db".into());
    let conn = Database::connect(&url).await?;
    startup::migrate(&conn.clone().into()).await?;
    let user = seed(&conn).await?;
    let backend = conn.get_database_backend();
    let base = ListQuery {
        limit: 50,
        ..ListQuery::default()
    };
    let now = Utc::now();
    let cases = [
        ("default: newest first", base.clone()),
        (
            "pending, by due date asc",
            ListQuery {
                filter: TaskFilter {
                    status: StatusFilter::Pending,
                    ..Default::default()
                },
                sort: SortField::DueDate,
                order: SortOrder::Asc,
                ..base.clone()
            },
        ),
        (
            "by priority desc",
            ListQuery {
                sort: SortField::Priority,
                ..base.clone()
            },
        ),
        (
            "priority=urgent",
            ListQuery {
                filter: TaskFilter {
                    priorities: vec![Priority::Urgent],
                    ..Default::default()
                },
                ..base.clone()
            },
        ),
        (
            "tag=a3 & tag=b5",
            ListQuery {
                filter: TaskFilter {
                    tags: vec!["a3".into(), "b5".into()],
                    ..Default::default()
                },
                ..base.clone()
            },
        ),
        (
            "q=milk",
            ListQuery {
                filter: TaskFilter {
                    text: Some("milk".into()),
                    ..Default::default()
                },
                ..base.clone()
            },
        ),
        (
            "overdue",
            ListQuery {
                filter: TaskFilter {
                    overdue_at: Some(now),
                    ..Default::default()
                },
                ..base.clone()
            },
        ),
        (
            "due window",
            ListQuery {
                filter: TaskFilter {
                    due_after: Some(now),
                    due_before: Some(now + Duration::days(30)),
                    ..Default::default()
                },
                ..base.clone()
            },
        ),
    ];
    for (name, query) in cases {
        let stmt = tasks::page_select(user, &query).build(backend);
        let explain = match backend {
            DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {}", stmt.sql),
            _ => format!("EXPLAIN ANALYZE {}", stmt.sql),
        };
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                explain,
                stmt.values.unwrap_or(sea_orm::Values(Vec::new())),
            ))
            .await?;
        println!("\n## {name}\n{}", stmt.sql);
        for row in rows {
            let line: String = match backend {
                DbBackend::Sqlite => row.try_get_by_index::<String>(3)?,
                _ => row.try_get_by_index::<String>(0)?,
            };
            println!("    {line}");
        }
    }
    Ok(())
}

/// One user with 10,000 tasks spread over priorities, tags and due dates,
/// next to a second user with as many, so the scoping is exercised.
async fn seed(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<Uuid> {
    let mut users = Vec::new();
    for _ in 0..2 {
        let id = Uuid::now_v7();
        user::ActiveModel {
            id: Set(id),
            email: Set(format!("{id}@example.com")),
            password_hash: Set("not a hash".into()),
            name: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(conn)
        .await?;
        let txn = conn.begin_write().await?;
        for i in 0..TASKS {
            let draft = TaskChanges {
                title: Some(format!(
                    "task {i} {}",
                    if i % 100 == 0 { "buy milk" } else { "chores" }
                )),
                completed: Some(i % 3 == 0),
                priority: Some(
                    [
                        Priority::Low,
                        Priority::Medium,
                        Priority::High,
                        Priority::Urgent,
                    ][i % 4],
                ),
                tags: Some(vec![format!("a{}", i % 7), format!("b{}", i % 11)]),
                due_date: Some((i % 5 != 0).then(|| Utc::now() + Duration::hours(i as i64 - 5000))),
                recurrence: Some((i % 50 == 0).then_some(Recurrence::Weekly)),
                ..TaskChanges::default()
            }
            .parse()
            .map_err(|failures| anyhow::anyhow!("{failures:?}"))?;
            tasks::insert(&txn, id, &draft).await?;
        }
        txn.commit().await?;
        users.push(id);
    }
    conn.execute_unprepared("ANALYZE").await?;
    Ok(users[0])
}
