use chrono::{DateTime, Days, Months, SubsecRound, Utc};
use poem_openapi::Enum;

use super::{Problems, char_len};
use crate::error::{Error, FieldError};

/// How urgent a task is; ranks low < medium < high < urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
    Urgent,
}

impl Priority {
    /// The stored rank, so that ordering by the column is ordering by urgency.
    pub fn rank(self) -> i16 {
        match self {
            Self::Low => 1,
            Self::Medium => 2,
            Self::High => 3,
            Self::Urgent => 4,
        }
    }

    pub fn from_rank(rank: i16) -> Self {
        match rank {
            1 => Self::Low,
            3 => Self::High,
            4 => Self::Urgent,
            _ => Self::Medium,
        }
    }
}

/// How often a task repeats once completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Recurrence {
    Daily,
    Weekly,
    Monthly,
}

impl Recurrence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    /// The due date of the next occurrence: one period after `from`.
    /// Monthly keeps the day of the month (in UTC), clamped to the last day
    /// of shorter months.
    pub fn next_due(self, from: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Daily => from + Days::new(1),
            Self::Weekly => from + Days::new(7),
            Self::Monthly => from.checked_add_months(Months::new(1)).unwrap_or(from),
        }
    }

    pub fn parse_stored(value: &str) -> Option<Self> {
        match value {
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            "monthly" => Some(Self::Monthly),
            _ => None,
        }
    }
}

pub struct Title;

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<String, FieldError> {
        let title = raw.trim();
        match char_len(title) {
            0 => Err(FieldError::new("title", "must not be empty")),
            n if n > Self::MAX_CHARS => {
                Err(FieldError::new("title", "must be at most 200 characters"))
            }
            _ => Ok(title.to_owned()),
        }
    }
}

pub const DESCRIPTION_MAX_CHARS: usize = 2000;

fn parse_description(raw: String) -> Result<String, FieldError> {
    if char_len(&raw) > DESCRIPTION_MAX_CHARS {
        return Err(FieldError::new(
            "description",
            "must be at most 2000 characters",
        ));
    }
    Ok(raw)
}

/// The stored form of a tag: trimmed and lower-cased.
pub fn normalise_tag(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub struct Tags;

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 50;

    /// Normalises each tag, merges duplicates (keeping first-seen order) and
    /// enforces the limits.
    pub fn parse(raw: Vec<String>) -> Result<Vec<String>, FieldError> {
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
        Ok(tags)
    }
}

/// Timestamps keep microseconds, the precision PostgreSQL stores, so a
/// value reads back exactly as it was written on either database.
pub fn timestamp(value: DateTime<Utc>) -> DateTime<Utc> {
    value.trunc_subsecs(6)
}

/// Every field of a task as sent on create or full replacement, with the
/// defaults applied for omitted ones.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub recurrence: Option<Recurrence>,
}

impl TaskDraft {
    /// Validates and normalises every field, reporting all failures at once.
    pub fn parse(self) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let title = problems.check(Title::parse(&self.title));
        let description = problems.check(parse_description(self.description));
        let tags = problems.check(Tags::parse(self.tags));
        problems.finish(|| Self {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            tags: tags.unwrap_or_default(),
            due_date: self.due_date.map(timestamp),
            ..self
        })
    }
}

/// A partial update: `None` leaves a field alone; for the nullable fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub recurrence: Option<Option<Recurrence>>,
}

impl TaskPatch {
    pub fn parse(self) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let title = self.title.map(|t| problems.check(Title::parse(&t)));
        let description = self
            .description
            .map(|d| problems.check(parse_description(d)));
        let tags = self.tags.map(|t| problems.check(Tags::parse(t)));
        problems.finish(|| Self {
            title: title.flatten(),
            description: description.flatten(),
            tags: tags.flatten(),
            due_date: self.due_date.map(|d| d.map(timestamp)),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(title: &str) -> TaskDraft {
        TaskDraft {
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
        assert_eq!(Title::parse("  buy milk ").unwrap(), "buy milk");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"ü".repeat(200)).is_ok());
        assert!(Title::parse(&"ü".repeat(201)).is_err());
    }

    #[test]
    fn tags_are_normalised_and_merged_before_counting() {
        let tags = Tags::parse(vec![" Home ".into(), "home".into(), "WORK".into()]).unwrap();
        assert_eq!(tags, vec!["home", "work"]);
        let many: Vec<String> = (0..25).map(|i| format!("t{}", i % 20)).collect();
        assert_eq!(Tags::parse(many).unwrap().len(), 20);
        let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse(too_many).is_err());
        assert!(Tags::parse(vec!["  ".into()]).is_err());
        assert!(Tags::parse(vec!["x".repeat(50)]).is_ok());
        assert!(Tags::parse(vec!["x".repeat(51)]).is_err());
    }

    #[test]
    fn a_draft_reports_every_bad_field_at_once() {
        let mut bad = draft("");
        bad.description = "d".repeat(2001);
        let Err(Error::Validation(fields)) = bad.parse() else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["title", "description"]);
    }

    #[test]
    fn monthly_recurrence_clamps_to_the_end_of_shorter_months() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let next = Recurrence::Monthly.next_due(at("2026-01-31T09:30:00Z"));
        assert_eq!(next, at("2026-02-28T09:30:00Z"));
        assert_eq!(
            Recurrence::Monthly.next_due(at("2028-01-31T00:00:00Z")),
            at("2028-02-29T00:00:00Z")
        );
        assert_eq!(
            Recurrence::Monthly.next_due(at("2026-12-15T00:00:00Z")),
            at("2027-01-15T00:00:00Z")
        );
        assert_eq!(
            Recurrence::Weekly.next_due(at("2026-12-29T00:00:00Z")),
            at("2027-01-05T00:00:00Z")
        );
        assert_eq!(
            Recurrence::Daily.next_due(at("2026-12-31T23:00:00Z")),
            at("2027-01-01T23:00:00Z")
        );
    }

    #[test]
    fn priorities_round_trip_through_their_rank() {
        for p in [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Urgent,
        ] {
            assert_eq!(Priority::from_rank(p.rank()), p);
        }
        assert!(Priority::Urgent.rank() > Priority::High.rank());
    }
}
