//! What a create or a change is made of, raw and validated: `TaskFields`
//! and `TaskChanges` hold input as sent, `TaskDraft` and `TaskPatch` only
//! values that passed every rule (their parts cannot be built otherwise).
use chrono::{DateTime, Utc};

use super::{Priority, Recurrence, normalise_tag, timestamp};
use crate::domain::{Error, FieldError, char_len, invalid};

/// A title: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let title = raw.trim();
        match char_len(title) {
            0 => Err(FieldError::new("title", "must not be empty")),
            n if n > Self::MAX_CHARS => {
                Err(FieldError::new("title", "must be at most 200 characters"))
            }
            _ => Ok(Self(title.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A description: at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: String) -> Result<Self, FieldError> {
        if char_len(&raw) > Self::MAX_CHARS {
            return Err(FieldError::new(
                "description",
                "must be at most 2000 characters",
            ));
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Normalised tags without duplicates: at most 20, each 1 to 50 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 50;

    /// Normalises each tag, merges duplicates (keeping first-seen order) and
    /// enforces the limits.
    pub fn parse(raw: Vec<String>) -> Result<Self, FieldError> {
        let mut tags: Vec<String> = Vec::with_capacity(raw.len());
        for tag in raw.iter().map(|t| normalise_tag(t)) {
            match char_len(&tag) {
                0 => return Err(FieldError::new("tags", "tags must not be empty")),
                n if n > Self::MAX_CHARS => {
                    return Err(FieldError::new(
                        "tags",
                        "each tag must be at most 50 characters",
                    ));
                }
                _ if tags.contains(&tag) => {}
                _ => tags.push(tag),
            }
        }
        if tags.len() > Self::MAX_TAGS {
            return Err(FieldError::new("tags", "at most 20 distinct tags"));
        }
        Ok(Self(tags))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

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
            (title, description, tags) => {
                Err(invalid([title.err(), description.err(), tags.err()]))
            }
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
            (title, description, tags) => {
                Err(invalid([title.err(), description.err(), tags.err()]))
            }
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
    fn titles_are_trimmed_and_counted_in_code_points() {
        assert_eq!(
            Title::parse("  buy milk ").unwrap().into_inner(),
            "buy milk"
        );
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"ü".repeat(200)).is_ok());
        assert!(Title::parse(&"ü".repeat(201)).is_err());
    }

    #[test]
    fn tags_are_normalised_and_merged_before_counting() {
        let tags = Tags::parse(vec![" Home ".into(), "home".into(), "WORK".into()]).unwrap();
        assert_eq!(tags.as_slice(), ["home", "work"]);
        let many: Vec<String> = (0..25).map(|i| format!("t{}", i % 20)).collect();
        assert_eq!(Tags::parse(many).unwrap().as_slice().len(), 20);
        let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse(too_many).is_err());
        assert!(Tags::parse(vec!["  ".into()]).is_err());
        assert!(Tags::parse(vec!["x".repeat(50)]).is_ok());
        assert!(Tags::parse(vec!["x".repeat(51)]).is_err());
    }

    #[test]
    fn a_draft_reports_every_bad_field_at_once() {
        let mut bad = fields("");
        bad.description = "d".repeat(2001);
        let Err(Error::Validation(fields)) = TaskDraft::parse(bad) else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["title", "description"]);
    }
}
