//! SQLite: a page of tasks read as one JSON document that the database
//! builds, one row instead of one per task.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait};
use uuid::Uuid;

use super::read::page_select;
use crate::domain::query::ListQuery;
use crate::domain::{Error, Priority, Recurrence, Result, Task};

/// A task as the statement writes it: the columns in `Task`'s order.
type Row = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i16,
    Vec<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    String,
);

/// The page's tasks, and the total its rows carried (none on an empty page).
pub async fn read(
    db: &impl ConnectionTrait,
    owner: Uuid,
    query: &ListQuery,
) -> Result<(Vec<Task>, Option<i64>)> {
    let mut statement = page_select(owner, query).build(DbBackend::Sqlite);
    let page = statement.sql;
    statement.sql = format!(
        "SELECT json_group_array(json_array(hex(id), hex(user_id), title, description, \
         completed, completed_at, priority, json(tags), due_date, recurrence, \
         iif(next_task_id IS NULL, NULL, hex(next_task_id)), version, created_at, updated_at)), \
         MAX(total_count) FROM ({page})"
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| Error::Internal("an aggregate answered no row".into()))?;
    let document: String = row.try_get_by_index(0)?;
    let total: Option<i64> = row.try_get_by_index(1)?;
    let rows: Vec<Row> = serde_json::from_str(&document).map_err(internal)?;
    let tasks = rows.into_iter().map(task).collect::<Result<_>>()?;
    Ok((tasks, total))
}

fn task(row: Row) -> Result<Task> {
    let (id, user_id, title, description, completed, completed_at, priority, tags) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    let (due_date, recurrence, next_task_id, version, created_at, updated_at) =
        (row.8, row.9, row.10, row.11, row.12, row.13);
    Ok(Task {
        id: uuid(&id)?,
        user_id: uuid(&user_id)?,
        title,
        description,
        completed: completed != 0,
        completed_at: completed_at.as_deref().map(instant).transpose()?,
        priority: Priority::from_rank(priority),
        tags,
        due_date: due_date.as_deref().map(instant).transpose()?,
        recurrence: recurrence.as_deref().and_then(Recurrence::parse_stored),
        next_task_id: next_task_id.as_deref().map(uuid).transpose()?,
        version,
        created_at: instant(&created_at)?,
        updated_at: instant(&updated_at)?,
    })
}

fn uuid(hex: &str) -> Result<Uuid> {
    Uuid::try_parse(hex).map_err(internal)
}

fn instant(text: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(internal)?
        .with_timezone(&Utc))
}

fn internal(error: impl std::fmt::Display) -> Error {
    Error::Internal(format!("a stored task did not read back: {error}"))
}
