//! The task schemas: a task as clients see it, and the bodies that create
//! or change one. Each body is the spec and the reader at once
//! (`schema::strict`); its limits are the domain's constants.
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use uuid::Uuid;

use super::enums::{Priority, Recurrence};
use crate::api::schema::strict::{FromBody, Read};
use crate::api::schema::{NotBlank, Nullable, Text, Timestamp};
use crate::domain::{Description, Tags, Task, TaskChanges, TaskEdit, Title};

/// A title as sent.
type TitleText = Text<{ Title::MAX_CHARS }, NotBlank>;
/// A tag as sent.
type TagText = Text<{ Tags::MAX_CHARS }, NotBlank>;

// `Serialize` too, to be written straight through serde (`schema::Serde`),
// field for field as the spec names them.
/// A task, owned by one user.
#[derive(Debug, Clone, Default, Object, serde::Serialize)]
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
#[derive(Debug, Default, Object)]
// Absent fields stay absent in the examples Swagger UI pre-fills.
#[oai(example, skip_serializing_if_is_none)]
pub struct TaskInput {
    /// 1 to 200 characters after trimming, at least one visible (format
    /// characters and combining marks alone are blank); no bidi controls.
    pub title: TitleText,
    /// At most 2000 characters; default `""`. When not empty, at least
    /// one visible character; no bidi controls.
    pub description: Option<Text<{ Description::MAX_CHARS }>>,
    /// Default `false`.
    pub completed: Option<bool>,
    /// Default `medium`.
    pub priority: Option<Priority>,
    /// Up to 20 tags of 1 to 50 characters; trimmed, lower-cased and
    /// de-duplicated (at most 100 values sent, duplicates included).
    /// Default `[]`.
    // A literal: `tests::the_literal_limits_are_the_domains` holds it to `Tags::MAX_RAW`.
    #[oai(validator(max_items = 100))]
    pub tags: Option<Vec<TagText>>,
    /// RFC 3339 date-time, or null for none.
    #[oai(nullable)]
    pub due_date: Option<Timestamp>,
    /// Repeat `daily`, `weekly` or `monthly`, or null for never.
    #[oai(nullable)]
    pub recurrence: Option<Recurrence>,
}

/// A whole task: every field is set, omitted ones to their defaults.
impl From<&TaskInput> for TaskChanges {
    fn from(input: &TaskInput) -> Self {
        Self {
            title: Some(input.title.to_string()),
            description: Some(input.description.as_deref().unwrap_or_default().into()),
            completed: Some(input.completed.unwrap_or_default()),
            priority: Some(input.priority.unwrap_or_default().into()),
            tags: Some(texts(input.tags.as_deref().unwrap_or_default())),
            due_date: Some(input.due_date.map(|t| t.0)),
            recurrence: Some(input.recurrence.map(Into::into)),
        }
    }
}

/// A partial update: omitted fields stay as they are; `null` clears
/// `due_date` or `recurrence`.
#[derive(Debug, Default, Object)]
// Absent fields stay absent in the examples Swagger UI pre-fills.
#[oai(example, skip_serializing_if_is_none)]
pub struct TaskUpdate {
    /// 1 to 200 characters after trimming, at least one visible (format
    /// characters and combining marks alone are blank); no bidi controls.
    pub title: Option<TitleText>,
    /// At most 2000 characters; when not empty, at least one visible
    /// character; no bidi controls.
    pub description: Option<Text<{ Description::MAX_CHARS }>>,
    /// Setting `true` stamps `completed_at`; `false` clears it.
    pub completed: Option<bool>,
    /// The new priority.
    pub priority: Option<Priority>,
    /// Replaces every tag (same rules as on create).
    #[oai(validator(max_items = 100))]
    pub tags: Option<Vec<TagText>>,
    /// A new due date, or null to clear it.
    #[oai(nullable)]
    pub due_date: MaybeUndefined<Timestamp>,
    /// A new recurrence, or null to stop repeating.
    #[oai(nullable)]
    pub recurrence: MaybeUndefined<Recurrence>,
}

/// The fields sent, and only those.
impl From<&TaskUpdate> for TaskChanges {
    fn from(update: &TaskUpdate) -> Self {
        Self {
            title: update.title.as_deref().map(Into::into),
            description: update.description.as_deref().map(Into::into),
            completed: update.completed,
            priority: update.priority.map(Into::into),
            tags: update.tags.as_deref().map(texts),
            due_date: present(&update.due_date).map(|d| d.map(|t| t.0)),
            recurrence: present(&update.recurrence).map(|r| r.map(Into::into)),
        }
    }
}

fn texts<const MAX: usize, P, const MIN: usize>(texts: &[Text<MAX, P, MIN>]) -> Vec<String> {
    texts.iter().map(|text| text.to_string()).collect()
}

/// Absent, `null` (clear it) or a value (set it).
fn present<T: Clone>(value: &MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

impl FromBody for TaskInput {
    type Valid = TaskEdit;

    fn validate(&self) -> Read<TaskEdit> {
        TaskChanges::from(self).parse()
    }
}

impl FromBody for TaskUpdate {
    type Valid = TaskEdit;

    fn validate(&self) -> Read<TaskEdit> {
        TaskChanges::from(self).parse()
    }
}

/// Sets completion explicitly; send no body (or no `completed`) to toggle.
#[derive(Debug, Clone, Object)]
pub struct CompletionRequest {
    /// `true` to complete, `false` to reopen; omitted toggles.
    pub completed: Option<bool>,
}

impl FromBody for CompletionRequest {
    type Valid = Self;

    fn validate(&self) -> Read<Self> {
        Ok(self.clone())
    }
}

#[cfg(test)]
mod tests;
