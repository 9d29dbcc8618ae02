//! Tasks: every query is scoped to its owner, so another user's task is
//! simply not found. Each operation takes the caller (from the verified
//! token) and the path's owner, and decides 401, 403 and 404 itself.
mod change;
mod create;
mod delete;
mod filter;
mod write;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use create::{Created, IdempotencyKey, NewTask, create, insert, new_row, tag_rows};
pub use delete::{delete, delete_completed};
pub use write::{Target, replace, set_completion, update};

use super::access;
use crate::domain::query::{ListQuery, SortField, SortOrder};
use crate::domain::{Priority, Recurrence, Result, Task, timestamp};
use crate::entity::task;

/// One page of a list, and how many tasks match across all pages.
pub struct Page {
    pub items: Vec<Task>,
    pub total: u64,
}

/// One page of the caller's tasks at `/api/{owner}/tasks`.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Uuid,
    owner: Uuid,
    query: &ListQuery,
) -> Result<Page> {
    access::before_read(db, caller, owner).await?;
    let page = read_page(db, owner, query).await;
    access::after_read(db, caller, page, |p| p.total > 0).await
}

async fn read_page(db: &impl ConnectionTrait, owner: Uuid, query: &ListQuery) -> Result<Page> {
    let total = filter::apply(owned(owner), owner, &query.filter)
        .count(db)
        .await?;
    let rows = page_select(owner, query).all(db).await?;
    Ok(Page {
        items: rows.into_iter().map(Task::from).collect(),
        total,
    })
}

/// The query for one page of a list: filters, order and bounds.
pub fn page_select(user_id: Uuid, query: &ListQuery) -> sea_orm::Select<task::Entity> {
    let mut select = filter::apply(owned(user_id), user_id, &query.filter);
    let order = match query.order {
        SortOrder::Asc => Order::Asc,
        SortOrder::Desc => Order::Desc,
    };
    let column = match query.sort {
        SortField::CreatedAt => task::Column::CreatedAt,
        SortField::UpdatedAt => task::Column::UpdatedAt,
        SortField::Title => task::Column::Title,
        SortField::DueDate => {
            // Tasks without a due date go last whichever way the list runs.
            select = select.order_by(Expr::col(task::Column::DueDate).is_null(), Order::Asc);
            task::Column::DueDate
        }
        SortField::Priority => task::Column::Priority,
    };
    // The id breaks ties in the same direction, so the order is total and
    // pages never repeat or skip a task.
    select
        .order_by(column, order.clone())
        .order_by(task::Column::Id, order)
        .limit(query.limit)
        .offset(query.offset)
}

/// One of the caller's tasks at `/api/{owner}/tasks/{task_id}`.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Uuid,
    owner: Uuid,
    task_id: Uuid,
) -> Result<Task> {
    access::before_read(db, caller, owner).await?;
    let task = find(db, owner, task_id).await;
    Ok(access::after_read(db, caller, task, |_| true).await?.into())
}

fn owned(user_id: Uuid) -> sea_orm::Select<task::Entity> {
    task::Entity::find().filter(task::Column::UserId.eq(user_id))
}

/// The stored row of one of `user_id`'s tasks.
async fn find(db: &impl ConnectionTrait, user_id: Uuid, task_id: Uuid) -> Result<task::Model> {
    // Not `.one()`: its `LIMIT ?` is a bound parameter, and SQLite (3.47+)
    // plans with a bound LIMIT's value, so rebinding it expires the cached
    // statement and every call parsed and planned the SQL again. The
    // primary key already bounds the result to one row.
    owned(user_id)
        .filter(task::Column::Id.eq(task_id))
        .all(db)
        .await?
        .pop()
        .ok_or(crate::domain::Error::TaskNotFound)
}

/// The instant `overdue` compares due dates with.
pub fn now() -> DateTime<Utc> {
    timestamp(Utc::now())
}

impl From<task::Model> for Task {
    fn from(row: task::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            title: row.title,
            description: row.description,
            completed: row.completed,
            completed_at: row.completed_at,
            priority: Priority::from_rank(row.priority),
            tags: stored_tags(&row.tags),
            due_date: row.due_date,
            recurrence: row.recurrence.as_deref().and_then(Recurrence::parse_stored),
            next_task_id: row.next_task_id,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Tags are stored on the row as a JSON array (and in `task_tags` for
/// filtering).
fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

fn stored_tags(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}
