//! The sync schemas: one change, a page of the feed, a stream ticket.
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use crate::api::schema::Timestamp;
use crate::api::tasks::TaskBody;
use crate::domain::CursorKey;
use crate::service::sync::{Change, Entry, FeedPage};

/// What happened to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChangeType {
    /// Created (and not changed since): `task` holds it.
    #[oai(rename = "task.created")]
    Created,
    /// Changed: `task` holds it as it is now.
    #[oai(rename = "task.updated")]
    Updated,
    /// Deleted: `tombstone` names it.
    #[oai(rename = "task.deleted")]
    Deleted,
}

impl ChangeType {
    /// The name used as the event's type on the event stream.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "task.created",
            Self::Updated => "task.updated",
            Self::Deleted => "task.deleted",
        }
    }
}

/// A deleted task.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Tombstone {
    /// The deleted task's id.
    pub id: Uuid,
    /// When it was deleted (UTC).
    pub deleted_at: Timestamp,
}

/// One change to one of the caller's tasks.
#[derive(Debug, Clone, Object)]
#[oai(example)]
#[oai(rename = "Change")]
pub struct ChangeBody {
    /// `task.created`, `task.updated` or `task.deleted`.
    #[oai(rename = "type")]
    pub kind: ChangeType,
    /// The cursor just after this change (an event's `id` on the stream):
    /// syncing from it continues with the next change.
    pub cursor: String,
    /// The task as it is now; present unless the task was deleted.
    #[oai(skip_serializing_if_is_none)]
    pub task: Option<TaskBody>,
    /// The deleted task; present only for `task.deleted`.
    #[oai(skip_serializing_if_is_none)]
    pub tombstone: Option<Tombstone>,
}

impl ChangeBody {
    /// The change `entry` of `owner`'s feed, its cursor sealed with `key`.
    pub fn new(entry: Entry, key: &CursorKey, owner: Uuid) -> Self {
        let cursor = key.seal(owner, &entry.cursor);
        let (kind, task, tombstone) = match entry.change {
            Change::Created(task) => (ChangeType::Created, Some(task.into()), None),
            Change::Updated(task) => (ChangeType::Updated, Some(task.into()), None),
            Change::Deleted { id, deleted_at } => {
                let tombstone = Tombstone {
                    id,
                    deleted_at: deleted_at.into(),
                };
                (ChangeType::Deleted, None, Some(tombstone))
            }
        };
        Self {
            kind,
            cursor,
            task,
            tombstone,
        }
    }
}

/// One page of the change feed.
#[derive(Debug, Clone, Object)]
#[oai(example)]
#[oai(rename = "ChangePage")]
pub struct ChangePage {
    /// The changes, oldest first, each task at most once per change.
    pub changes: Vec<ChangeBody>,
    /// Pass it as `cursor` next time: it continues after the last change
    /// here (or where this request started, when there was none).
    pub next_cursor: String,
    /// More changes are waiting: ask again with `next_cursor` now.
    pub has_more: bool,
}

impl ChangePage {
    /// A page of `owner`'s feed, its cursors sealed with `key`.
    pub fn new(page: FeedPage, key: &CursorKey, owner: Uuid) -> Self {
        let changes = page.entries.into_iter();
        Self {
            next_cursor: key.seal(owner, &page.next),
            has_more: page.has_more,
            changes: changes.map(|e| ChangeBody::new(e, key, owner)).collect(),
        }
    }
}

/// A ticket that opens one event stream.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct StreamTicketBody {
    /// Pass it as the `ticket` query parameter of
    /// `GET /api/{user_id}/events`; it works once.
    pub ticket: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}
