//! Each user's own tasks, under `/api/{user_id}/tasks`.
mod schema;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

pub use schema::{CompletionRequest, TaskBody, TaskInput, TaskPage, TaskUpdate};
use schema::{CreatedTaskResponse, DeletedResponse, TaskResponse};

use super::ApiTags;
use super::optional_json::OptionalJson;
use super::reply::{ApiResult, error_set};
use crate::auth::BearerAuth;
use crate::domain::query::{ListQuery, SortField, SortOrder, StatusFilter};
use crate::domain::{TaskDraft, TaskPatch};
use crate::service::tasks;
use crate::startup::AppState;

error_set! {
    ListTasksErrors: 401, 403, 422, 500, 503;
    CreateTaskErrors: 401, 403, 413, 415, 422, 500, 503;
    TaskErrors: 401, 403, 404, 422, 500, 503;
    WriteTaskErrors: 401, 403, 404, 413, 415, 422, 500, 503;
}

fn default_limit() -> u64 {
    50
}

pub struct TaskApi;

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl TaskApi {
    /// List tasks
    ///
    /// One page of the caller's tasks, filtered and sorted. Ties in the sort
    /// key are broken by id, so paging never repeats or skips a task.
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
        /// How many matching tasks to skip.
        #[oai(default)]
        offset: Query<u64>,
    ) -> ApiResult<Json<TaskPage>, ListTasksErrors> {
        auth.0.must_be(user_id.0)?;
        let query = ListQuery {
            status: status.0,
            sort: sort.0,
            order: order.0,
            limit: limit.0,
            offset: offset.0,
        };
        let page = tasks::list(&state.db, user_id.0, query).await?;
        let items = page.items.into_iter().map(TaskBody::from).collect();
        Ok(Json(TaskPage {
            items,
            total: page.total,
            limit: query.limit,
            offset: query.offset,
        })
        .into())
    }

    /// Create a task
    ///
    /// Answers 201 with the task and its URL in `Location`.
    #[oai(path = "/:user_id/tasks", method = "post", operation_id = "createTask")]
    async fn create_task(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        /// The caller's user id.
        user_id: Path<Uuid>,
        body: Json<TaskInput>,
    ) -> ApiResult<CreatedTaskResponse, CreateTaskErrors> {
        auth.0.must_be(user_id.0)?;
        let draft = TaskDraft::from(body.0).parse()?;
        Ok(CreatedTaskResponse::from(tasks::create(&state.db, user_id.0, draft).await?).into())
    }

    /// Get a task
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
    ) -> ApiResult<TaskResponse, TaskErrors> {
        auth.0.must_be(user_id.0)?;
        Ok(TaskResponse::from(tasks::get(&state.db, user_id.0, task_id.0).await?).into())
    }

    /// Replace a task
    ///
    /// Full replacement: every omitted optional field (`completed` included)
    /// returns to its default.
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
        body: Json<TaskInput>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.0.must_be(user_id.0)?;
        let draft = TaskDraft::from(body.0).parse()?;
        Ok(
            TaskResponse::from(tasks::replace(&state.db, user_id.0, task_id.0, draft).await?)
                .into(),
        )
    }

    /// Update a task
    ///
    /// Partial update: omitted fields stay; `null` clears `due_date` or
    /// `recurrence`.
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
        body: Json<TaskUpdate>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.0.must_be(user_id.0)?;
        let patch = TaskPatch::from(body.0).parse()?;
        Ok(TaskResponse::from(tasks::update(&state.db, user_id.0, task_id.0, patch).await?).into())
    }

    /// Delete a task
    ///
    /// 204 once; a second delete of the same task is 404.
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
    ) -> ApiResult<DeletedResponse, TaskErrors> {
        auth.0.must_be(user_id.0)?;
        tasks::delete(&state.db, user_id.0, task_id.0).await?;
        Ok(DeletedResponse::Deleted.into())
    }

    /// Set or toggle completion
    ///
    /// With no body (or no `completed`) the task's completion toggles; with
    /// `{"completed": true|false}` it is set, so a retry is harmless.
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
        body: OptionalJson<CompletionRequest>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        auth.0.must_be(user_id.0)?;
        let completed = body.0.and_then(|b| b.completed);
        Ok(TaskResponse::from(
            tasks::set_completion(&state.db, user_id.0, task_id.0, completed).await?,
        )
        .into())
    }
}
