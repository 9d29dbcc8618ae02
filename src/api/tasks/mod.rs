//! Each user's own tasks, under `/api/{user_id}/tasks`.
mod schema;
mod writes;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use schema::{ClearableStatus, CreatedTaskResponse, DeletedResponse, TaskResponse};
pub use schema::{CompletionRequest, DeletedCount, TaskBody, TaskInput, TaskPage, TaskUpdate};

use super::ApiTags;
use super::Timestamp;
use super::optional_json::OptionalJson;
use super::reply::{ApiResult, error_set};
use crate::auth::BearerAuth;
use crate::domain::precondition::IfMatch;
use crate::domain::query::{ListQuery, SortField, SortOrder, StatusFilter, TaskFilter};
use crate::domain::{Priority, TaskDraft, TaskPatch};
use crate::service::tasks;
use crate::startup::AppState;

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

pub struct TaskApi;

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
        state: Data<&AppState>,
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
        let reader = auth.reader(&state.db, user_id.0).await?;
        let filter = TaskFilter {
            status: status.0,
            text: q.0.filter(|q| !q.trim().is_empty()),
            priorities: priority.0.unwrap_or_default(),
            tags: schema::tag_filter(tag.0.unwrap_or_default()),
            due_before: due_before.0.map(|t| t.0),
            due_after: due_after.0.map(|t| t.0),
            overdue_at: overdue.0.unwrap_or(false).then(tasks::now),
        };
        let query = ListQuery {
            filter,
            sort: sort.0,
            order: order.0,
            limit: limit.0,
            offset: offset.0,
        };
        let page = tasks::list(&state.db, user_id.0, &query).await;
        let page = reader.vouched(&state.db, page, |p| p.total > 0).await?;
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// Must be `completed`.
        #[oai(name = "status")]
        _status: Query<ClearableStatus>,
    ) -> ApiResult<Json<DeletedCount>, ListTasksErrors> {
        auth.owner(&state.db, user_id.0).await?;
        let deleted = tasks::delete_completed(&state.db, user_id.0).await?;
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// A client-chosen key (1 to 255 printable ASCII characters) that makes
        /// retrying this create safe.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: Json<TaskInput>,
    ) -> ApiResult<CreatedTaskResponse, CreateTaskErrors> {
        auth.owner(&state.db, user_id.0).await?;
        Ok(
            writes::create(&state.db, user_id.0, idempotency_key.0.as_deref(), body.0)
                .await?
                .into(),
        )
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
    ) -> ApiResult<TaskResponse, GetTaskErrors> {
        let reader = auth.reader(&state.db, user_id.0).await?;
        let task = tasks::get(&state.db, user_id.0, task_id.0).await;
        let task = reader.vouched(&state.db, task, |_| true).await?;
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TaskInput>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.owner(&state.db, user_id.0).await?;
        let condition = if_match.0.as_deref().map(IfMatch::parse);
        let draft = TaskDraft::from(body.0).parse()?;
        let task =
            tasks::replace(&state.db, user_id.0, task_id.0, draft, condition.as_ref()).await?;
        Ok(TaskResponse::from(task).into())
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TaskUpdate>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.owner(&state.db, user_id.0).await?;
        let condition = if_match.0.as_deref().map(IfMatch::parse);
        let patch = TaskPatch::from(body.0).parse()?;
        let task =
            tasks::update(&state.db, user_id.0, task_id.0, patch, condition.as_ref()).await?;
        Ok(TaskResponse::from(task).into())
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Delete only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<DeletedResponse, DeleteTaskErrors> {
        auth.owner(&state.db, user_id.0).await?;
        let condition = if_match.0.as_deref().map(IfMatch::parse);
        tasks::delete(&state.db, user_id.0, task_id.0, condition.as_ref()).await?;
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
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: OptionalJson<CompletionRequest>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.owner(&state.db, user_id.0).await?;
        let condition = if_match.0.as_deref().map(IfMatch::parse);
        let completed = body.0.and_then(|b| b.completed);
        let task = tasks::set_completion(
            &state.db,
            user_id.0,
            task_id.0,
            completed,
            condition.as_ref(),
        )
        .await?;
        Ok(TaskResponse::from(task).into())
    }
}
