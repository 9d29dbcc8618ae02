//! Tasks as the rules see them: a stored task (`Task`), and a change to
//! one, as sent (`TaskChanges`) and once every rule passed (`TaskEdit`).
//! A create or a full replacement is a change of every field; a partial
//! update changes those sent. Each field is declared here once per form.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::error::FieldError;

mod fields;
mod kinds;
#[cfg(test)]
mod tests;

pub use fields::{Description, PlainText, Tags, Title};
pub use kinds::{Priority, Recurrence, normalise_tag, timestamp};

/// A task as it is stored now. Serialised, it is also the record an
/// idempotent create keeps of the task it made (its field names are the
/// response's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub recurrence: Option<Recurrence>,
    pub next_task_id: Option<Uuid>,
    /// Bumped on every write. Records kept before it was part of them were
    /// all of new tasks, which start at 1.
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn first_version() -> i64 {
    1
}

/// A change as sent, not yet checked: `None` leaves a field as it is; for
/// the nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub recurrence: Option<Option<Recurrence>>,
}

/// A change that passed every rule (its values cannot be built otherwise).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskEdit {
    pub title: Option<Title>,
    pub description: Option<Description>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Tags>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub recurrence: Option<Option<Recurrence>>,
}

impl TaskChanges {
    /// Validates and normalises every field sent, reporting all failures
    /// at once.
    pub fn parse(self) -> Result<TaskEdit, Vec<FieldError>> {
        let mut failed = Failures::default();
        let edit = TaskEdit {
            title: self.title.and_then(|t| failed.one(Title::parse(&t))),
            description: self
                .description
                .and_then(|d| failed.one(Description::parse("/description", d))),
            completed: self.completed,
            priority: self.priority,
            tags: self.tags.and_then(|t| failed.all(Tags::parse(t))),
            due_date: self.due_date.map(|d| d.map(timestamp)),
            recurrence: self.recurrence,
        };
        failed.or(edit)
    }
}

impl TaskEdit {
    /// Sets completion and nothing else.
    pub fn completion(completed: bool) -> Self {
        Self {
            completed: Some(completed),
            ..Self::default()
        }
    }
}

/// The failures found so far while checking one change.
#[derive(Default)]
struct Failures(Vec<FieldError>);

impl Failures {
    fn one<T>(&mut self, checked: Result<T, FieldError>) -> Option<T> {
        self.all(checked.map_err(|failure| vec![failure]))
    }

    fn all<T>(&mut self, checked: Result<T, Vec<FieldError>>) -> Option<T> {
        checked.map_err(|failures| self.0.extend(failures)).ok()
    }

    fn or<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        match self.0.is_empty() {
            true => Ok(value),
            false => Err(self.0),
        }
    }
}
