//! The owner of `/api/{user_id}/...`, decided before an operation reads any
//! of its input: a caller naming another user's path is answered 401 (its
//! own account is gone) or 403 before a parameter or the body is parsed, so
//! a stranger's malformed or outsized request costs one token check and
//! one indexed lookup, and is told "not yours" rather than what was wrong
//! with it. Requests on the caller's own path, and those without a valid
//! token (the operation answers those), pass untouched.
use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::error::ApiError;
use crate::auth::TokenService;
use crate::service::access;

#[derive(Clone)]
pub struct OwnerGate {
    pub tokens: TokenService,
    pub db: DatabaseConnection,
}

impl OwnerGate {
    pub async fn serve<E: Endpoint>(&self, next: &E, req: Request) -> poem::Result<Response> {
        if let Some(refusal) = self.refusal(&req).await {
            return Ok(refusal.into_response());
        }
        next.call(req).await.map(IntoResponse::into_response)
    }

    async fn refusal(&self, req: &Request) -> Option<ApiError> {
        let owner = path_owner(req.uri().path())?;
        let token = req
            .headers()
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let caller = self.tokens.verify(token.trim()).ok()?;
        if caller == owner {
            return None;
        }
        access::owner(&self.db, caller, owner)
            .await
            .err()
            .map(ApiError::from)
    }
}

/// The user id a path under `/api/{user_id}/` names, if it names one.
fn path_owner(path: &str) -> Option<Uuid> {
    let rest = path.strip_prefix("/api/")?;
    let (segment, _) = rest.split_once('/')?;
    Uuid::try_parse(segment).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_user_path_names_an_owner() {
        let id = Uuid::now_v7();
        assert_eq!(path_owner(&format!("/api/{id}/tasks")), Some(id));
        assert_eq!(path_owner(&format!("/api/{id}/tasks/x/complete")), Some(id));
        assert_eq!(path_owner("/api/auth/me"), None);
        assert_eq!(path_owner("/api/not-a-uuid/tasks"), None);
        assert_eq!(path_owner("/health/live"), None);
    }
}
