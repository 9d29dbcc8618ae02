//! Deleting one task (under a precondition, if given) or every completed
//! one; each deletion leaves a tombstone for the change feed.
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rows::find;
use super::write::Target;
use crate::domain::{Error, Result, timestamp};
use crate::entity::task;
use crate::service::transaction::BeginWrite;
use crate::service::{access, sync};

/// Deletes the target task, provided it is still at a version the target
/// expects (else 412, nothing deleted).
pub async fn delete<C>(db: &C, target: Target<'_>) -> Result<()>
where
    C: BeginWrite,
{
    target.authorize(db, true).await?;
    let (owner, task_id, expected) = (target.owner, target.task_id, target.expected);
    let mut delete = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(owner))
        .filter(task::Column::Id.eq(task_id));
    if let Some(condition) = expected {
        let current = target.current(db).await?;
        if !condition.admits(current.version) {
            return Err(Error::PreconditionFailed);
        }
        delete = delete.filter(task::Column::Version.eq(current.version));
    }
    let txn = db.begin_write().await?;
    let seq = sync::record(&txn, owner).await?;
    if delete.exec(&txn).await?.rows_affected > 0 {
        sync::tombstone(&txn, owner, task_id, seq, timestamp(Utc::now())).await?;
        txn.commit().await?;
        return Ok(());
    }
    txn.rollback().await?;
    match (expected, find(db, owner, task_id).await) {
        // Changed between the check and the delete.
        (Some(_), Ok(_)) => Err(Error::PreconditionFailed),
        _ => Err(Error::TaskNotFound),
    }
}

/// Deletes every completed task at `/api/{owner}/tasks`; answers how many.
pub async fn delete_completed<C>(db: &C, caller: Uuid, owner: Uuid) -> Result<u64>
where
    C: BeginWrite,
{
    access::owner(db, caller, owner).await?;
    let txn = db.begin_write().await?;
    let seq = sync::record(&txn, owner).await?;
    sync::tombstone_completed(&txn, owner, seq, timestamp(Utc::now())).await?;
    let deleted = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(owner))
        .filter(task::Column::Completed.eq(true))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        // Nothing changed: no sequence number spent, nothing announced.
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(deleted.rows_affected)
}
