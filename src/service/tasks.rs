use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::domain::query::{ListQuery, SortField, SortOrder, StatusFilter};
use crate::domain::{TaskDraft, TaskPatch, task::timestamp};
use crate::entity::{task, task_tag};
use crate::error::{Error, Result};

pub struct Page {
    pub items: Vec<task::Model>,
    pub total: u64,
}

fn owned(user_id: Uuid) -> sea_orm::Select<task::Entity> {
    task::Entity::find().filter(task::Column::UserId.eq(user_id))
}

pub async fn list(db: &impl ConnectionTrait, user_id: Uuid, query: ListQuery) -> Result<Page> {
    let mut select = owned(user_id);
    select = match query.status {
        StatusFilter::All => select,
        StatusFilter::Pending => select.filter(task::Column::Completed.eq(false)),
        StatusFilter::Completed => select.filter(task::Column::Completed.eq(true)),
    };
    let total = select.clone().count(db).await?;
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
    let items = select
        .order_by(column, order.clone())
        .order_by(task::Column::Id, order)
        .limit(query.limit)
        .offset(query.offset)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

pub async fn get(db: &impl ConnectionTrait, user_id: Uuid, task_id: Uuid) -> Result<task::Model> {
    owned(user_id)
        .filter(task::Column::Id.eq(task_id))
        .one(db)
        .await?
        .ok_or(Error::TaskNotFound)
}

pub async fn create(
    db: &impl TransactionTrait,
    user_id: Uuid,
    draft: TaskDraft,
) -> Result<task::Model> {
    let now = timestamp(Utc::now());
    let txn = db.begin().await?;
    let created = task::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        title: Set(draft.title),
        description: Set(draft.description),
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
    .insert(&txn)
    .await?;
    write_tags(&txn, &created, &draft.tags).await?;
    txn.commit().await?;
    Ok(created)
}

/// PUT: every field is replaced; omitted ones were already defaulted.
pub async fn replace(
    db: &impl TransactionTrait,
    user_id: Uuid,
    task_id: Uuid,
    draft: TaskDraft,
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
    update(db, user_id, task_id, patch).await
}

/// PATCH: only the fields present change.
pub async fn update(
    db: &impl TransactionTrait,
    user_id: Uuid,
    task_id: Uuid,
    patch: TaskPatch,
) -> Result<task::Model> {
    let txn = db.begin().await?;
    let current = get(&txn, user_id, task_id).await?;
    let now = timestamp(Utc::now());
    let (was_completed, version) = (current.completed, current.version);
    let mut row = current.into_active_model();
    if let Some(title) = patch.title {
        row.title = Set(title);
    }
    if let Some(description) = patch.description {
        row.description = Set(description);
    }
    if let Some(completed) = patch.completed {
        set_completed(&mut row, was_completed, completed, now);
    }
    if let Some(priority) = patch.priority {
        row.priority = Set(priority.rank());
    }
    if let Some(tags) = &patch.tags {
        row.tags = Set(tags_json(tags));
    }
    if let Some(due_date) = patch.due_date {
        row.due_date = Set(due_date);
    }
    if let Some(recurrence) = patch.recurrence {
        row.recurrence = Set(recurrence.map(|r| r.as_str().to_owned()));
    }
    let saved = save(&txn, row, version, now).await?;
    if let Some(tags) = &patch.tags {
        task_tag::Entity::delete_many()
            .filter(task_tag::Column::TaskId.eq(saved.id))
            .exec(&txn)
            .await?;
        write_tags(&txn, &saved, tags).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// Sets completion (`Some`) or toggles it (`None`).
pub async fn set_completion(
    db: &impl TransactionTrait,
    user_id: Uuid,
    task_id: Uuid,
    completed: Option<bool>,
) -> Result<task::Model> {
    let txn = db.begin().await?;
    let current = get(&txn, user_id, task_id).await?;
    let now = timestamp(Utc::now());
    let (was_completed, version) = (current.completed, current.version);
    let target = completed.unwrap_or(!was_completed);
    let mut row = current.into_active_model();
    set_completed(&mut row, was_completed, target, now);
    let saved = save(&txn, row, version, now).await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn delete(db: &impl ConnectionTrait, user_id: Uuid, task_id: Uuid) -> Result<()> {
    let result = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(user_id))
        .filter(task::Column::Id.eq(task_id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::TaskNotFound);
    }
    Ok(())
}

/// `completed_at` records when a task became complete; re-asserting
/// completion keeps the original time.
fn set_completed(
    row: &mut task::ActiveModel,
    was: bool,
    now_completed: bool,
    now: chrono::DateTime<Utc>,
) {
    if was == now_completed {
        return;
    }
    row.completed = Set(now_completed);
    row.completed_at = Set(now_completed.then_some(now));
}

async fn save(
    db: &impl ConnectionTrait,
    mut row: task::ActiveModel,
    version: i64,
    now: chrono::DateTime<Utc>,
) -> Result<task::Model> {
    row.version = Set(version + 1);
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

async fn write_tags(db: &impl ConnectionTrait, task: &task::Model, tags: &[String]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let rows = tags.iter().map(|tag| task_tag::ActiveModel {
        task_id: Set(task.id),
        tag: Set(tag.clone()),
        user_id: Set(task.user_id),
    });
    task_tag::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
