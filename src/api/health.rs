//! Liveness and readiness probes for load balancers and orchestrators.
use crate::service::Db;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiError, ApiResult, ErrorCode, ErrorSet, PROBE_COMMON};
use super::schema::JsonReply;
use crate::domain::Error;
use crate::service;
use crate::service::sync::ChangeHub;

/// A probe's answer.
#[derive(Debug, Object)]
#[oai(example)]
pub struct HealthStatus {
    /// `ok` when the probe passed.
    pub status: String,
}

impl Example for HealthStatus {
    fn example() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ProbeResponse {
    /// The probe passed: `status` is `ok`.
    #[oai(status = 200)]
    Ok(JsonReply<HealthStatus>),
}

fn ok() -> ProbeResponse {
    ProbeResponse::Ok(JsonReply(HealthStatus {
        status: "ok".into(),
    }))
}

/// The probes pass the origin and body checks, and no capacity limit.
pub struct LivenessErrors;
impl ErrorSet for LivenessErrors {
    const SCHEMA: &'static str = "CheckLivenessProblem";
    const CODES: &'static [&'static [ErrorCode]] = &[];
    const COMMON: &'static [ErrorCode] = PROBE_COMMON;
}

pub struct ReadinessErrors;
impl ErrorSet for ReadinessErrors {
    const SCHEMA: &'static str = "CheckReadinessProblem";
    const CODES: &'static [&'static [ErrorCode]] =
        &[&[ErrorCode::DatabaseUnavailable, ErrorCode::ServerBusy]];
    const COMMON: &'static [ErrorCode] = PROBE_COMMON;
}

/// The probes; readiness asks the database and the stream hub.
#[derive(Clone)]
pub struct HealthApi {
    db: Db,
    hub: ChangeHub,
}

impl HealthApi {
    pub fn new(db: Db, hub: ChangeHub) -> Self {
        Self { db, hub }
    }
}

#[OpenApi(prefix_path = "/health", tag = "ApiTags::Health")]
impl HealthApi {
    /// Check liveness
    ///
    /// 200 while the process serves requests, whatever the database's state.
    #[oai(path = "/live", method = "get", operation_id = "checkLiveness")]
    async fn live(&self) -> ApiResult<ProbeResponse, LivenessErrors> {
        Ok(ok().into())
    }

    /// Check readiness
    ///
    /// 200 when the database answers a query and the instance can take
    /// another event stream; else 503 (`database_unavailable`, or
    /// `server_busy` while it holds `MAX_STREAMS` streams), so that a load
    /// balancer sends new clients elsewhere.
    #[oai(path = "/ready", method = "get", operation_id = "checkReadiness")]
    async fn ready(&self) -> ApiResult<ProbeResponse, ReadinessErrors> {
        if self.hub.full() {
            return Err(ApiError::from(Error::ServerBusy).into());
        }
        if service::database_answers(&self.db).await {
            Ok(ok().into())
        } else {
            Err(ApiError::from(Error::DatabaseUnavailable).into())
        }
    }
}
