//! SQLite: a page of tasks read as one JSON document that the database
//! builds, one row for the page instead of one per task. sqlx hands every
//! row from the connection's worker thread to the request's task, copying
//! each column; one value instead of fourteen columns × fifty rows saves
//! most of a list's cost (see BENCHMARKS.md).
//!
//! Each task is a JSON array of the entity's columns in the entity's
//! order, written and decoded from `task::Column` and `task::Model`: a new
//! column is on the page without a word here.
use std::fmt::Write;
use std::sync::OnceLock;

use sea_orm::{ColumnTrait, ColumnType, ConnectionTrait, DbBackend, Iden, Iterable, QueryTrait};
use uuid::Uuid;

use super::page::{TOTAL, ordered_select, sort_keys};
use crate::domain::query::{ListQuery, SortOrder};
use crate::domain::{Error, Result, Task};
use crate::entity::task;

/// The page's tasks, and the total its rows carried (none on an empty page).
pub async fn read(
    db: &impl ConnectionTrait,
    owner: Uuid,
    query: &ListQuery,
) -> Result<(Vec<Task>, Option<i64>)> {
    // The bounds are written into the SQL, not bound: SQLite (3.47+) plans
    // with a bound LIMIT's value, so binding one expires the prepared
    // statement, and every list was parsed and planned again (a seventh of
    // its instructions). Each page size and offset is a statement of its
    // own in the connection's cache instead.
    let mut statement = ordered_select(owner, query).build(DbBackend::Sqlite);
    write!(
        statement.sql,
        " LIMIT {} OFFSET {}",
        query.limit, query.offset
    )
    .map_err(|error| Error::Internal(error.to_string()))?;
    // The aggregate orders its input as the page does: an aggregate over an
    // ordered subquery keeps that order only in practice.
    let order = aggregate_order(query);
    let page = std::mem::take(&mut statement.sql);
    statement.sql = format!(
        "SELECT json_group_array(json_array({columns}) ORDER BY {order}), MAX({TOTAL}) \
         FROM ({page}) AS page",
        columns = columns()
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| Error::Internal("an aggregate answered no row".into()))?;
    let document: Option<String> = row.try_get_by_index(0)?;
    let total: Option<i64> = row.try_get_by_index(1)?;
    let rows: Vec<task::Model> = match document {
        Some(document) => serde_json::from_str(&document).map_err(|error| {
            Error::Internal(format!("a stored task did not read back: {error}"))
        })?,
        None => Vec::new(),
    };
    Ok((rows.into_iter().map(Task::from).collect(), total))
}

/// Columns a `Task` does not carry: written as an empty value of their
/// kind, not copied through the document (the search forms are as long as
/// the text itself).
fn unread(column: task::Column) -> bool {
    use task::Column::*;
    matches!(column, TitleFolded | DescriptionFolded | ChangeSeq)
}

/// Every column of a task, in the entity's order, as JSON a `task::Model`
/// reads: UUIDs (blobs) as hex text, booleans (integers) as JSON booleans.
fn columns() -> &'static str {
    static COLUMNS: OnceLock<String> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let column = |column: task::Column| {
            let name = column.to_string();
            let def = column.def();
            let value = match (def.get_column_type(), unread(column)) {
                (ColumnType::String(_) | ColumnType::Text, true) => return "''".to_owned(),
                (_, true) => return "0".to_owned(),
                (ColumnType::Uuid, _) => format!("hex({name})"),
                // `json('true')` is constant, computed once per statement.
                (ColumnType::Boolean, _) => format!("iif({name}, json('true'), json('false'))"),
                _ => return name,
            };
            match def.is_null() {
                true => format!("iif({name} IS NULL, NULL, {value})"),
                false => value,
            }
        };
        task::Column::iter()
            .map(column)
            .collect::<Vec<_>>()
            .join(", ")
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_the_entity_is_on_the_page_in_its_order() {
        let listed = columns();
        let mut from = 0;
        for column in task::Column::iter() {
            let name = column.to_string();
            let at = match unread(column) {
                true => continue,
                false => listed[from..].find(&name).map(|at| at + from),
            };
            from = at.unwrap_or_else(|| panic!("{name} is missing or out of order: {listed}"));
        }
    }
}
