use poem_openapi::registry::MetaSchemaRef;

use super::*;
use crate::api::schema::strict::tests::declared;

/// The limits written as literals (poem-openapi's attributes take no
/// constants) are the domain's; the others come from the types.
#[test]
fn the_declared_limits_are_the_domains() {
    for (field, max) in [
        ("title", Title::MAX_CHARS),
        ("description", Description::MAX_CHARS),
    ] {
        assert_eq!(declared::<TaskInput>(field).max_length, Some(max));
        assert_eq!(declared::<TaskUpdate>(field).max_length, Some(max));
    }
    for tags in [
        declared::<TaskInput>("tags"),
        declared::<TaskUpdate>("tags"),
    ] {
        assert_eq!(tags.max_items, Some(Tags::MAX_RAW));
        let Some(items) = tags.items else {
            panic!("tags declare no items")
        };
        let MetaSchemaRef::Inline(item) = *items else {
            panic!("tag items are a reference")
        };
        assert_eq!(item.max_length, Some(Tags::MAX_CHARS));
    }
}

#[test]
fn a_whole_task_sets_every_field_and_an_update_only_those_sent() {
    let input = TaskInput {
        title: " t ".into(),
        ..TaskInput::default()
    };
    let edit = input.validate().unwrap();
    assert_eq!(edit.title.as_ref().map(Title::as_str), Some("t"));
    assert_eq!(edit.description, Some(Description::default()));
    assert_eq!(edit.completed, Some(false));
    assert_eq!((edit.due_date, edit.recurrence), (Some(None), Some(None)));
    let update = TaskUpdate {
        due_date: MaybeUndefined::Null,
        ..TaskUpdate::default()
    };
    let edit = update.validate().unwrap();
    assert_eq!(
        edit,
        TaskEdit {
            due_date: Some(None),
            ..TaskEdit::default()
        }
    );
}
