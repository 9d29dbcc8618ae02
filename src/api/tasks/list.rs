//! The task list of a user, `/api/{user_id}/tasks`: list it, add to it,
//! clear its completed tasks.
use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::Header;
use poem_openapi::types::ToJSON;
use sha2::{Digest, Sha256};

use super::conditional::TaskPageResponse;
use super::enums::{Priority, SortField, SortOrder, StatusFilter};
use super::responses::{
    ClearableStatus, CreatedTaskResponse, DeletedCount, search_text, tag_filter,
};
use super::schema::TaskInput;
use super::tag_param::TagParam;
use crate::api::ApiTags;
use crate::api::error::ErrorCode::*;
use crate::api::error::{ApiResult, BEARER, error_set};
use crate::api::operation::queued;
use crate::api::owner;
use crate::api::schema::rule::{MAX_SAFE_INTEGER, Range, Repeated, Text};
use crate::api::schema::{JsonBody, JsonReply, Timestamp, lenient};
use crate::config::QuotaSettings;
use crate::domain::Error;
use crate::domain::query::{ListQuery, TaskFilter};
use crate::service::Db;
use crate::service::tasks::{self, IdempotencyKey, NewTask};

error_set! {
    ListTasksErrors("ListTasksProblem"): BEARER, &[Forbidden, ValidationFailed];
    DeleteCompletedTasksErrors("DeleteCompletedTasksProblem"): BEARER, &[Forbidden, ValidationFailed];
    CreateTaskErrors("CreateTaskProblem"): BEARER, &[
        Forbidden,
        UnsupportedMediaType,
        ValidationFailed,
        IdempotencyKeyReused,
        TooManyTasks,
    ];
}

fn default_limit() -> u64 {
    50
}

/// The operations on a user's task list; they own the database handle.
#[derive(Clone)]
pub struct TaskListApi {
    db: Db,
    quotas: QuotaSettings,
}

impl TaskListApi {
    pub fn new(db: Db, quotas: QuotaSettings) -> Self {
        Self { db, quotas }
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl TaskListApi {
    /// List tasks
    ///
    /// One page of the caller's tasks. Every filter combines with the others;
    /// `total` counts every task the filters match. Ties in the sort key are
    /// broken by id in the same direction, so paging never repeats or skips a
    /// task. Sorting by `due_date` puts tasks without one last either way;
    /// `priority` ranks low < medium < high < urgent. The page's `ETag`
    /// changes whenever the same request would answer differently; with
    /// `If-None-Match` naming it (or `*`), the answer is 304 with no body.
    #[oai(
        path = "/:user_id/tasks",
        method = "get",
        operation_id = "listTasks",
        transform = "queued"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list_tasks(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        /// Completion filter.
        #[oai(default)]
        status: lenient::Query<StatusFilter>,
        /// Case-insensitive substring of the title or the description: both
        /// are compared lower-cased (Unicode) and NFC-normalised.
        q: lenient::Query<Option<String>, Text<200>>,
        /// Any of these priorities (repeat the parameter for several, at
        /// most 4 times).
        priority: lenient::Query<Option<Vec<Priority>>, Repeated<4>>,
        /// Tasks carrying every one of these tags (repeat for several, at
        /// most 20 times: the most a task can carry); trimmed and lower-cased
        /// like stored tags; blank and repeated values are ignored.
        tag: lenient::Query<Option<Vec<TagParam>>, Repeated<20>>,
        /// Due strictly before this instant (RFC 3339).
        due_before: lenient::Query<Option<Timestamp>>,
        /// Due strictly after this instant (RFC 3339).
        due_after: lenient::Query<Option<Timestamp>>,
        /// `true`: only tasks not completed and due before now. `false` (or
        /// absent) applies no filter.
        overdue: lenient::Query<Option<bool>>,
        /// Sort key.
        #[oai(default)]
        sort: lenient::Query<SortField>,
        /// Sort direction.
        #[oai(default)]
        order: lenient::Query<SortOrder>,
        /// Page size, 1 to 100.
        #[oai(default = "default_limit")]
        limit: lenient::Query<u64, Range<1, 100>>,
        /// How many matching tasks to skip. At most 2^53 - 1, the largest
        /// integer every JSON client holds exactly.
        #[oai(default)]
        offset: lenient::Query<u64, Range<0, MAX_SAFE_INTEGER>>,
        /// Answer 304 without a body if this page's current `ETag` is one of
        /// these (or `*`).
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ApiResult<TaskPageResponse, ListTasksErrors> {
        // The first bad parameter answers for all of them.
        let owner = user_id.take()?;
        let filter = TaskFilter {
            status: status.take()?.into(),
            text: search_text(q.take()?).map_err(Error::from)?,
            priorities: priority
                .take()?
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            tags: tag_filter(tag.take()?.unwrap_or_default().into_iter().map(|t| t.0))
                .map_err(Error::from)?,
            due_before: due_before.take()?.map(|t| t.0),
            due_after: due_after.take()?.map(|t| t.0),
            overdue_at: overdue.take()?.unwrap_or(false).then(tasks::now),
        };
        let query = ListQuery {
            filter,
            sort: sort.take()?.into(),
            order: order.take()?.into(),
            limit: limit.take()?,
            offset: offset.take()?,
        };
        let page = tasks::list(&self.db, owner, owner, &query).await?;
        let if_none_match = if_none_match.0.as_deref();
        Ok(TaskPageResponse::new(page, &query, if_none_match).into())
    }

    /// Delete completed tasks
    ///
    /// Deletes every completed task of the caller and says how many. The
    /// `status=completed` parameter is required, so a bare `DELETE` on the
    /// collection can never wipe it.
    #[oai(
        path = "/:user_id/tasks",
        method = "delete",
        operation_id = "deleteCompletedTasks",
        transform = "queued"
    )]
    async fn delete_completed_tasks(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        /// Must be `completed`.
        status: lenient::Query<ClearableStatus>,
    ) -> ApiResult<JsonReply<DeletedCount>, DeleteCompletedTasksErrors> {
        let owner = user_id.take()?;
        status.take()?;
        let deleted = tasks::delete_completed(&self.db, owner, owner).await?;
        Ok(JsonReply(DeletedCount { deleted }).into())
    }

    /// Create a task
    ///
    /// Answers 201 with the task and its URL in `Location`. With an
    /// `Idempotency-Key`, a retry with the same key and the same JSON body
    /// within 24 hours returns the first response instead of creating
    /// another task; the same key with a different body is 422
    /// (`idempotency_key_reused`). Keys are scoped to the user; the server
    /// keeps the newest `MAX_IDEMPOTENCY_KEYS_PER_USER` (1000 by default)
    /// of a user's keys. An account holds at most `MAX_TASKS_PER_USER` tasks
    /// (10,000 by default): past it, 409 `too_many_tasks`.
    #[oai(
        path = "/:user_id/tasks",
        method = "post",
        operation_id = "createTask",
        transform = "queued"
    )]
    async fn create_task(
        &self,
        /// The caller's user id.
        user_id: owner::Path,
        // Read first: its failures are reported with a bad parameter's.
        body: JsonBody<TaskInput>,
        /// A client-chosen key (1 to 255 printable ASCII characters) that makes
        /// retrying this create safe.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[ -~]*$")
        )]
        idempotency_key: Header<Option<String>>,
        req: &Request,
    ) -> ApiResult<CreatedTaskResponse, CreateTaskErrors> {
        let owner = user_id.take()?;
        // poem-openapi reads a header holding bytes beyond ASCII as absent: such
        // a key is refused, never ignored (a retry would create another task).
        let key = idempotency_key.0.or_else(|| {
            let raw = req.headers().get("idempotency-key")?;
            Some(String::from_utf8_lossy(raw.as_bytes()).into_owned())
        });
        let request = match body.accept_as_sent() {
            Ok((input, edit)) => {
                // The body as a JSON value, serialised with sorted keys: two
                // requests match when their values do, however their bytes differ.
                let fingerprint = format!("{:x}", Sha256::digest(input.to_json_string()));
                let key = key.map(|k| IdempotencyKey::parse(&k, fingerprint));
                let key = key.transpose().map_err(|e| Error::Validation(vec![e]));
                key.map(|key| NewTask { edit, key })
            }
            // A bad key is reported with the body's failures.
            Err(Error::Validation(mut failures)) => {
                let key = key.map(|k| IdempotencyKey::parse(&k, String::new()));
                failures.extend(key.and_then(Result::err));
                Err(Error::Validation(failures))
            }
            Err(other) => Err(other),
        };
        let created = tasks::create(&self.db, owner, owner, request, &self.quotas).await?;
        Ok(CreatedTaskResponse::from(created).into())
    }
}
