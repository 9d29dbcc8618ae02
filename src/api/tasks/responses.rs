//! What the task operations answer with.
use poem_openapi::{ApiResponse, Enum, Object};

use super::etag::etag;
use super::schema::TaskBody;
use crate::api::schema::{JsonReply, Serde};
use crate::domain::query::ListQuery;
use crate::domain::{FieldError, Source, Task, normalise_tag, storable};
use crate::service::tasks::{Created, Page};

/// One page of tasks.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(example)]
pub struct TaskPage {
    /// The tasks on this page.
    pub items: Vec<TaskBody>,
    /// How many tasks match the filters, across all pages.
    pub total: u64,
    /// The page size used.
    pub limit: u64,
    /// How many matching tasks were skipped.
    pub offset: u64,
}

#[derive(ApiResponse)]
pub enum TaskResponse {
    /// The task.
    #[oai(status = 200)]
    Ok(
        JsonReply<Serde<TaskBody>>,
        /// The task's current version, for `If-Match`.
        #[oai(header = "ETag")]
        String,
    ),
}

impl From<Task> for TaskResponse {
    fn from(task: Task) -> Self {
        let tag = etag(task.id, task.version);
        Self::Ok(JsonReply(Serde(task.into())), tag)
    }
}

#[derive(ApiResponse)]
pub enum CreatedTaskResponse {
    /// The task was created.
    #[oai(status = 201)]
    Created(
        JsonReply<Serde<TaskBody>>,
        /// The new task's URL.
        #[oai(header = "Location")]
        String,
        /// The task's current version, for `If-Match`.
        #[oai(header = "ETag")]
        String,
    ),
}

/// A new task, or for a repeated idempotent create the first response
/// again: the task as it was created.
impl From<Created> for CreatedTaskResponse {
    fn from(created: Created) -> Self {
        let (Created::New(task) | Created::Replayed(task)) = created;
        let location = format!("/api/{}/tasks/{}", task.user_id, task.id);
        let tag = etag(task.id, task.version);
        Self::Created(JsonReply(Serde(task.into())), location, tag)
    }
}

/// The only status `DELETE /tasks` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ClearableStatus {
    Completed,
}

/// How many tasks a bulk delete removed.
#[derive(Debug, Object)]
#[oai(example)]
pub struct DeletedCount {
    /// The number of tasks deleted.
    pub deleted: u64,
}

impl TaskPage {
    pub fn new(page: Page, query: &ListQuery) -> Self {
        Self {
            items: page.items.into_iter().map(TaskBody::from).collect(),
            total: page.total,
            limit: query.limit,
            offset: query.offset,
        }
    }
}

/// Normalises `tag` query values like stored tags and drops blank ones (no
/// stored tag is blank, so they could only ever match nothing) and
/// duplicates; at most 20 arrive (the `tag` parameter's `maxItems`).
pub fn tag_filter(raw: impl IntoIterator<Item = String>) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.into_iter().map(|t| normalise_tag(&t)) {
        storable("", &tag).map_err(|e| e.at(Source::Query, "tag"))?;
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// The `q` search text, unless blank; text no database can store is refused.
pub fn search_text(q: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return Ok(None);
    };
    storable("", &q).map_err(|e| e.at(Source::Query, "q"))?;
    Ok(Some(q))
}

#[derive(ApiResponse)]
pub enum DeletedResponse {
    /// The task was deleted.
    #[oai(status = 204)]
    Deleted,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use poem_openapi::types::{Example, ToJSON};
    use uuid::Uuid;

    use super::*;
    use crate::api::schema::Timestamp;
    use crate::api::tasks::enums::{Priority, Recurrence};

    /// Every optional field set, text that JSON must escape, a timestamp
    /// with a fraction of a second.
    fn full() -> TaskBody {
        let at = Timestamp(Utc.timestamp_opt(1_795_600_000, 123_456_000).unwrap());
        TaskBody {
            completed: true,
            completed_at: Some(at).into(),
            title: "Ünïcode \"quoted\" \\ and\ttab".into(),
            description: "line\nbreak \u{1F600}".into(),
            priority: Priority::Urgent,
            recurrence: Some(Recurrence::Monthly).into(),
            next_task_id: Some(Uuid::now_v7()).into(),
            tags: vec![],
            ..TaskBody::example()
        }
    }

    /// `Serde<T>` is sent as poem-openapi would have sent `T`: same members,
    /// same names, same values, nulls kept.
    #[test]
    fn serde_writes_each_body_as_its_schema_does() {
        let mut bare = TaskBody::example();
        bare.due_date = None.into();
        bare.recurrence = None.into();
        for task in [TaskBody::example(), full(), bare] {
            let direct: serde_json::Value =
                serde_json::from_str(&Serde(task.clone()).to_json_string()).unwrap();
            assert_eq!(Some(direct), task.to_json());
        }
        let page = TaskPage {
            items: vec![TaskBody::example(), full()],
            total: 7,
            limit: 2,
            offset: 4,
        };
        let direct: serde_json::Value =
            serde_json::from_str(&Serde(page.clone()).to_json_string()).unwrap();
        assert_eq!(Some(direct), page.to_json());
    }
}
