//! Liveness and readiness probes for load balancers and orchestrators.
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::DatabaseConnection;

use super::ApiTags;
use super::error::{ApiError, Problem};
use crate::domain::Error;
use crate::service;

/// A probe's answer.
#[derive(Debug, Object)]
pub struct HealthStatus {
    /// `ok` when the probe passed.
    pub status: String,
}

fn ok() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".into(),
    })
}

#[derive(ApiResponse)]
pub enum ReadinessResponse {
    /// The service and its database answer.
    #[oai(status = 200)]
    Ready(Json<HealthStatus>),
    /// The database does not answer (`database_unavailable`).
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] String),
}

/// The probes; readiness asks the database.
#[derive(Clone)]
pub struct HealthApi {
    db: DatabaseConnection,
}

impl HealthApi {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[OpenApi(prefix_path = "/health", tag = "ApiTags::Health")]
impl HealthApi {
    /// Check liveness
    ///
    /// 200 while the process serves requests, whatever the database's state.
    #[oai(path = "/live", method = "get", operation_id = "checkLiveness")]
    async fn live(&self) -> Json<HealthStatus> {
        ok()
    }

    /// Check readiness
    ///
    /// 200 when the database answers a query, else 503.
    #[oai(path = "/ready", method = "get", operation_id = "checkReadiness")]
    async fn ready(&self) -> ReadinessResponse {
        if service::database_answers(&self.db).await {
            ReadinessResponse::Ready(ok())
        } else {
            let problem = Problem::from(&ApiError::from(Error::DatabaseUnavailable));
            ReadinessResponse::Unavailable(Json(problem), "1".into())
        }
    }
}
