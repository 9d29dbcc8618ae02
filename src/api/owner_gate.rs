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
use crate::auth::{TokenService, VerifiedCaller};
use crate::service::access;

#[derive(Clone)]
pub struct OwnerGate {
    pub tokens: TokenService,
    pub db: DatabaseConnection,
}

impl OwnerGate {
    pub async fn serve<E: Endpoint>(&self, next: &E, mut req: Request) -> poem::Result<Response> {
        if let Some((owner, caller)) = self.claim(&req) {
            if caller != owner
                && let Err(refused) = access::owner(&self.db, caller, owner).await
            {
                return Ok(ApiError::from(refused).into_response());
            }
            // The bearer scheme takes the caller from here instead of
            // checking the same token twice.
            req.extensions_mut().insert(VerifiedCaller(caller));
        }
        next.call(req).await.map(IntoResponse::into_response)
    }

    /// The path's owner and the caller its valid bearer token names.
    fn claim(&self, req: &Request) -> Option<(Uuid, Uuid)> {
        let owner = path_owner(req.uri().path())?;
        let token = req
            .headers()
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let caller = self.tokens.verify(token.trim()).ok()?;
        Some((owner, caller))
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
