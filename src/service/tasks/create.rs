//! Creating a task, once: with an `Idempotency-Key`, a retry gets the task
//! the first request made (`service::idempotency`).
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::rows::{apply, blank, stored_tags};
use crate::config::QuotaSettings;
use crate::domain::{Error, Result, Task, TaskEdit, timestamp};
use crate::entity::{task, task_tag, user};
pub use crate::service::idempotency::IdempotencyKey;
use crate::service::transaction::{BeginWrite, WriteTransaction};
use crate::service::{access, idempotency, sync};

/// What a create did.
pub enum Created {
    /// The task was created now.
    New(Task),
    /// An earlier request with the same key and body created this task.
    Replayed(Task),
}

/// A create as parsed: the task, and its `Idempotency-Key` if it has one.
pub struct NewTask {
    pub edit: TaskEdit,
    pub key: Option<IdempotencyKey>,
}

/// Creates a task at `/api/{owner}/tasks`, or with a key answers a retry
/// with the task the first request created. The request's own validation
/// failure (422) is reported after 401 and 403.
pub async fn create<C>(
    db: &C,
    caller: Uuid,
    owner: Uuid,
    request: Result<NewTask>,
    quotas: &QuotaSettings,
) -> Result<Created>
where
    C: BeginWrite,
{
    if request.is_ok() {
        // One query fewer on the busiest write; a bad request's 422 comes
        // after 401 and 403, so it has the account looked up first.
        access::before_write(db, caller, owner).await?;
    } else {
        access::owner(db, caller, owner).await?;
    }
    let NewTask { edit, key } = request?;
    let Some(key) = key else {
        let txn = db.begin_write().await?;
        within_quota(&txn, owner, quotas).await?;
        let created = insert(&txn, owner, &edit).await?;
        txn.commit().await?;
        return Ok(Created::New(created));
    };
    if let Some(first) = idempotency::replay(db, owner, &key).await? {
        return Ok(Created::Replayed(first));
    }
    let txn = db.begin_write().await?;
    within_quota(&txn, owner, quotas).await?;
    let created = insert(&txn, owner, &edit).await?;
    if idempotency::remember(&txn, owner, &key, &created, quotas).await? {
        txn.commit().await?;
        return Ok(Created::New(created));
    }
    // A concurrent request with the same key committed first: drop our
    // task and answer as a retry of theirs.
    txn.rollback().await?;
    match idempotency::replay(db, owner, &key).await? {
        Some(first) => Ok(Created::Replayed(first)),
        None => Err(Error::Internal("an idempotency key vanished".into())),
    }
}

/// 409 `too_many_tasks` when the owner holds `MAX_TASKS_PER_USER` tasks.
/// On PostgreSQL the owner's row is locked first, so concurrent creates are
/// counted one after the other (SQLite's write turn already does that).
async fn within_quota(db: &WriteTransaction, owner: Uuid, quotas: &QuotaSettings) -> Result<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        user::Entity::find_by_id(owner)
            .lock_exclusive()
            .one(db)
            .await?;
    }
    let held = task::Entity::find()
        .filter(task::Column::UserId.eq(owner))
        .count(db)
        .await?;
    match held < quotas.max_tasks_per_user {
        true => Ok(()),
        false => Err(Error::TooManyTasks),
    }
}

/// Inserts a new task and its tags on a connection the caller commits.
pub async fn insert(db: &WriteTransaction, user_id: Uuid, edit: &TaskEdit) -> Result<Task> {
    let mut row = new_row(user_id, edit, timestamp(Utc::now()));
    row.change_seq = Set(sync::record(db, user_id).await?);
    let created = row.insert(db).await?;
    write_tags(db, created.id, user_id, &stored_tags(&created.tags)).await?;
    Ok(created.into())
}

/// The row a new task is stored as, created at `now`: every field the
/// edit sets, the others at their defaults. `insert` and the bulk seeder
/// both build tasks with it.
pub fn new_row(user_id: Uuid, edit: &TaskEdit, now: DateTime<Utc>) -> task::ActiveModel {
    apply(&blank(user_id, now), edit, now)
        .into_active_model()
        .reset_all()
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

pub(super) async fn write_tags(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    user_id: Uuid,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    task_tag::Entity::insert_many(tag_rows(task_id, user_id, tags))
        .exec(db)
        .await?;
    Ok(())
}
