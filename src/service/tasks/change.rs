//! What completing a recurring task makes: its next occurrence, worked out
//! before it is written.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Recurrence;
use crate::entity::task;

/// The next occurrence of a recurring task that was just completed; none
/// once the series would pass the end of year 9999.
pub(super) fn next_occurrence(task: &task::Model, now: DateTime<Utc>) -> Option<task::Model> {
    let recurrence = Recurrence::parse_stored(task.recurrence.as_deref()?)?;
    let due_date = recurrence.next_due(task.due_date.unwrap_or(now))?;
    Some(task::Model {
        id: Uuid::now_v7(),
        completed: false,
        completed_at: None,
        due_date: Some(due_date),
        next_task_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        ..task.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskEdit;
    use crate::service::tasks::rows::apply;

    fn task() -> task::Model {
        let at = "2026-01-31T09:00:00Z".parse().unwrap();
        task::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            title: "Pay rent".into(),
            title_folded: "pay rent".into(),
            priority: 3,
            tags: r#"["home"]"#.into(),
            due_date: Some(at),
            recurrence: Some("monthly".into()),
            version: 4,
            change_seq: 7,
            created_at: at,
            updated_at: at,
            ..task::Model::default()
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
    fn a_series_that_would_pass_year_9999_has_no_next_occurrence() {
        let last = task::Model {
            due_date: Some("9999-12-15T00:00:00Z".parse().unwrap()),
            ..task()
        };
        assert!(next_occurrence(&last, Utc::now()).is_none());
    }

    #[test]
    fn every_write_bumps_the_version_and_keeps_completion_time_on_reassertion() {
        let now = Utc::now();
        let done = apply(&task(), &TaskEdit::completion(true), now);
        assert_eq!((done.version, done.completed_at), (5, Some(now)));
        let later = now + chrono::Duration::seconds(5);
        let again = apply(&done, &TaskEdit::completion(true), later);
        assert_eq!(again.completed_at, Some(now));
        assert_eq!(again.version, 6);
    }
}
