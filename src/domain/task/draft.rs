//! What a create or a change is made of, raw and validated: `TaskFields`
//! and `TaskChanges` hold input as sent, `TaskDraft` and `TaskPatch` only
//! values that passed every rule (their parts cannot be built otherwise).
use chrono::{DateTime, Utc};

use super::fields::{Description, Tags, Title};
use super::stored::{Priority, Recurrence, timestamp};
use crate::domain::error::{Error, invalid};

/// Every field of a task as sent on create or full replacement, with the
/// defaults applied for omitted ones; not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFields {
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub recurrence: Option<Recurrence>,
}

/// A whole task that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub title: Title,
    pub description: Description,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Tags,
    pub due_date: Option<DateTime<Utc>>,
    pub recurrence: Option<Recurrence>,
}

impl TaskDraft {
    /// Validates and normalises every field, reporting all failures at once.
    pub fn parse(fields: TaskFields) -> Result<Self, Error> {
        match (
            Title::parse(&fields.title),
            Description::parse(fields.description),
            Tags::parse(fields.tags),
        ) {
            (Ok(title), Ok(description), Ok(tags)) => Ok(Self {
                title,
                description,
                tags,
                completed: fields.completed,
                priority: fields.priority,
                due_date: fields.due_date.map(timestamp),
                recurrence: fields.recurrence,
            }),
            (title, description, tags) => Err(invalid([
                title.err().into_iter().collect(),
                description.err().into_iter().collect(),
                tags.err().unwrap_or_default(),
            ])),
        }
    }

    /// A full replacement: every field changes.
    pub fn into_patch(self) -> TaskPatch {
        TaskPatch {
            title: Some(self.title),
            description: Some(self.description),
            completed: Some(self.completed),
            priority: Some(self.priority),
            tags: Some(self.tags),
            due_date: Some(self.due_date),
            recurrence: Some(self.recurrence),
        }
    }
}

/// A partial update as sent: `None` leaves a field alone; for the nullable
/// fields `Some(None)` clears it. Not yet checked.
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

/// A partial update that passed every rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    pub title: Option<Title>,
    pub description: Option<Description>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Tags>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub recurrence: Option<Option<Recurrence>>,
}

impl TaskPatch {
    pub fn parse(changes: TaskChanges) -> Result<Self, Error> {
        match (
            changes.title.as_deref().map(Title::parse).transpose(),
            changes.description.map(Description::parse).transpose(),
            changes.tags.map(Tags::parse).transpose(),
        ) {
            (Ok(title), Ok(description), Ok(tags)) => Ok(Self {
                title,
                description,
                tags,
                completed: changes.completed,
                priority: changes.priority,
                due_date: changes.due_date.map(|d| d.map(timestamp)),
                recurrence: changes.recurrence,
            }),
            (title, description, tags) => Err(invalid([
                title.err().into_iter().collect(),
                description.err().into_iter().collect(),
                tags.err().unwrap_or_default(),
            ])),
        }
    }

    /// Sets completion and nothing else.
    pub fn completion(completed: bool) -> Self {
        Self {
            completed: Some(completed),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: &str) -> TaskFields {
        TaskFields {
            title: title.into(),
            description: String::new(),
            completed: false,
            priority: Priority::default(),
            tags: vec![],
            due_date: None,
            recurrence: None,
        }
    }

    #[test]
    fn a_draft_reports_every_bad_field_at_once() {
        let mut bad = fields("");
        bad.description = "d".repeat(2001);
        let Err(Error::Validation(fields)) = TaskDraft::parse(bad) else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["/title", "/description"]);
    }
}
