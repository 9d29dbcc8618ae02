//! The request-side pieces of the task writes: `If-Match` and idempotent
//! creation.
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::schema::{CreatedTaskResponse, TaskBody, TaskInput};
use crate::domain::TaskDraft;
use crate::error::{Error, Result};
use crate::service::{idempotency, tasks};

/// Creates the task, or with an `Idempotency-Key` replays the first
/// response to the same request.
pub async fn create(
    db: &DatabaseConnection,
    user_id: Uuid,
    key: Option<&str>,
    input: TaskInput,
) -> Result<CreatedTaskResponse> {
    // The body as a JSON value, serialised with sorted keys: two requests
    // match when their values do, however their bytes differ.
    let request_hash = format!("{:x}", Sha256::digest(input.to_json_string()));
    let draft = TaskDraft::from(input).parse()?;
    let Some(key) = key else {
        return Ok(tasks::create(db, user_id, &draft).await?.into());
    };
    if !key.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err(Error::field("Idempotency-Key", "must be printable ASCII"));
    }
    let request = idempotency::KeyedRequest { key, request_hash };
    let render = |task: &crate::entity::task::Model| TaskBody::from(task.clone()).to_json_string();
    match idempotency::create(db, user_id, request, &draft, render).await? {
        idempotency::Outcome::Created(task) => Ok(task.into()),
        idempotency::Outcome::Replayed { task_id, response } => {
            let value = serde_json::from_str(&response).ok();
            let body = TaskBody::parse_from_json(value).map_err(|e| {
                Error::Internal(format!("stored response is unreadable: {}", e.message()))
            })?;
            Ok(CreatedTaskResponse::replayed(user_id, task_id, Json(body)))
        }
    }
}
