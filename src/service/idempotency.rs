//! `Idempotency-Key` on task creation (contract §6): a retry with the same
//! key and body within 24 hours gets the first response back instead of a
//! second task.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::tasks::{self, Created};
use crate::domain::{Error, FieldError, Result, Task, TaskDraft, timestamp};
use crate::entity::idempotency_key;

/// How long a key is remembered.
pub fn retention() -> Duration {
    Duration::hours(24)
}

/// A create's key, and a fingerprint of its request body: two requests are
/// the same when their fingerprints are.
pub struct IdempotencyKey {
    key: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// Keys are printable ASCII (their length is the API's to check).
    pub fn parse(key: &str, fingerprint: String) -> Result<Self, FieldError> {
        if !key.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
            return Err(FieldError::new(
                "Idempotency-Key",
                "must be printable ASCII",
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            fingerprint,
        })
    }
}

/// Creates the task unless this key was seen, remembering the task made.
pub(super) async fn create<C>(
    db: &C,
    user_id: Uuid,
    request: IdempotencyKey,
    draft: &TaskDraft,
) -> Result<Created>
where
    C: ConnectionTrait + TransactionTrait,
{
    if let Some(seen) = find(db, user_id, &request.key).await? {
        return replay(seen, &request);
    }
    let txn = db.begin().await?;
    let created = tasks::insert(&txn, user_id, draft).await?;
    let kept = serde_json::to_string(&created)
        .map_err(|err| Error::Internal(format!("keeping a created task failed: {err}")))?;
    let remembered = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(request.key.clone()),
        request_hash: Set(request.fingerprint.clone()),
        task_id: Set(created.id),
        response: Set(kept),
        created_at: Set(timestamp(Utc::now())),
    }
    .insert(&txn)
    .await;
    match remembered {
        Ok(_) => {
            txn.commit().await?;
            Ok(Created::New(created))
        }
        // A concurrent request with the same key committed first: drop our
        // task and answer as a retry of theirs.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let seen = find(db, user_id, &request.key).await?;
            replay(
                seen.ok_or_else(|| Error::Internal("idempotency key vanished".into()))?,
                &request,
            )
        }
        Err(err) => Err(err.into()),
    }
}

/// The first request's task, if this one is the same request.
fn replay(seen: idempotency_key::Model, request: &IdempotencyKey) -> Result<Created> {
    if seen.request_hash != request.fingerprint {
        return Err(Error::IdempotencyKeyReused);
    }
    let task: Task = serde_json::from_str(&seen.response)
        .map_err(|err| Error::Internal(format!("a kept task is unreadable: {err}")))?;
    Ok(Created::Replayed(task))
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
