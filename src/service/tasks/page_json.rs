//! SQLite: a page of tasks read as one JSON document that the database
//! builds, one row for the page instead of one per task. sqlx hands every
//! row from the connection's worker thread to the request's task, copying
//! each column; one value instead of fourteen columns × fifty rows saves
//! most of a list's cost (see BENCHMARKS.md).
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Iden, QueryTrait};
use serde::Deserialize;
use uuid::Uuid;

use super::read::{TOTAL, page_select, sort_keys};
use super::rows::stored_tags;
use crate::domain::query::{ListQuery, SortOrder};
use crate::domain::{Error, Priority, Recurrence, Result, Task};

/// The page's tasks, and the total its rows carried (none on an empty page).
pub async fn read(
    db: &impl ConnectionTrait,
    owner: Uuid,
    query: &ListQuery,
) -> Result<(Vec<Task>, Option<i64>)> {
    let mut statement = page_select(owner, query).build(DbBackend::Sqlite);
    // The aggregate orders its input as the page does: an aggregate over an
    // ordered subquery keeps that order only in practice.
    let order = aggregate_order(query);
    let page = std::mem::take(&mut statement.sql);
    statement.sql = format!(
        "SELECT json_group_array(json_array(hex(id), hex(user_id), title, description, \
         completed, completed_at, priority, tags, \
         due_date, recurrence, \
         iif(next_task_id IS NULL, NULL, hex(next_task_id)), version, created_at, \
         updated_at) ORDER BY {order}), MAX({TOTAL}) FROM ({page}) AS page"
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| Error::Internal("an aggregate answered no row".into()))?;
    let document: Option<String> = row.try_get_by_index(0)?;
    let total: Option<i64> = row.try_get_by_index(1)?;
    let rows: Vec<Row> = match document {
        Some(document) => serde_json::from_str(&document).map_err(internal)?,
        None => Vec::new(),
    };
    let tasks = rows
        .into_iter()
        .map(Task::try_from)
        .collect::<Result<_>>()?;
    Ok((tasks, total))
}

/// `ORDER BY` of the aggregate, over the page's columns: the page's keys.
fn aggregate_order(query: &ListQuery) -> String {
    let direction = match query.order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    sort_keys(query)
        .iter()
        .map(|(column, nulls_last)| match nulls_last {
            true => format!("{0} IS NULL, {0} {direction}", column.to_string()),
            false => format!("{} {direction}", column.to_string()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A task as the statement writes it: the columns in this order.
#[derive(Deserialize)]
struct Row(
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i16,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    String,
);

impl TryFrom<Row> for Task {
    type Error = Error;

    fn try_from(row: Row) -> Result<Self> {
        let Row(
            id,
            user_id,
            title,
            description,
            completed,
            completed_at,
            priority,
            tags,
            due,
            recurrence,
            next,
            version,
            created,
            updated,
        ) = row;
        Ok(Task {
            id: uuid(&id)?,
            user_id: uuid(&user_id)?,
            title,
            description,
            completed: completed != 0,
            completed_at: completed_at.as_deref().map(instant).transpose()?,
            priority: Priority::from_rank(priority),
            tags: stored_tags(&tags),
            due_date: due.as_deref().map(instant).transpose()?,
            recurrence: recurrence.as_deref().and_then(Recurrence::parse_stored),
            next_task_id: next.as_deref().map(uuid).transpose()?,
            version,
            created_at: instant(&created)?,
            updated_at: instant(&updated)?,
        })
    }
}

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::try_parse(text).map_err(internal)
}

fn instant(text: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(internal)?
        .with_timezone(&Utc))
}

fn internal(error: impl std::fmt::Display) -> Error {
    Error::Internal(format!("a stored task did not read back: {error}"))
}
