//! How the task request bodies are read: field by field, each checked
//! against the same limits the schema declares and the domain's rules, so
//! that one 422 names every bad field.
use poem_openapi::types::MaybeUndefined;

use super::enums::{Priority, Recurrence};
use super::schema::{CompletionRequest, TaskInput, TaskUpdate};
use crate::api::schema::Timestamp;
use crate::api::schema::strict::{
    Fields, FromBody, Read, boolean, date_time, one_of, text, text_list,
};
use crate::domain::{Description, FieldError, Tags, Title};

/// The members every task body shares, as read.
struct Common {
    title: Option<String>,
    description: Option<String>,
    completed: Option<bool>,
    priority: Option<Priority>,
    tags: Option<Vec<String>>,
    due_date: MaybeUndefined<Timestamp>,
    recurrence: MaybeUndefined<Recurrence>,
}

/// Reads the members of a task body; `title_required` on create and PUT.
fn read_common(fields: &mut Fields, title_required: bool) -> Option<Common> {
    let title = match title_required {
        true => fields
            .required("title", text(0, Title::MAX_CHARS))
            .map(Some),
        false => fields.optional("title", text(0, Title::MAX_CHARS)),
    };
    let title = title.and_then(|title| {
        let checked = title.as_deref().map(|t| Title::parse(t).map(drop));
        fields.check(checked.unwrap_or(Ok(()))).map(|()| title)
    });
    let description = fields
        .optional("description", text(0, Description::MAX_CHARS))
        .and_then(|text| {
            let checked = text.clone().map(|t| Description::parse(t).map(drop));
            fields.check(checked.unwrap_or(Ok(()))).map(|()| text)
        });
    let completed = fields.optional("completed", boolean);
    let priority = fields.optional("priority", one_of::<Priority>);
    let tags = fields
        .optional("tags", text_list(Tags::MAX_CHARS, tag))
        .and_then(|tags| {
            let checked: Read<()> = tags
                .clone()
                .map(|t| Tags::parse(t).map(drop))
                .unwrap_or(Ok(()));
            fields.check_all(checked).map(|()| tags)
        });
    let due_date = fields.nullable("due_date", date_time::<Timestamp>);
    let recurrence = fields.nullable("recurrence", one_of::<Recurrence>);
    Some(Common {
        title: title?,
        description: description?,
        completed: completed?,
        priority: priority?,
        tags: tags?,
        due_date: due_date?,
        recurrence: recurrence?,
    })
}

/// One tag as the domain takes it (normalised, not blank, no NUL).
fn tag(index: usize, raw: &str) -> Result<(), FieldError> {
    Tags::parse_one(index, raw).map(drop)
}

impl FromBody for TaskInput {
    fn read(fields: &mut Fields) -> Option<Self> {
        let body = read_common(fields, true)?;
        Some(Self {
            title: body.title?,
            description: body.description,
            completed: body.completed,
            priority: body.priority,
            tags: body.tags,
            due_date: body.due_date.take(),
            recurrence: body.recurrence.take(),
        })
    }
}

impl FromBody for TaskUpdate {
    fn read(fields: &mut Fields) -> Option<Self> {
        let body = read_common(fields, false)?;
        Some(Self {
            title: body.title,
            description: body.description,
            completed: body.completed,
            priority: body.priority,
            tags: body.tags,
            due_date: body.due_date,
            recurrence: body.recurrence,
        })
    }
}

impl FromBody for CompletionRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let completed = fields.optional("completed", boolean)?;
        Some(Self { completed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::schema::strict::MAX_LIST_ITEMS;
    use crate::api::schema::strict::tests::declared;

    #[test]
    fn the_readers_limits_are_the_ones_the_spec_declares() {
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
            assert_eq!(tags.max_items, Some(MAX_LIST_ITEMS));
            let Some(items) = tags.items else {
                panic!("tags declare no items")
            };
            let poem_openapi::registry::MetaSchemaRef::Inline(item) = *items else {
                panic!("tag items are a reference")
            };
            assert_eq!(item.max_length, Some(Tags::MAX_CHARS));
        }
    }
}
