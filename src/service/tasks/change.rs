//! A change to a task, worked out before it is written: the task as it
//! will be, and the next occurrence a completed recurring task gets.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::tags_json;
use crate::domain::{Recurrence, TaskPatch, search_folded};
use crate::entity::task;

/// The task as it will be once `patch` is applied at `now`.
pub(super) fn apply(current: &task::Model, patch: &TaskPatch, now: DateTime<Utc>) -> task::Model {
    let mut next = current.clone();
    if let Some(title) = &patch.title {
        title.as_str().clone_into(&mut next.title);
        next.title_folded = search_folded(title.as_str());
    }
    if let Some(description) = &patch.description {
        description.as_str().clone_into(&mut next.description);
        next.description_folded = search_folded(description.as_str());
    }
    // `completed_at` records when the task became complete; re-asserting
    // completion keeps the original time.
    if let Some(completed) = patch.completed.filter(|c| *c != current.completed) {
        next.completed = completed;
        next.completed_at = completed.then_some(now);
    }
    if let Some(priority) = patch.priority {
        next.priority = priority.rank();
    }
    if let Some(tags) = &patch.tags {
        next.tags = tags_json(tags.as_slice());
    }
    if let Some(due_date) = patch.due_date {
        next.due_date = due_date;
    }
    if let Some(recurrence) = patch.recurrence {
        next.recurrence = recurrence.map(|r| r.as_str().to_owned());
    }
    next.version = current.version + 1;
    next.updated_at = now;
    next
}

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

    fn task() -> task::Model {
        let at = "2026-01-31T09:00:00Z".parse().unwrap();
        task::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            title: "Pay rent".into(),
            description: String::new(),
            title_folded: "pay rent".into(),
            description_folded: String::new(),
            completed: false,
            completed_at: None,
            priority: 3,
            tags: r#"["home"]"#.into(),
            due_date: Some(at),
            recurrence: Some("monthly".into()),
            next_task_id: None,
            version: 4,
            change_seq: 7,
            created_at: at,
            updated_at: at,
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
        let done = apply(&task(), &TaskPatch::completion(true), now);
        assert_eq!((done.version, done.completed_at), (5, Some(now)));
        let later = now + chrono::Duration::seconds(5);
        let again = apply(&done, &TaskPatch::completion(true), later);
        assert_eq!(again.completed_at, Some(now));
        assert_eq!(again.version, 6);
    }
}
