//! `Idempotency-Key` on task creation (contract §6): a retry with the same
//! key and body within 24 hours gets the first response back instead of a
//! second task.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::tasks;
use crate::domain::TaskDraft;
use crate::domain::task::timestamp;
use crate::entity::{idempotency_key, task};
use crate::error::{Error, Result};

/// How long a key is remembered.
pub fn retention() -> Duration {
    Duration::hours(24)
}

/// A create under an idempotency key.
pub struct KeyedRequest<'a> {
    pub key: &'a str,
    /// A digest of the request body as a JSON value.
    pub request_hash: String,
}

pub enum Outcome {
    /// The task was created now.
    Created(task::Model),
    /// An earlier request with this key created the task; its response.
    Replayed { task_id: Uuid, response: String },
}

/// Creates the task unless this key was seen; `render` gives the response
/// body to remember for retries.
pub async fn create<C>(
    db: &C,
    user_id: Uuid,
    request: KeyedRequest<'_>,
    draft: &TaskDraft,
    render: impl Fn(&task::Model) -> String,
) -> Result<Outcome>
where
    C: ConnectionTrait + TransactionTrait,
{
    if let Some(seen) = find(db, user_id, request.key).await? {
        return replay(seen, &request);
    }
    let txn = db.begin().await?;
    let created = tasks::insert(&txn, user_id, draft).await?;
    let remembered = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(request.key.to_owned()),
        request_hash: Set(request.request_hash.clone()),
        task_id: Set(created.id),
        response: Set(render(&created)),
        created_at: Set(timestamp(Utc::now())),
    }
    .insert(&txn)
    .await;
    match remembered {
        Ok(_) => {
            txn.commit().await?;
            Ok(Outcome::Created(created))
        }
        // A concurrent request with the same key committed first: drop our
        // task and answer as a retry of theirs.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let seen = find(db, user_id, request.key).await?;
            replay(
                seen.ok_or_else(|| Error::Internal("idempotency key vanished".into()))?,
                &request,
            )
        }
        Err(err) => Err(err.into()),
    }
}

fn replay(seen: idempotency_key::Model, request: &KeyedRequest<'_>) -> Result<Outcome> {
    if seen.request_hash != request.request_hash {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok(Outcome::Replayed {
        task_id: seen.task_id,
        response: seen.response,
    })
}

/// The live (unexpired) record of a key.
async fn find(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
) -> Result<Option<idempotency_key::Model>> {
    let record = idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
        .one(db)
        .await?;
    match record {
        Some(r) if r.created_at > Utc::now() - retention() => Ok(Some(r)),
        Some(expired) => {
            idempotency_key::Entity::delete_by_id((expired.user_id, expired.key))
                .exec(db)
                .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Forgets keys older than the retention period; answers how many.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64> {
    let cutoff = Utc::now() - retention();
    let purged = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(purged.rows_affected)
}
