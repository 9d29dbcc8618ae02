//! Changing a task: every write is one conditional UPDATE on the version
//! read, so a concurrent change is detected rather than overwritten, and the
//! tags and a recurring task's next occurrence are written in the same
//! transaction.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{etag, get, tags_json, write_tags};
use crate::domain::precondition::IfMatch;
use crate::domain::{Recurrence, TaskPatch, task::timestamp};
use crate::entity::{task, task_tag};
use crate::error::{Error, Result};

/// Without `If-Match`, a write that loses a race re-reads and re-applies
/// this often before it takes the row's write lock (`locked_modify`).
const OPTIMISTIC_ATTEMPTS: usize = 3;

/// Applies the patch `edit` derives from the current task, provided the
/// task still matches `if_match` (else 412, nothing changed).
pub async fn modify<C, F>(
    db: &C,
    user_id: Uuid,
    task_id: Uuid,
    if_match: Option<&IfMatch>,
    edit: F,
) -> Result<task::Model>
where
    C: ConnectionTrait + TransactionTrait,
    F: Fn(&task::Model) -> TaskPatch,
{
    for _ in 0..OPTIMISTIC_ATTEMPTS {
        let current = get(db, user_id, task_id).await?;
        if if_match.is_some_and(|m| !m.matches(&etag(&current))) {
            return Err(Error::PreconditionFailed);
        }
        let patch = edit(&current);
        if let Some(saved) = write_if_unchanged(db, &current, &patch).await? {
            return Ok(saved);
        }
        if if_match.is_some() {
            // The version the client named was replaced under us.
            return Err(Error::PreconditionFailed);
        }
    }
    // Optimism alone can lose any number of races: with 1000 connections
    // patching 1000 tasks, 8 attempts still ran out (500) a dozen times in
    // ten seconds. Taking the lock first cannot lose.
    locked_modify(db, user_id, task_id, edit).await
}

/// Read-modify-write under the row's write lock, taken first by a no-op
/// UPDATE (PostgreSQL locks the row; SQLite the database, so other writers
/// wait on the busy timeout); the conditional write then always matches.
async fn locked_modify<C, F>(db: &C, user_id: Uuid, task_id: Uuid, edit: F) -> Result<task::Model>
where
    C: ConnectionTrait + TransactionTrait,
    F: Fn(&task::Model) -> TaskPatch,
{
    let txn = db.begin().await?;
    let locked = task::Entity::update_many()
        .col_expr(task::Column::Version, Expr::col(task::Column::Version))
        .filter(task::Column::Id.eq(task_id))
        .filter(task::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(Error::TaskNotFound);
    }
    let current = get(&txn, user_id, task_id).await?;
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
    patch: &TaskPatch,
) -> Result<Option<task::Model>>
where
    C: ConnectionTrait + TransactionTrait,
{
    let now = timestamp(Utc::now());
    let mut next = apply(current, patch, now);
    let follow_up = (!current.completed && next.completed && current.next_task_id.is_none())
        .then(|| next_occurrence(&next, now))
        .flatten();
    next.next_task_id = follow_up.as_ref().map(|t| t.id).or(next.next_task_id);

    let txn = db.begin().await?;
    // The UPDATE comes first in the transaction: on SQLite it takes the
    // write lock before anything is read, so waiting writers queue on the
    // busy timeout instead of failing on a stale snapshot.
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
        write_tags(&txn, &next, &stored_tags(&next)).await?;
    }
    if let Some(follow_up) = follow_up {
        let tags = stored_tags(&follow_up);
        let created = follow_up
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        write_tags(&txn, &created, &tags).await?;
    }
    txn.commit().await?;
    Ok(Some(next))
}

/// The task as it will be once `patch` is applied at `now`.
fn apply(current: &task::Model, patch: &TaskPatch, now: DateTime<Utc>) -> task::Model {
    let mut next = current.clone();
    if let Some(title) = &patch.title {
        next.title.clone_from(title);
    }
    if let Some(description) = &patch.description {
        next.description.clone_from(description);
    }
    // `completed_at` records when the task became complete; re-asserting
    // completion keeps the original time.
    if let Some(completed) = patch.completed.filter(|c| *c != current.completed) {
        next.completed = completed;
        next.completed_at = completed.then_some(now);
    }
    if let Some(priority) = patch.priority {
        next.priority = priority.rank();
    }
    if let Some(tags) = &patch.tags {
        next.tags = tags_json(tags);
    }
    if let Some(due_date) = patch.due_date {
        next.due_date = due_date;
    }
    if let Some(recurrence) = patch.recurrence {
        next.recurrence = recurrence.map(|r| r.as_str().to_owned());
    }
    next.version = current.version + 1;
    next.updated_at = now;
    next
}

/// The next occurrence of a recurring task that was just completed.
fn next_occurrence(task: &task::Model, now: DateTime<Utc>) -> Option<task::Model> {
    let recurrence = Recurrence::parse_stored(task.recurrence.as_deref()?)?;
    Some(task::Model {
        id: Uuid::now_v7(),
        completed: false,
        completed_at: None,
        due_date: Some(recurrence.next_due(task.due_date.unwrap_or(now))),
        next_task_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        ..task.clone()
    })
}

fn stored_tags(task: &task::Model) -> Vec<String> {
    serde_json::from_str(&task.tags).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> task::Model {
        let at = "2026-01-31T09:00:00Z".parse().unwrap();
        task::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            title: "Pay rent".into(),
            description: String::new(),
            completed: false,
            completed_at: None,
            priority: 3,
            tags: r#"["home"]"#.into(),
            due_date: Some(at),
            recurrence: Some("monthly".into()),
            next_task_id: None,
            version: 4,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn the_next_occurrence_copies_the_task_one_period_later() {
        let now = Utc::now();
        let next = next_occurrence(&task(), now).unwrap();
        assert_eq!(next.due_date, Some("2026-02-28T09:00:00Z".parse().unwrap()));
        assert_eq!(
            (next.title.as_str(), next.priority, next.tags.as_str()),
            ("Pay rent", 3, r#"["home"]"#)
        );
        assert!(
            !next.completed && next.version == 1 && next.recurrence.as_deref() == Some("monthly")
        );
    }

    #[test]
    fn a_task_without_a_due_date_recurs_from_now() {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let undated = task::Model {
            due_date: None,
            recurrence: Some("daily".into()),
            ..task()
        };
        let next = next_occurrence(&undated, now).unwrap();
        assert_eq!(next.due_date, Some("2026-11-25T12:00:00Z".parse().unwrap()));
    }

    #[test]
    fn every_write_bumps_the_version_and_keeps_completion_time_on_reassertion() {
        let now = Utc::now();
        let done = apply(
            &task(),
            &TaskPatch {
                completed: Some(true),
                ..Default::default()
            },
            now,
        );
        assert_eq!((done.version, done.completed_at), (5, Some(now)));
        let later = now + chrono::Duration::seconds(5);
        let again = apply(
            &done,
            &TaskPatch {
                completed: Some(true),
                ..Default::default()
            },
            later,
        );
        assert_eq!(again.completed_at, Some(now));
        assert_eq!(again.version, 6);
    }
}
