//! The change feed: what changed in a user's tasks after a cursor, in
//! sequence order, each change once.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Users;
use crate::domain::{Cursor, Error, Result, Task};
use crate::entity::{task, task_tombstone};
use crate::service::access;

/// One change to a task.
pub enum Change {
    /// A task not changed since it was created (the task as it is).
    Created(Task),
    /// A task changed since it was created (the task as it is now).
    Updated(Task),
    /// A deleted task.
    Deleted { id: Uuid, deleted_at: DateTime<Utc> },
}

/// A change and the cursor just after it.
pub struct Entry {
    pub cursor: Cursor,
    pub change: Change,
}

/// One page of the feed.
pub struct FeedPage {
    pub entries: Vec<Entry>,
    /// Where the next page starts (the cursor given, when nothing changed).
    pub next: Cursor,
    /// Whether more changes were already there when this page was read.
    pub has_more: bool,
}

/// Up to `limit` changes of `owner`'s tasks after `cursor`; without one,
/// the owner's current tasks. A cursor below the tombstones purged is
/// expired (410); one ahead of the sequence was never issued (422).
pub async fn changes(
    db: &impl ConnectionTrait,
    caller: Uuid,
    owner: Uuid,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<FeedPage> {
    if caller != owner {
        access::owner(db, caller, owner).await?;
    }
    // Read first: every change numbered up to `latest` has committed, so
    // bounding the reads below by it means a write committing meanwhile is
    // left whole for the next page, never half-read and skipped.
    let (latest, purged) = counters(db, owner).await?.ok_or(Error::InvalidToken)?;
    let cursor = match cursor {
        None => Cursor::start(latest),
        Some(c) if c.seq > latest || c.floor > latest => {
            return Err(Error::field("cursor", "is not a cursor of this feed"));
        }
        Some(c) if c.covered() < purged => return Err(Error::CursorExpired),
        Some(c) => c,
    };
    let fetch = limit.saturating_add(1);
    let after = |seq: task::Column, id: task::Column| {
        Condition::any().add(seq.gt(cursor.seq)).add(
            Condition::all()
                .add(seq.eq(cursor.seq))
                .add(id.gt(cursor.id)),
        )
    };
    let tasks = task::Entity::find()
        .filter(task::Column::UserId.eq(owner))
        .filter(after(task::Column::ChangeSeq, task::Column::Id))
        .filter(task::Column::ChangeSeq.lte(latest))
        .order_by_asc(task::Column::ChangeSeq)
        .order_by_asc(task::Column::Id)
        .limit(fetch)
        .all(db)
        .await?;
    let tombstones = task_tombstone::Entity::find()
        .filter(task_tombstone::Column::UserId.eq(owner))
        .filter(
            Condition::any()
                .add(task_tombstone::Column::ChangeSeq.gt(cursor.seq))
                .add(
                    Condition::all()
                        .add(task_tombstone::Column::ChangeSeq.eq(cursor.seq))
                        .add(task_tombstone::Column::TaskId.gt(cursor.id)),
                ),
        )
        .filter(task_tombstone::Column::ChangeSeq.gt(cursor.floor))
        .filter(task_tombstone::Column::ChangeSeq.lte(latest))
        .order_by_asc(task_tombstone::Column::ChangeSeq)
        .order_by_asc(task_tombstone::Column::TaskId)
        .limit(fetch)
        .all(db)
        .await?;
    Ok(page(cursor, tasks, tombstones, limit))
}

/// Merges the two ordered reads into one page of at most `limit` changes.
fn page(
    cursor: Cursor,
    tasks: Vec<task::Model>,
    tombstones: Vec<task_tombstone::Model>,
    limit: u64,
) -> FeedPage {
    let mut merged: Vec<(i64, Uuid, Change)> = tasks
        .into_iter()
        .map(|row| {
            let (seq, id) = (row.change_seq, row.id);
            let change = if row.version == 1 {
                Change::Created(row.into())
            } else {
                Change::Updated(row.into())
            };
            (seq, id, change)
        })
        .chain(tombstones.into_iter().map(|t| {
            let change = Change::Deleted {
                id: t.task_id,
                deleted_at: t.deleted_at,
            };
            (t.change_seq, t.task_id, change)
        }))
        .collect();
    merged.sort_by_key(|(seq, id, _)| (*seq, *id));
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = merged.len() > limit;
    merged.truncate(limit);
    let entries: Vec<Entry> = merged
        .into_iter()
        .map(|(seq, id, change)| Entry {
            cursor: cursor.after(seq, id),
            change,
        })
        .collect();
    let next = entries.last().map_or(cursor, |e| e.cursor);
    FeedPage {
        entries,
        next,
        has_more,
    }
}

/// The user's latest sequence number and the highest one purged, if the
/// user exists.
async fn counters(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<(i64, i64)>> {
    let select = Query::select()
        .columns([Users::ChangeSeq, Users::SyncPurgedSeq])
        .from(Users::Table)
        .and_where(Expr::col(Users::Id).eq(user_id))
        .to_owned();
    let Some(row) = db.query_one(&select).await? else {
        return Ok(None);
    };
    Ok(Some((
        row.try_get("", "change_seq")?,
        row.try_get("", "sync_purged_seq")?,
    )))
}

/// The cursor after every change so far: where a live stream without
/// `Last-Event-ID` starts.
pub async fn head(db: &impl ConnectionTrait, caller: Uuid, owner: Uuid) -> Result<Cursor> {
    if caller != owner {
        access::owner(db, caller, owner).await?;
    }
    let (latest, _) = counters(db, owner).await?.ok_or(Error::InvalidToken)?;
    Ok(Cursor::start(latest).after(latest, Uuid::max()))
}
