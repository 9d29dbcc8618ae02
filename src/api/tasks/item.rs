//! One task, `/api/{user_id}/tasks/{task_id}`: read it, replace or update
//! it, complete it, delete it.
use crate::service::Db;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path};
use uuid::Uuid;

use super::conditional::TaskReadResponse;
use super::etag::expected_versions;
use super::responses::{DeletedResponse, TaskResponse};
use super::schema::{CompletionRequest, TaskInput, TaskUpdate};
use crate::api::ApiTags;
use crate::api::error::ErrorCode::*;
use crate::api::error::{ApiResult, BEARER, error_set};
use crate::api::operation::queued;
use crate::api::owner;
use crate::api::schema::{JsonBody, OptionalJson};
use crate::domain::Precondition;
use crate::service::tasks::{self, Target};

error_set! {
    GetTaskErrors("GetTaskProblem"): BEARER, &[Forbidden, TaskNotFound, ValidationFailed];
    DeleteTaskErrors("DeleteTaskProblem"): BEARER, &[
        Forbidden,
        TaskNotFound,
        PreconditionFailed,
        ValidationFailed,
    ];
    /// The writes with a JSON body: replace, update, complete.
    WriteTaskErrors("WriteTaskProblem"): BEARER, &[
        Forbidden,
        TaskNotFound,
        PreconditionFailed,
        UnsupportedMediaType,
        ValidationFailed,
    ];
}

/// The operations on one task; they own the database handle.
#[derive(Clone)]
pub struct TaskApi {
    db: Db,
}

impl TaskApi {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The task a write targets, under the versions its `If-Match` names.
fn target(owner: Uuid, task_id: Uuid, expected: &Option<Precondition>) -> Target<'_> {
    Target {
        caller: owner,
        owner,
        task_id,
        expected: expected.as_ref(),
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl TaskApi {
    /// Get a task
    ///
    /// The task, with its current version in `ETag`. With `If-None-Match`
    /// naming that version (weak comparison: `W/"..."` matches too; or `*`),
    /// 304 with no body instead. Access is decided first: 401, 403 and 404
    /// are the same with the header as without it.
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "get",
        operation_id = "getTask",
        transform = "queued"
    )]
    async fn get_task(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Answer 304 without a body if the task's current `ETag` is one of
        /// these (or `*`).
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ApiResult<TaskReadResponse, GetTaskErrors> {
        let owner = user_id.take()?;
        let task = tasks::get(&self.db, owner, owner, task_id.0).await?;
        Ok(TaskReadResponse::new(task, if_none_match.0.as_deref()).into())
    }

    /// Replace a task
    ///
    /// Full replacement: every omitted optional field (`completed` included)
    /// returns to its default. With `If-Match`, only if the task is still at
    /// that version (else 412, nothing changed).
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "put",
        operation_id = "replaceTask",
        transform = "queued"
    )]
    async fn replace_task(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        // Read first: its failures are reported with a bad parameter's.
        body: JsonBody<TaskInput>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let owner = user_id.take()?;
        let expected = if_match.0.map(|h| expected_versions(&h, task_id.0));
        let draft = body.accept();
        let target = target(owner, task_id.0, &expected);
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
        operation_id = "updateTask",
        transform = "queued"
    )]
    async fn update_task(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        // Read first: its failures are reported with a bad parameter's.
        body: JsonBody<TaskUpdate>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let owner = user_id.take()?;
        let expected = if_match.0.map(|h| expected_versions(&h, task_id.0));
        let patch = body.accept();
        let target = target(owner, task_id.0, &expected);
        Ok(TaskResponse::from(tasks::update(&self.db, target, patch).await?).into())
    }

    /// Delete a task
    ///
    /// 204 once; a second delete of the same task is 404. With `If-Match`,
    /// only if the task is still at that version (else 412).
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "delete",
        operation_id = "deleteTask",
        transform = "queued"
    )]
    async fn delete_task(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Delete only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<DeletedResponse, DeleteTaskErrors> {
        let owner = user_id.take()?;
        let expected = if_match.0.map(|h| expected_versions(&h, task_id.0));
        let target = target(owner, task_id.0, &expected);
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
        operation_id = "setTaskCompletion",
        transform = "queued"
    )]
    async fn set_task_completion(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        // Read first: its failures are reported with a bad parameter's.
        body: OptionalJson<CompletionRequest>,
        /// The task's id.
        task_id: Path<Uuid>,
        /// Apply only if the task's current `ETag` is one of these (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<TaskResponse, WriteTaskErrors> {
        let owner = user_id.take()?;
        let expected = if_match.0.map(|h| expected_versions(&h, task_id.0));
        let completed = body.accept()?.and_then(|b| b.completed);
        let target = target(owner, task_id.0, &expected);
        let task = tasks::set_completion(&self.db, target, completed).await?;
        Ok(TaskResponse::from(task).into())
    }
}
