//! What the two reads answer with: the task or the page with its `ETag`, or
//! 304 when the client's `If-None-Match` names the current one.
use poem_openapi::ApiResponse;

use super::etag::{etag, none_match, page_etag};
use super::responses::TaskPage;
use super::schema::TaskBody;
use crate::api::schema::{JsonReply, Serde};
use crate::domain::Task;
use crate::domain::query::ListQuery;
use crate::service::tasks::Page;

/// `Cache-Control` of both reads: a client (a browser's cache included) may
/// keep the answer but must revalidate it before every use, and no shared
/// cache keeps it. Revalidating is what `If-None-Match` makes cheap.
const REVALIDATE: &str = "private, no-cache";

#[derive(ApiResponse)]
pub enum TaskReadResponse {
    /// The task.
    #[oai(status = 200)]
    Ok(
        JsonReply<Serde<TaskBody>>,
        /// The task's current version, for `If-Match` and `If-None-Match`.
        #[oai(header = "ETag")]
        String,
        /// `private, no-cache`: a client may keep the task but must
        /// revalidate it (`If-None-Match`) before using it again.
        #[oai(header = "Cache-Control")]
        String,
    ),
    /// `If-None-Match` names the task's current version (or is `*`): the
    /// client's copy is current. No body.
    #[oai(status = 304)]
    NotModified(
        /// The task's current version.
        #[oai(header = "ETag")]
        String,
        /// `private, no-cache`, as on the 200.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

impl TaskReadResponse {
    /// The task, or 304 when `if_none_match` matches its current version.
    pub fn new(task: Task, if_none_match: Option<&str>) -> Self {
        let tag = etag(task.id, task.version);
        if if_none_match.is_some_and(|header| none_match(header, &tag)) {
            return Self::NotModified(tag, REVALIDATE.to_owned());
        }
        Self::Ok(JsonReply(Serde(task.into())), tag, REVALIDATE.to_owned())
    }
}

#[derive(ApiResponse)]
pub enum TaskPageResponse {
    /// One page of tasks.
    #[oai(status = 200)]
    Ok(
        JsonReply<Serde<TaskPage>>,
        /// This page's version: it changes whenever the same request would
        /// answer differently (a task on it changed, one was added or
        /// removed, `total` moved). For `If-None-Match`.
        #[oai(header = "ETag")]
        String,
        /// `private, no-cache`: a client may keep the page but must
        /// revalidate it (`If-None-Match`) before using it again.
        #[oai(header = "Cache-Control")]
        String,
    ),
    /// `If-None-Match` names this page's current version (or is `*`): the
    /// client's copy is current. No body.
    #[oai(status = 304)]
    NotModified(
        /// The page's current version.
        #[oai(header = "ETag")]
        String,
        /// `private, no-cache`, as on the 200.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

impl TaskPageResponse {
    /// The page, or 304 when `if_none_match` matches its current version.
    pub fn new(page: Page, query: &ListQuery, if_none_match: Option<&str>) -> Self {
        let versions = page.items.iter().map(|task| (task.id, task.version));
        let tag = page_etag(versions, page.total, query.limit, query.offset);
        if if_none_match.is_some_and(|header| none_match(header, &tag)) {
            return Self::NotModified(tag, REVALIDATE.to_owned());
        }
        Self::Ok(
            JsonReply(Serde(TaskPage::new(page, query))),
            tag,
            REVALIDATE.to_owned(),
        )
    }
}
