//! `Idempotency-Key` on task creation: a retry with the same
//! key and body within 24 hours gets the first response back instead of a
//! second task.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use super::unique::unique;
use crate::config::QuotaSettings;
use crate::domain::{Error, FieldError, Result, Source, Task, Violation, timestamp};
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
            let failure = FieldError::new("", Violation::InvalidFormat, "must be printable ASCII");
            return Err(failure.at(Source::Header, "Idempotency-Key"));
        }
        Ok(Self {
            key: key.to_owned(),
            fingerprint,
        })
    }
}

/// The task an earlier request with this key created, if there was one
/// within the retention period; 422 if that request had another body.
pub async fn replay(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    request: &IdempotencyKey,
) -> Result<Option<Task>> {
    let Some(seen) = find(db, user_id, &request.key).await? else {
        return Ok(None);
    };
    if seen.request_hash != request.fingerprint {
        return Err(Error::IdempotencyKeyReused);
    }
    let task = serde_json::from_str(&seen.response)
        .map_err(|err| Error::Internal(format!("a kept task is unreadable: {err}")))?;
    Ok(Some(task))
}

/// Keeps `created` as the answer to retries of this request, in the
/// caller's transaction; `false` when a concurrent request with the same
/// key got there first (the transaction must then be rolled back).
pub async fn remember(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    request: &IdempotencyKey,
    created: &Task,
    quotas: &QuotaSettings,
) -> Result<bool> {
    let kept = serde_json::to_string(created)
        .map_err(|err| Error::Internal(format!("keeping a created task failed: {err}")))?;
    let remembered = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(request.key.clone()),
        request_hash: Set(request.fingerprint.clone()),
        task_id: Set(created.id),
        response: Set(kept),
        created_at: Set(timestamp(Utc::now())),
    }
    .insert(db)
    .await;
    match remembered {
        Ok(_) => {
            forget_beyond(db, user_id, quotas.max_idempotency_keys_per_user).await?;
            Ok(true)
        }
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

/// Forgets the user's oldest keys past the `keep` newest, so one account's
/// stored answers stay bounded however fast it makes new keys.
async fn forget_beyond(db: &impl ConnectionTrait, user_id: Uuid, keep: u64) -> Result<()> {
    let oldest_kept = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .order_by_desc(idempotency_key::Column::CreatedAt)
        .order_by_desc(idempotency_key::Column::Key)
        .offset(keep - 1)
        .one(db)
        .await?;
    let Some(oldest_kept) = oldest_kept else {
        return Ok(());
    };
    let older = Condition::any()
        .add(idempotency_key::Column::CreatedAt.lt(oldest_kept.created_at))
        .add(
            Condition::all()
                .add(idempotency_key::Column::CreatedAt.eq(oldest_kept.created_at))
                .add(idempotency_key::Column::Key.lt(oldest_kept.key)),
        );
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(older)
        .exec(db)
        .await?;
    Ok(())
}

/// The live (unexpired) record of a key.
async fn find(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
) -> Result<Option<idempotency_key::Model>> {
    let record = unique(
        idempotency_key::Entity::find_by_id((user_id, key.to_owned())),
        db,
    )
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
