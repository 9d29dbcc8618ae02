//! Tasks as rows: the owner-scoped query, one row by id, and the stored
//! forms of a task's fields.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::{Error, Priority, Recurrence, Result, Task};
use crate::entity::task;

pub(super) fn owned(user_id: Uuid) -> sea_orm::Select<task::Entity> {
    task::Entity::find().filter(task::Column::UserId.eq(user_id))
}

/// The stored row of one of `user_id`'s tasks.
pub(super) async fn find(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    task_id: Uuid,
) -> Result<task::Model> {
    // Not `.one()`: its `LIMIT ?` is a bound parameter, and SQLite (3.47+)
    // plans with a bound LIMIT's value, so rebinding it expires the cached
    // statement and every call parsed and planned the SQL again. The
    // primary key already bounds the result to one row.
    owned(user_id)
        .filter(task::Column::Id.eq(task_id))
        .all(db)
        .await?
        .pop()
        .ok_or(Error::TaskNotFound)
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
pub(super) fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

pub(super) fn stored_tags(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}
