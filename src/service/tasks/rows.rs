//! Tasks as rows: the owner-scoped query, one row by id, and a task's
//! fields in their stored forms, both ways (a row read as a `Task`, a
//! `TaskEdit` written into a row).
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
    Statement,
};
use uuid::Uuid;

use crate::domain::{Error, Priority, Recurrence, Result, Task, TaskEdit, search_folded};
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
    task::Model::find_by_statement(find_statement(db.get_database_backend(), user_id, task_id))
        .all(db)
        .await?
        .pop()
        .ok_or(Error::TaskNotFound)
}

/// The owner-scoped select of one task by id, without a LIMIT as
/// `unique` reads. Its SQL is built from the entity once per database and
/// reused: building it anew cost the busiest request a sixth of its
/// instructions.
fn find_statement(backend: DbBackend, user_id: Uuid, task_id: Uuid) -> Statement {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match backend {
        DbBackend::Sqlite => &SQL[0],
        DbBackend::Postgres => &SQL[1],
        _ => &SQL[2],
    };
    let sql = slot.get_or_init(|| find_select(Uuid::nil(), Uuid::nil()).build(backend).sql);
    Statement::from_sql_and_values(backend, sql.as_str(), [user_id.into(), task_id.into()])
}

fn find_select(user_id: Uuid, task_id: Uuid) -> sea_orm::Select<task::Entity> {
    owned(user_id).filter(task::Column::Id.eq(task_id))
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

/// The row of a new task of `user_id`'s before its fields are set: every
/// field at its default, version 0 (the first write makes it 1).
pub(super) fn blank(user_id: Uuid, now: DateTime<Utc>) -> task::Model {
    task::Model {
        id: Uuid::now_v7(),
        user_id,
        priority: Priority::default().rank(),
        tags: tags_json(&[]),
        created_at: now,
        updated_at: now,
        ..task::Model::default()
    }
}

/// The row as it will be once `edit` is applied at `now`.
pub(super) fn apply(current: &task::Model, edit: &TaskEdit, now: DateTime<Utc>) -> task::Model {
    let mut next = current.clone();
    if let Some(title) = &edit.title {
        title.as_str().clone_into(&mut next.title);
        next.title_folded = search_folded(title.as_str());
    }
    if let Some(description) = &edit.description {
        description.as_str().clone_into(&mut next.description);
        next.description_folded = search_folded(description.as_str());
    }
    // `completed_at` records when the task became complete; re-asserting
    // completion keeps the original time.
    if let Some(completed) = edit.completed.filter(|c| *c != current.completed) {
        next.completed = completed;
        next.completed_at = completed.then_some(now);
    }
    if let Some(priority) = edit.priority {
        next.priority = priority.rank();
    }
    if let Some(tags) = &edit.tags {
        next.tags = tags_json(tags.as_slice());
    }
    if let Some(due_date) = edit.due_date {
        next.due_date = due_date;
    }
    if let Some(recurrence) = edit.recurrence {
        next.recurrence = recurrence.map(|r| r.as_str().to_owned());
    }
    next.version = current.version + 1;
    next.updated_at = now;
    next
}

/// Tags are stored on the row as a JSON array (and in `task_tags` for
/// filtering).
pub(super) fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

pub(super) fn stored_tags(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reused_find_is_the_select_built_from_the_entity() {
        let (user_id, task_id) = (Uuid::now_v7(), Uuid::now_v7());
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            assert_eq!(
                find_statement(backend, user_id, task_id),
                find_select(user_id, task_id).build(backend)
            );
        }
    }
}
