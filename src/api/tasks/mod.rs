//! Each user's own tasks, under `/api/{user_id}/tasks`.
mod enums;
mod etag;
mod responses;
mod schema;

use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use enums::{Priority, Recurrence, SortField, SortOrder, StatusFilter};
use responses::{ClearableStatus, CreatedTaskResponse, DeletedResponse, TaskResponse, tag_filter};
pub use responses::{DeletedCount, TaskPage};
pub use schema::{CompletionRequest, TaskBody, TaskInput, TaskUpdate};

use super::ApiTags;
use super::error::{ApiResult, error_set};
use super::schema::{OptionalJson, Timestamp};
use crate::auth::BearerAuth;
use crate::domain::query::{ListQuery, TaskFilter};
use crate::domain::{Error, Precondition, TaskDraft, TaskPatch};
use crate::service::tasks::{self, IdempotencyKey, NewTask, Target};

error_set! {
    ListTasksErrors: 401, 403, 422, 500, 503, 504;
    CreateTaskErrors: 401, 403, 413, 415, 422, 500, 503, 504;
    GetTaskErrors: 401, 403, 404, 422, 500, 503, 504;
    DeleteTaskErrors: 401, 403, 404, 412, 422, 500, 503, 504;
    WriteTaskErrors: 401, 403, 404, 412, 413, 415, 422, 500, 503, 504;
}

fn default_limit() -> u64 {
    50
}

/// The task operations; they own the database handle.
#[derive(Clone)]
pub struct TaskApi {
    db: DatabaseConnection,
}

impl TaskApi {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The task a write at `/api/{owner}/tasks/{task_id}` targets, under
    /// the versions its `If-Match` header names.
    fn target<'a>(
        auth: &BearerAuth,
        owner: Uuid,
        task_id: Uuid,
        expected: &'a Option<Precondition>,
    ) -> Target<'a> {
        Target {
            caller: auth.caller(),
            owner,
            task_id,
            expected: expected.as_ref(),
        }
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl TaskApi {
    /// List tasks
    ///
    /// One page of the caller's tasks. Every filter combines with the others;
    /// `total` counts every task the filters match. Ties in the sort key are
    /// broken by id in the same direction, so paging never repeats or skips a
    /// task. Sorting by `due_date` puts tasks without one last either way;
    /// `priority` ranks low < medium < high < urgent.
    #[oai(path = "/:user_id/tasks", method = "get", operation_id = "listTasks")]
    #[allow(clippy::too_many_arguments)]
    async fn list_tasks(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// Completion filter.
        #[oai(default)]
        status: Query<StatusFilter>,
        /// Case-insensitive substring of the title or the description.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Any of these priorities (repeat the parameter for several).
        priority: Query<Option<Vec<Priority>>>,
        /// Tasks carrying every one of these tags (repeat for several);
        /// trimmed and lower-cased like stored tags; blank values are ignored.
        tag: Query<Option<Vec<String>>>,
        /// Due strictly before this instant (RFC 3339).
        due_before: Query<Option<Timestamp>>,
        /// Due strictly after this instant (RFC 3339).
        due_after: Query<Option<Timestamp>>,
        /// `true`: only tasks not completed and due before now. `false` (or
        /// absent) applies no filter.
        overdue: Query<Option<bool>>,
        /// Sort key.
        #[oai(default)]
        sort: Query<SortField>,
        /// Sort direction.
        #[oai(default)]
        order: Query<SortOrder>,
        /// Page size, 1 to 100.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
        /// How many matching tasks to skip. At most 2^53 - 1, the largest
        /// integer every JSON client holds exactly.
        #[oai(
            default,
            validator(minimum(value = "0"), maximum(value = "9007199254740991"))
        )]
        offset: Query<u64>,
    ) -> ApiResult<Json<TaskPage>, ListTasksErrors> {
        let filter = TaskFilter {
            status: status.0.into(),
            text: q.0.filter(|q| !q.trim().is_empty()),
            priorities: priority
                .0
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            tags: tag_filter(tag.0.unwrap_or_default()),
            due_before: due_before.0.map(|t| t.0),
            due_after: due_after.0.map(|t| t.0),
            overdue_at: overdue.0.unwrap_or(false).then(tasks::now),
        };
        let (sort, order, limit, offset) = (sort.0.into(), order.0.into(), limit.0, offset.0);
        let query = ListQuery {
            filter,
            sort,
            order,
            limit,
            offset,
        };
        let page = tasks::list(&self.db, auth.caller(), user_id.0, &query).await?;
        Ok(Json(TaskPage::new(page, &query)).into())
    }

    /// Delete completed tasks
    ///
    /// Deletes every completed task of the caller and says how many. The
    /// `status=completed` parameter is required, so a bare `DELETE` on the
    /// collection can never wipe it.
    #[oai(
        path = "/:user_id/tasks",
        method = "delete",
        operation_id = "deleteCompletedTasks"
    )]
    async fn delete_completed_tasks(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// Must be `completed`.
        #[oai(name = "status")]
        _status: Query<ClearableStatus>,
    ) -> ApiResult<Json<DeletedCount>, ListTasksErrors> {
        let deleted = tasks::delete_completed(&self.db, auth.caller(), user_id.0).await?;
        Ok(Json(DeletedCount { deleted }).into())
    }

    /// Create a task
    ///
    /// Answers 201 with the task and its URL in `Location`. With an
    /// `Idempotency-Key`, a retry with the same key and the same JSON body
    /// within 24 hours returns the first response instead of creating
    /// another task; the same key with a different body is 422
    /// (`idempotency_key_reused`). Keys are scoped to the user.
    #[oai(path = "/:user_id/tasks", method = "post", operation_id = "createTask")]
    async fn create_task(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// A client-chosen key (1 to 255 printable ASCII characters) that makes
        /// retrying this create safe.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: Json<TaskInput>,
    ) -> ApiResult<CreatedTaskResponse, CreateTaskErrors> {
        // The body as a JSON value, serialised with sorted keys: two requests
        // match when their values do, however their bytes differ.
        let fingerprint = format!("{:x}", Sha256::digest(body.0.to_json_string()));
        let request = TaskDraft::parse(body.0.into()).and_then(|draft| {
            let key = idempotency_key.0.as_deref();
            let key = key
                .map(|k| IdempotencyKey::parse(k, fingerprint))
                .transpose();
            Ok(NewTask {
                draft,
                key: key.map_err(|e| Error::Validation(vec![e]))?,
            })
        });
        let created = tasks::create(&self.db, auth.caller(), user_id.0, request).await?;
        Ok(CreatedTaskResponse::from(created).into())
    }

    /// Get a task
    ///
    /// The task, with its current version in `ETag`.
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "get",
        operation_id = "getTask"
    )]
    async fn get_task(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
    ) -> ApiResult<TaskResponse, GetTaskErrors> {
        let task = tasks::get(&self.db, auth.caller(), user_id.0, task_id.0).await?;
        Ok(TaskResponse::from(task).into())
    }

    /// Replace a task
    ///
    /// Full replacement: every omitted optional field (`completed` included)
    /// returns to its default. With `If-Match`, only if the task is still at
    /// that version (else 412, nothing changed).
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "put",
        operation_id = "replaceTask"
    )]
    async fn replace_task(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TaskInput>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let expected = if_match.0.map(|h| etag::if_match(&h, task_id.0));
        let draft = TaskDraft::parse(body.0.into());
        let target = Self::target(&auth, user_id.0, task_id.0, &expected);
        Ok(TaskResponse::from(tasks::replace(&self.db, target, draft).await?).into())
    }

    /// Update a task
    ///
    /// Partial update: omitted fields stay; `null` clears `due_date` or
    /// `recurrence`. With `If-Match`, only if the task is still at that
    /// version (else 412, nothing changed).
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "patch",
        operation_id = "updateTask"
    )]
    async fn update_task(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TaskUpdate>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let expected = if_match.0.map(|h| etag::if_match(&h, task_id.0));
        let patch = TaskPatch::parse(body.0.into());
        let target = Self::target(&auth, user_id.0, task_id.0, &expected);
        Ok(TaskResponse::from(tasks::update(&self.db, target, patch).await?).into())
    }

    /// Delete a task
    ///
    /// 204 once; a second delete of the same task is 404. With `If-Match`,
    /// only if the task is still at that version (else 412).
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "delete",
        operation_id = "deleteTask"
    )]
    async fn delete_task(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Delete only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<DeletedResponse, DeleteTaskErrors> {
        let expected = if_match.0.map(|h| etag::if_match(&h, task_id.0));
        let target = Self::target(&auth, user_id.0, task_id.0, &expected);
        tasks::delete(&self.db, target).await?;
        Ok(DeletedResponse::Deleted.into())
    }

    /// Set or toggle completion
    ///
    /// With no body (or no `completed`) the task's completion toggles; with
    /// `{"completed": true|false}` it is set, so a retry is harmless.
    /// Completing a recurring task creates its next occurrence once, named by
    /// `next_task_id`. Honours `If-Match` like the other writes.
    #[oai(
        path = "/:user_id/tasks/:task_id/complete",
        method = "patch",
        operation_id = "setTaskCompletion"
    )]
    async fn set_task_completion(
        &self,
        auth: BearerAuth,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: OptionalJson<CompletionRequest>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let expected = if_match.0.map(|h| etag::if_match(&h, task_id.0));
        let completed = body.0.and_then(|b| b.completed);
        let target = Self::target(&auth, user_id.0, task_id.0, &expected);
        let task = tasks::set_completion(&self.db, target, completed).await?;
        Ok(TaskResponse::from(task).into())
    }
}
