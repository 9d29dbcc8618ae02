//! The task schemas: a task as clients see it, and the bodies that create
//! or change one.
use poem_openapi::Object;
use poem_openapi::types::{Example, MaybeUndefined};
use uuid::Uuid;

use super::enums::{Priority, Recurrence};
use crate::api::schema::{Nullable, Timestamp};
use crate::domain::{Task, TaskChanges, TaskFields};

// `Serialize` too, to be written straight through serde (`schema::Serde`),
// field for field as the spec names them.
/// A task, owned by one user.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(rename = "Task", example)]
pub struct TaskBody {
    /// The task's id (UUID v7).
    pub id: Uuid,
    /// The owner's id.
    pub user_id: Uuid,
    /// 1 to 200 characters, trimmed.
    pub title: String,
    /// Free text, at most 2000 characters.
    pub description: String,
    /// Whether the task is done.
    pub completed: bool,
    /// When the task was last completed; null while it is not.
    pub completed_at: Nullable<Timestamp>,
    /// How urgent the task is.
    pub priority: Priority,
    /// Lower-cased tags, without duplicates.
    pub tags: Vec<String>,
    /// When the task is due, if ever.
    pub due_date: Nullable<Timestamp>,
    /// How the task repeats, if it does.
    pub recurrence: Nullable<Recurrence>,
    /// When the task was created.
    pub created_at: Timestamp,
    /// When the task last changed.
    pub updated_at: Timestamp,
    /// The next occurrence created when this recurring task was completed.
    pub next_task_id: Nullable<Uuid>,
}

impl From<Task> for TaskBody {
    fn from(task: Task) -> Self {
        Self {
            id: task.id,
            user_id: task.user_id,
            title: task.title,
            description: task.description,
            completed: task.completed,
            completed_at: task.completed_at.map(Timestamp).into(),
            priority: task.priority.into(),
            tags: task.tags,
            due_date: task.due_date.map(Timestamp).into(),
            recurrence: task.recurrence.map(Recurrence::from).into(),
            created_at: task.created_at.into(),
            updated_at: task.updated_at.into(),
            next_task_id: task.next_task_id.into(),
        }
    }
}

/// A task as sent on create (`POST`) and full replacement (`PUT`). Omitted
/// optional fields take their defaults.
#[derive(Debug, Object)]
// Absent fields stay absent in the examples Swagger UI pre-fills.
#[oai(example, skip_serializing_if_is_none)]
pub struct TaskInput {
    /// 1 to 200 characters after trimming.
    #[oai(validator(max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"))]
    pub title: String,
    /// At most 2000 characters; default `""`.
    #[oai(validator(max_length = 2000, pattern = r"^[^\u0000]*$"))]
    pub description: Option<String>,
    /// Default `false`.
    pub completed: Option<bool>,
    /// Default `medium`.
    pub priority: Option<Priority>,
    /// Up to 20 tags of 1 to 50 characters; trimmed, lower-cased and
    /// de-duplicated (at most 100 values sent, duplicates included).
    /// Default `[]`.
    #[oai(validator(
        max_items = 100,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    ))]
    pub tags: Option<Vec<String>>,
    /// RFC 3339 date-time, or null for none.
    #[oai(nullable)]
    pub due_date: Option<Timestamp>,
    /// Repeat `daily`, `weekly` or `monthly`, or null for never.
    #[oai(nullable)]
    pub recurrence: Option<Recurrence>,
}

impl Example for TaskInput {
    fn example() -> Self {
        Self {
            title: "Buy milk".into(),
            description: Some("Two litres, semi-skimmed".into()),
            completed: None,
            priority: Some(Priority::High),
            tags: Some(vec!["errands".into()]),
            due_date: None,
            recurrence: None,
        }
    }
}

impl From<TaskInput> for TaskFields {
    fn from(input: TaskInput) -> Self {
        Self {
            title: input.title,
            description: input.description.unwrap_or_default(),
            completed: input.completed.unwrap_or(false),
            priority: input.priority.unwrap_or_default().into(),
            tags: input.tags.unwrap_or_default(),
            due_date: input.due_date.map(|t| t.0),
            recurrence: input.recurrence.map(Into::into),
        }
    }
}

/// A partial update: omitted fields stay as they are; `null` clears
/// `due_date` or `recurrence`.
#[derive(Debug, Object)]
// Absent fields stay absent in the examples Swagger UI pre-fills.
#[oai(example, skip_serializing_if_is_none)]
pub struct TaskUpdate {
    /// 1 to 200 characters after trimming.
    #[oai(validator(max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"))]
    pub title: Option<String>,
    /// At most 2000 characters.
    #[oai(validator(max_length = 2000, pattern = r"^[^\u0000]*$"))]
    pub description: Option<String>,
    /// Setting `true` stamps `completed_at`; `false` clears it.
    pub completed: Option<bool>,
    /// The new priority.
    pub priority: Option<Priority>,
    /// Replaces every tag (same rules as on create).
    #[oai(validator(
        max_items = 100,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    ))]
    pub tags: Option<Vec<String>>,
    /// A new due date, or null to clear it.
    #[oai(nullable)]
    pub due_date: MaybeUndefined<Timestamp>,
    /// A new recurrence, or null to stop repeating.
    #[oai(nullable)]
    pub recurrence: MaybeUndefined<Recurrence>,
}

impl Example for TaskUpdate {
    fn example() -> Self {
        Self {
            title: None,
            description: None,
            completed: None,
            priority: Some(Priority::Urgent),
            tags: None,
            due_date: MaybeUndefined::Null,
            recurrence: MaybeUndefined::Undefined,
        }
    }
}

fn present<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl From<TaskUpdate> for TaskChanges {
    fn from(update: TaskUpdate) -> Self {
        Self {
            title: update.title,
            description: update.description,
            completed: update.completed,
            priority: update.priority.map(Into::into),
            tags: update.tags,
            due_date: present(update.due_date).map(|d| d.map(|t| t.0)),
            recurrence: present(update.recurrence).map(|r| r.map(Into::into)),
        }
    }
}

/// Sets completion explicitly; send no body (or no `completed`) to toggle.
#[derive(Debug, Object)]
pub struct CompletionRequest {
    /// `true` to complete, `false` to reopen; omitted toggles.
    pub completed: Option<bool>,
}
