use super::*;
use crate::domain::Violation;

#[test]
fn a_change_reports_every_bad_field_at_once() {
    let changes = TaskChanges {
        title: Some(String::new()),
        description: Some("d".repeat(2001)),
        tags: Some(vec!["ok".into(), " ".into()]),
        ..TaskChanges::default()
    };
    let failures = changes.parse().unwrap_err();
    let named: Vec<_> = failures
        .iter()
        .map(|f| (f.field.as_str(), f.code))
        .collect();
    assert_eq!(
        named,
        [
            ("/title", Violation::TooShort),
            ("/description", Violation::TooLong),
            ("/tags/1", Violation::TooShort),
        ]
    );
}

#[test]
fn a_change_keeps_absent_fields_absent_and_normalises_the_rest() {
    let due = "2026-11-24T17:00:00.1234567Z".parse().unwrap();
    let edit = TaskChanges {
        title: Some("  buy milk ".into()),
        tags: Some(vec!["Home".into(), "home".into()]),
        due_date: Some(Some(due)),
        recurrence: Some(None),
        ..TaskChanges::default()
    }
    .parse()
    .unwrap();
    assert_eq!(edit.title.unwrap().as_str(), "buy milk");
    assert_eq!(edit.tags.unwrap().as_slice(), ["home"]);
    assert_eq!(edit.due_date, Some(Some(timestamp(due))));
    assert_eq!(edit.recurrence, Some(None));
    assert_eq!(
        (edit.description, edit.completed, edit.priority),
        (None, None, None)
    );
}

#[test]
fn a_kept_response_without_a_version_reads_as_a_new_task() {
    let kept = r#"{"id":"0190c1e2-7b5a-7cc3-9d2e-1f0a2b3c4d5e","user_id":"0190c1e2-7b5a-7cc3-9d2e-1f0a2b3c4d5f",
        "title":"t","description":"","completed":false,"completed_at":null,"priority":"high",
        "tags":["a"],"due_date":"2026-11-24T17:00:00Z","recurrence":"daily","next_task_id":null,
        "created_at":"2026-11-24T17:00:00.123456Z","updated_at":"2026-11-24T17:00:00.123456Z"}"#;
    let task: Task = serde_json::from_str(kept).unwrap();
    assert_eq!((task.version, task.priority), (1, Priority::High));
    assert_eq!(task.recurrence, Some(Recurrence::Daily));
}
