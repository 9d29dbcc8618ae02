//! Deleting one task (under a precondition, if given) or every completed
//! one.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rows::find;
use super::write::Target;
use crate::domain::{Error, Result};
use crate::entity::task;
use crate::service::access;

/// Deletes the target task, provided it is still at a version the target
/// expects (else 412, nothing deleted).
pub async fn delete(db: &impl ConnectionTrait, target: Target<'_>) -> Result<()> {
    target.authorize(db).await?;
    let (owner, task_id, expected) = (target.owner, target.task_id, target.expected);
    let mut delete = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(owner))
        .filter(task::Column::Id.eq(task_id));
    if let Some(condition) = expected {
        let current = find(db, owner, task_id).await?;
        if !condition.admits(current.version) {
            return Err(Error::PreconditionFailed);
        }
        delete = delete.filter(task::Column::Version.eq(current.version));
    }
    if delete.exec(db).await?.rows_affected > 0 {
        return Ok(());
    }
    match (expected, find(db, owner, task_id).await) {
        // Changed between the check and the delete.
        (Some(_), Ok(_)) => Err(Error::PreconditionFailed),
        _ => Err(Error::TaskNotFound),
    }
}

/// Deletes every completed task at `/api/{owner}/tasks`; answers how many.
pub async fn delete_completed(db: &impl ConnectionTrait, caller: Uuid, owner: Uuid) -> Result<u64> {
    access::owner(db, caller, owner).await?;
    let deleted = task::Entity::delete_many()
        .filter(task::Column::UserId.eq(owner))
        .filter(task::Column::Completed.eq(true))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
