//! Tasks: every query is scoped to its owner, so another user's task is
//! simply not found.
mod filter;
mod write;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

pub use write::modify;

use crate::domain::precondition::IfMatch;
use crate::domain::query::{ListQuery, SortField, SortOrder};
use crate::domain::{TaskDraft, TaskPatch, task::timestamp};
use crate::entity::{task, task_tag};
use crate::error::{Error, Result};

pub struct Page {
    pub items: Vec<task::Model>,
    pub total: u64,
}

/// The entity tag of a task's current state; it changes on every write.
pub fn etag(task: &task::Model) -> String {
    etag_of(task.id, task.version)
}

pub fn etag_of(task_id: Uuid, version: i64) -> String {
    format!("\"{}-{}\"", task_id.simple(), version)
}

fn owned(user_id: Uuid) -> sea_orm::Select<task::Entity> {
    task::Entity::find().filter(task::Column::UserId.eq(user_id))
}

pub async fn list(db: &impl ConnectionTrait, user_id: Uuid, query: &ListQuery) -> Result<Page> {
    let total = filter::apply(owned(user_id), user_id, &query.filter)
        .count(db)
        .await?;
    let items = page_select(user_id, query).all(db).await?;
    Ok(Page { items, total })
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

pub async fn get(db: &impl ConnectionTrait, user_id: Uuid, task_id: Uuid) -> Result<task::Model> {
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

pub async fn create(
    db: &impl TransactionTrait,
    user_id: Uuid,
    draft: &TaskDraft,
) -> Result<task::Model> {
    let txn = db.begin().await?;
    let created = insert(&txn, user_id, draft).await?;
    txn.commit().await?;
    Ok(created)
}

/// Inserts a new task and its tags on a connection the caller commits.
pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    draft: &TaskDraft,
) -> Result<task::Model> {
    let created = new_row(user_id, draft, timestamp(Utc::now()))
        .insert(db)
        .await?;
    write_tags(db, &created, &draft.tags).await?;
    Ok(created)
}

/// The row a new task is stored as, created at `now`; `insert` and the
/// bulk seeder (`crate::seed`) both build tasks with it.
pub fn new_row(user_id: Uuid, draft: &TaskDraft, now: DateTime<Utc>) -> task::ActiveModel {
    task::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        title: Set(draft.title.clone()),
        description: Set(draft.description.clone()),
        completed: Set(draft.completed),
        completed_at: Set(draft.completed.then_some(now)),
        priority: Set(draft.priority.rank()),
        tags: Set(tags_json(&draft.tags)),
        due_date: Set(draft.due_date),
        recurrence: Set(draft.recurrence.map(|r| r.as_str().to_owned())),
        next_task_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The `task_tags` rows of a task (one per tag).
pub fn tag_rows(task_id: Uuid, user_id: Uuid, tags: &[String]) -> Vec<task_tag::ActiveModel> {
    tags.iter()
        .map(|tag| task_tag::ActiveModel {
            task_id: Set(task_id),
            tag: Set(tag.clone()),
            user_id: Set(user_id),
        })
        .collect()
}

/// PUT: every field is replaced; omitted ones were already defaulted.
pub async fn replace<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    task_id: Uuid,
    draft: TaskDraft,
    if_match: Option<&IfMatch>,
) -> Result<task::Model> {
    let patch = TaskPatch {
        title: Some(draft.title),
        description: Some(draft.description),
        completed: Some(draft.completed),
        priority: Some(draft.priority),
        tags: Some(draft.tags),
        due_date: Some(draft.due_date),
        recurrence: Some(draft.recurrence),
    };
    modify(db, user_id, task_id, if_match, |_| patch.clone()).await
}

/// PATCH: only the fields present change.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    task_id: Uuid,
    patch: TaskPatch,
    if_match: Option<&IfMatch>,
) -> Result<task::Model> {
    modify(db, user_id, task_id, if_match, |_| patch.clone()).await
}

/// Sets completion (`Some`) or toggles it (`None`).
pub async fn set_completion<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    task_id: Uuid,
    completed: Option<bool>,
    if_match: Option<&IfMatch>,
) -> Result<task::Model> {
    modify(db, user_id, task_id, if_match, |current| TaskPatch {
        completed: Some(completed.unwrap_or(!current.completed)),
        ..TaskPatch::default()
    })
    .await
}

pub async fn delete(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    task_id: Uuid,
    if_match: Option<&IfMatch>,
) -> Result<()> {
    let mut delete = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(user_id))
        .filter(task::Column::Id.eq(task_id));
    if let Some(condition) = if_match {
        let current = get(db, user_id, task_id).await?;
        if !condition.matches(&etag(&current)) {
            return Err(Error::PreconditionFailed);
        }
        delete = delete.filter(task::Column::Version.eq(current.version));
    }
    if delete.exec(db).await?.rows_affected > 0 {
        return Ok(());
    }
    match (if_match, get(db, user_id, task_id).await) {
        // Changed between the check and the delete.
        (Some(_), Ok(_)) => Err(Error::PreconditionFailed),
        _ => Err(Error::TaskNotFound),
    }
}

/// Deletes every completed task of the user; answers how many.
pub async fn delete_completed(db: &impl ConnectionTrait, user_id: Uuid) -> Result<u64> {
    let deleted = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(user_id))
        .filter(task::Column::Completed.eq(true))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// The instant `overdue` compares due dates with.
pub fn now() -> DateTime<Utc> {
    timestamp(Utc::now())
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

async fn write_tags(db: &impl ConnectionTrait, task: &task::Model, tags: &[String]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    task_tag::Entity::insert_many(tag_rows(task.id, task.user_id, tags))
        .exec(db)
        .await?;
    Ok(())
}
