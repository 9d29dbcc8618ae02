//! Changing a task: every write is one conditional UPDATE on the version
//! read, so a concurrent change is detected rather than overwritten, and the
//! tags and a recurring task's next occurrence are written in the same
//! transaction.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::change::next_occurrence;
use super::create::write_tags;
use super::rows::{apply, find, stored_tags};
use crate::domain::{Error, Precondition, Result, Task, TaskEdit, timestamp};
use crate::entity::{task, task_tag};
use crate::service::transaction::BeginWrite;
use crate::service::{access, sync};

/// Without `If-Match`, a write that loses a race re-reads and re-applies
/// this often before it takes the row's write lock (`locked_modify`).
const OPTIMISTIC_ATTEMPTS: usize = 3;

/// The task at `/api/{owner}/tasks/{task_id}`, changed under a condition.
pub struct Target<'a> {
    pub caller: Uuid,
    pub owner: Uuid,
    pub task_id: Uuid,
    /// Change it only at a version this admits (else 412, nothing changed).
    pub expected: Option<&'a Precondition>,
}

impl Target<'_> {
    /// 401 when the caller's account is gone, 403 when the path is not its.
    /// A `valid` request on the caller's own path leaves the account to be
    /// proven by what it reads or writes (`access::before_write`); an
    /// invalid one has it looked up, as its 422 comes after 401 and 403.
    pub(super) async fn authorize(&self, db: &impl ConnectionTrait, valid: bool) -> Result<()> {
        if valid {
            access::before_write(db, self.caller, self.owner).await
        } else {
            access::owner(db, self.caller, self.owner).await
        }
    }

    /// The target task as it is now; 401 rather than 404 when the caller's
    /// account is gone.
    pub(super) async fn current(&self, db: &impl ConnectionTrait) -> Result<task::Model> {
        let found = find(db, self.owner, self.task_id).await;
        access::after_read(db, self.caller, found, |_| true).await
    }
}

/// PUT: every field is replaced (the edit sets them all, omitted ones at
/// their defaults). The edit's own validation failure (422) is reported
/// after 401 and 403.
pub async fn replace<C>(db: &C, target: Target<'_>, edit: Result<TaskEdit>) -> Result<Task>
where
    C: BeginWrite,
{
    update(db, target, edit).await
}

/// PATCH: only the fields the edit sets change. The edit's own validation
/// failure (422) is reported after 401 and 403.
pub async fn update<C>(db: &C, target: Target<'_>, edit: Result<TaskEdit>) -> Result<Task>
where
    C: BeginWrite,
{
    modify(db, target, edit.map(|e| move |_: &task::Model| e.clone())).await
}

/// Sets completion (`Some`) or toggles it (`None`).
pub async fn set_completion<C>(db: &C, target: Target<'_>, completed: Option<bool>) -> Result<Task>
where
    C: BeginWrite,
{
    let edit =
        move |current: &task::Model| TaskEdit::completion(completed.unwrap_or(!current.completed));
    modify(db, target, Ok(edit)).await
}

/// Applies the patch `edit` derives from the current task, once the caller
/// may (401, 403), the edit itself is valid (422), and provided the task
/// still matches (412).
async fn modify<C, F>(db: &C, target: Target<'_>, edit: Result<F>) -> Result<Task>
where
    C: BeginWrite,
    F: Fn(&task::Model) -> TaskEdit,
{
    target.authorize(db, edit.is_ok()).await?;
    let (owner, task_id, expected) = (target.owner, target.task_id, target.expected);
    let edit = edit?;
    for _ in 0..OPTIMISTIC_ATTEMPTS {
        let current = target.current(db).await?;
        if expected.is_some_and(|m| !m.admits(current.version)) {
            return Err(Error::PreconditionFailed);
        }
        let patch = edit(&current);
        if let Some(saved) = write_if_unchanged(db, &current, &patch).await? {
            return Ok(saved.into());
        }
        if expected.is_some() {
            // The version the client named was replaced under us.
            return Err(Error::PreconditionFailed);
        }
    }
    // Optimism alone can lose any number of races: with 1000 connections
    // patching 1000 tasks, 8 attempts still ran out (500) a dozen times in
    // ten seconds. Taking the lock first cannot lose.
    Ok(locked_modify(db, owner, task_id, edit).await?.into())
}

/// Read-modify-write under the row's write lock, taken first by a no-op
/// UPDATE (PostgreSQL locks the row; SQLite the database, so other writers
/// wait on the busy timeout); the conditional write then always matches.
async fn locked_modify<C, F>(db: &C, user_id: Uuid, task_id: Uuid, edit: F) -> Result<task::Model>
where
    C: BeginWrite,
    F: Fn(&task::Model) -> TaskEdit,
{
    let txn = db.begin_write().await?;
    // The owner's sequence first, as every write takes it (`sync::record`):
    // locks taken in one order cannot deadlock.
    sync::record(&txn, user_id).await?;
    let locked = task::Entity::update_many()
        .col_expr(task::Column::Version, Expr::col(task::Column::Version))
        .filter(task::Column::Id.eq(task_id))
        .filter(task::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(Error::TaskNotFound);
    }
    let current = find(&txn, user_id, task_id).await?;
    let saved = write_if_unchanged(&txn, &current, &edit(&current))
        .await?
        .ok_or_else(|| Error::Internal("a locked task changed".into()))?;
    txn.commit().await?;
    Ok(saved)
}

/// Writes `current` + `patch` unless the stored version moved on; `None`
/// when it did.
async fn write_if_unchanged<C>(
    db: &C,
    current: &task::Model,
    patch: &TaskEdit,
) -> Result<Option<task::Model>>
where
    C: BeginWrite,
{
    let now = timestamp(Utc::now());
    let mut next = apply(current, patch, now);
    let follow_up = (!current.completed && next.completed && current.next_task_id.is_none())
        .then(|| next_occurrence(&next, now))
        .flatten();
    next.next_task_id = follow_up.as_ref().map(|t| t.id).or(next.next_task_id);

    let txn = db.begin_write().await?;
    // The UPDATEs come first in the transaction: on SQLite they take the
    // write lock before anything is read, so waiting writers queue on the
    // busy timeout instead of failing on a stale snapshot.
    next.change_seq = sync::record(&txn, current.user_id).await?;
    let follow_up = follow_up.map(|t| task::Model {
        change_seq: next.change_seq,
        ..t
    });
    let updated = task::Entity::update_many()
        .set(next.clone().into_active_model().reset_all())
        .filter(task::Column::Id.eq(current.id))
        .filter(task::Column::UserId.eq(current.user_id))
        .filter(task::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(None);
    }
    if next.tags != current.tags {
        task_tag::Entity::delete_many()
            .filter(task_tag::Column::TaskId.eq(current.id))
            .exec(&txn)
            .await?;
        write_tags(&txn, next.id, next.user_id, &stored_tags(&next.tags)).await?;
    }
    if let Some(follow_up) = follow_up {
        let tags = stored_tags(&follow_up.tags);
        let created = follow_up
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        write_tags(&txn, created.id, created.user_id, &tags).await?;
    }
    txn.commit().await?;
    Ok(Some(next))
}
