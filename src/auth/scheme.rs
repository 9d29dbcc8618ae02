use poem::Request;
use poem_openapi::{OAuthScopes, SecurityScheme, auth::Bearer};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::user;
use crate::error::{Error, Result};
use crate::service::users;
use crate::startup::AppState;

/// The authenticated user a request acts for: the token checked out and
/// the account still exists.
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

/// The owner of an `/api/{user_id}` path reading its own tasks, from a
/// valid token whose account is not yet confirmed to exist: the read
/// itself does that (`Reader::vouched`), which saves a query on the
/// busiest requests.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub user_id: Uuid,
}

impl Reader {
    /// `read` as the answer, once it is known the account still exists. A
    /// task found proves it (an account's tasks are deleted with it, in the
    /// same transaction, and rows cannot outlive it: the foreign key
    /// cascades); only when `proves` says the read found nothing is the
    /// account looked up, so that a deleted account's token is 401, not an
    /// empty list or a 404.
    pub async fn vouched<T>(
        self,
        db: &impl ConnectionTrait,
        read: Result<T>,
        proves: impl FnOnce(&T) -> bool,
    ) -> Result<T> {
        let proven = match &read {
            Ok(value) => proves(value),
            Err(Error::TaskNotFound) => false,
            Err(_) => return read,
        };
        if !proven {
            confirm(db, self.user_id).await?;
        }
        read
    }
}

/// 401 unless the account still exists: a token outlives nothing.
async fn confirm(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Caller> {
    if users::exists(db, user_id).await? {
        Ok(Caller { user_id })
    } else {
        Err(Error::InvalidToken)
    }
}

/// The caller's access token, sent as `Authorization: Bearer <token>`;
/// the spec offers two ways to obtain it, and either works everywhere.
///
/// poem-openapi tries the members in order and reports the last one's error.
/// Both read the same header, so only the last member (`Jwt`) checks the
/// token; the first answers "not me" for free.
#[derive(SecurityScheme)]
pub enum BearerAuth {
    Password(PasswordFlow),
    Jwt(JwtBearer),
}

impl BearerAuth {
    /// The token's user id: signed by us, unexpired, for this issuer and
    /// audience; whether the account still exists is not known yet.
    fn claimed(&self) -> Uuid {
        match self {
            Self::Jwt(JwtBearer(user_id)) | Self::Password(PasswordFlow(user_id)) => *user_id,
        }
    }

    /// The caller, once its account is confirmed to exist (else 401).
    pub async fn caller(&self, db: &impl ConnectionTrait) -> Result<Caller> {
        confirm(db, self.claimed()).await
    }

    /// The caller's account itself (else 401): one query that both
    /// confirms and reads it.
    pub async fn account(&self, db: &impl ConnectionTrait) -> Result<user::Model> {
        users::find(db, self.claimed()).await
    }

    /// The caller as the owner of `/api/{user_id}`: 401 when the account is
    /// gone, then 403 when the path names another user.
    pub async fn owner(&self, db: &impl ConnectionTrait, user_id: Uuid) -> Result<Caller> {
        let caller = self.caller(db).await?;
        caller.must_be(user_id)?;
        Ok(caller)
    }

    /// The owner of `/api/{user_id}` about to read its tasks; the read
    /// confirms the account (`Reader::vouched`). A caller naming another
    /// user's path is refused with 403, after its own account is confirmed
    /// (a deleted account's token is 401 first).
    pub async fn reader(&self, db: &impl ConnectionTrait, user_id: Uuid) -> Result<Reader> {
        if self.claimed() != user_id {
            self.owner(db, user_id).await?;
        }
        Ok(Reader { user_id })
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
pub struct JwtBearer(Uuid);

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
pub struct PasswordFlow(Uuid);

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
async fn defer_to_jwt(_req: &Request, _bearer: Bearer) -> poem::Result<Uuid> {
    Err(reject(Error::InvalidToken))
}

/// Checks the token alone (signature, algorithm, expiry, issuer, audience,
/// subject). Whether its account still exists is each operation's first
/// step (`BearerAuth::caller`, `owner`), or for reads of one's own tasks
/// the read's (`Reader::vouched`).
async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Uuid> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| reject(Error::Internal("application state is not installed".into())))?;
    let user_id = state.tokens.verify(&bearer.token).map_err(reject)?;
    crate::observe::record_user(user_id);
    Ok(user_id)
}

/// Carries the domain error through poem so the operation's bad-request
/// handler can answer with the matching problem.
fn reject(err: Error) -> poem::Error {
    let status = poem::http::StatusCode::from_u16(err.status())
        .unwrap_or(poem::http::StatusCode::UNAUTHORIZED);
    poem::Error::new(err, status)
}
