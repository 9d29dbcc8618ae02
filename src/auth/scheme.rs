use poem::Request;
use poem_openapi::{OAuthScopes, SecurityScheme, auth::Bearer};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::service::users;
use crate::startup::AppState;

/// The authenticated user a request acts for.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
}

impl Caller {
    /// Paths under `/api/{user_id}` belong to that user alone.
    pub fn must_be(&self, user_id: Uuid) -> Result<()> {
        if self.user_id == user_id {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// The caller's access token, sent as `Authorization: Bearer <token>`;
/// the spec offers two ways to obtain it, and either works everywhere.
///
/// poem-openapi tries the members in order and reports the last one's error.
/// Both read the same header, so only the last member (`Jwt`) does the real
/// check (a signature check and one user lookup); the first answers "not
/// me" for free. Otherwise a failing request would pay the lookup twice,
/// and during a database outage wait out the pool's timeout twice.
#[derive(SecurityScheme)]
pub enum BearerAuth {
    Password(PasswordFlow),
    Jwt(JwtBearer),
}

impl BearerAuth {
    pub fn caller(&self) -> Caller {
        match self {
            Self::Jwt(JwtBearer(caller)) | Self::Password(PasswordFlow(caller)) => *caller,
        }
    }
}

/// A JWT access token from sign-up, log-in or refresh, sent as
/// `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "authenticate"
)]
pub struct JwtBearer(Caller);

/// Email (as `username`) and password exchanged at `/api/auth/token` for
/// the same bearer token: the OAuth2 password flow, which is what Swagger
/// UI's Authorize dialog offers.
#[derive(SecurityScheme)]
#[oai(
    rename = "oauth2Password",
    ty = "oauth2",
    flows(password(token_url = "/api/auth/token", scopes = "Scope")),
    checker = "defer_to_jwt"
)]
pub struct PasswordFlow(Caller);

/// OAuth2 scopes. There is one: a token grants full access to its account.
/// (OpenAPI requires a flow to list its scopes; no operation asks for one.)
#[derive(OAuthScopes)]
#[allow(dead_code)]
pub enum Scope {
    /// Full access to your own account and tasks.
    #[oai(rename = "tasks")]
    Tasks,
}

/// The password flow's token is the same JWT: `JwtBearer`, tried next,
/// authenticates it.
async fn defer_to_jwt(_req: &Request, _bearer: Bearer) -> poem::Result<Caller> {
    Err(reject(Error::InvalidToken))
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| reject(Error::Internal("application state is not installed".into())))?;
    let user_id = state.tokens.verify(&bearer.token).map_err(reject)?;
    // A token outlives nothing: once its user is gone it is refused.
    if !users::exists(&state.db, user_id).await.map_err(reject)? {
        return Err(reject(Error::InvalidToken));
    }
    crate::observe::record_user(user_id);
    Ok(Caller { user_id })
}

/// Carries the domain error through poem so the operation's bad-request
/// handler can answer with the matching problem.
fn reject(err: Error) -> poem::Error {
    let status = poem::http::StatusCode::from_u16(err.status())
        .unwrap_or(poem::http::StatusCode::UNAUTHORIZED);
    poem::Error::new(err, status)
}
