//! What a task's fields hold besides text: how urgent it is, how it
//! repeats, its timestamps and its tags' stored form.
use chrono::{DateTime, Days, Months, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// How urgent a task is; ranks low < medium < high < urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// The latest due date a recurrence produces: the end of year 9999, the
/// last instant an RFC 3339 timestamp (four-digit year) can name.
pub const LAST_DUE: DateTime<Utc> = match DateTime::from_timestamp(253_402_300_799, 0) {
    Some(last) => last,
    None => panic!("9999-12-31T23:59:59Z is a valid timestamp"),
};

/// How often a task repeats once completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// of shorter months. `None` once that would pass `LAST_DUE`: the
    /// series ends rather than making a date no client can send back.
    pub fn next_due(self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = match self {
            Self::Daily => from.checked_add_days(Days::new(1)),
            Self::Weekly => from.checked_add_days(Days::new(7)),
            Self::Monthly => from.checked_add_months(Months::new(1)),
        }?;
        (next <= LAST_DUE).then_some(next)
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

/// Timestamps keep microseconds, the precision PostgreSQL stores, so a
/// value reads back exactly as it was written on either database.
pub fn timestamp(value: DateTime<Utc>) -> DateTime<Utc> {
    value.trunc_subsecs(6)
}

/// The stored form of a tag: trimmed and lower-cased.
pub fn normalise_tag(raw: &str) -> String {
    raw.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_recurrence_clamps_to_the_end_of_shorter_months() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let next = |r: Recurrence, from: &str| r.next_due(at(from)).unwrap();
        let next_month = next(Recurrence::Monthly, "2026-01-31T09:30:00Z");
        assert_eq!(next_month, at("2026-02-28T09:30:00Z"));
        assert_eq!(
            next(Recurrence::Monthly, "2028-01-31T00:00:00Z"),
            at("2028-02-29T00:00:00Z")
        );
        assert_eq!(
            next(Recurrence::Monthly, "2026-12-15T00:00:00Z"),
            at("2027-01-15T00:00:00Z")
        );
        assert_eq!(
            next(Recurrence::Weekly, "2026-12-29T00:00:00Z"),
            at("2027-01-05T00:00:00Z")
        );
        assert_eq!(
            next(Recurrence::Daily, "2026-12-31T23:00:00Z"),
            at("2027-01-01T23:00:00Z")
        );
    }

    #[test]
    fn recurrence_stops_at_the_end_of_year_9999() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(LAST_DUE, at("9999-12-31T23:59:59Z"));
        assert_eq!(
            Recurrence::Daily.next_due(at("9999-12-30T23:59:59Z")),
            Some(LAST_DUE)
        );
        assert_eq!(Recurrence::Daily.next_due(at("9999-12-31T00:00:00Z")), None);
        assert_eq!(
            Recurrence::Weekly.next_due(at("9999-12-25T00:00:00Z")),
            None
        );
        assert_eq!(
            Recurrence::Monthly.next_due(at("9999-12-01T00:00:00Z")),
            None
        );
        assert_eq!(
            Recurrence::Daily.next_due(at("9999-12-31T23:59:59.5Z")),
            None
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
