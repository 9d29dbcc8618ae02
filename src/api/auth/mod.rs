//! Accounts and sessions: sign up, log in, refresh, log out, change the
//! password, delete the account, and the OAuth2 token endpoint.
mod schema;
mod session;
mod token;

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use self::schema::*;
use super::reply::{ApiResult, ErrorSet, error_set};
use super::{ApiTags, UserBody};
use crate::auth::BearerAuth;
use crate::domain::NewAccount;
use crate::entity::user;
use crate::error::Result;
use crate::service::{sessions, users};
use crate::startup::AppState;

pub use self::session::SessionApi;
pub use self::token::TokenApi;

error_set! {
    SignUpErrors: 409, 413, 415, 422, 429, 500, 503, 504;
    LogInErrors: 401, 413, 415, 422, 429, 500, 503, 504;
    CurrentUserErrors: 401, 500, 503, 504;
}

/// The 403 of operations that confirm the caller's password.
const WRONG_PASSWORD: &str = "The password given is wrong (`wrong_password`); nothing changed.";

pub struct DeleteAccountErrors;
impl ErrorSet for DeleteAccountErrors {
    const STATUSES: &'static [u16] = &[401, 403, 413, 415, 422, 429, 500, 503, 504];
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[(403, WRONG_PASSWORD)];
}

pub struct AuthApi;

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign up
    ///
    /// Creates an account and returns an access token and a refresh token
    /// for it. Rate limited per client address (429).
    #[oai(path = "/signup", method = "post", operation_id = "signUp")]
    async fn sign_up(
        &self,
        req: &Request,
        state: Data<&AppState>,
        body: Json<SignUpRequest>,
    ) -> ApiResult<SignUpResponse, SignUpErrors> {
        admit(req, &state).await?;
        let SignUpRequest {
            email,
            password,
            name,
        } = body.0;
        let account = NewAccount::parse(&email, password, name)?;
        let user = users::sign_up(&state.db, &state.passwords, account).await?;
        let session = open_session(&state, user).await?;
        let location = "/api/auth/me".into();
        Ok(SignUpResponse::Created(Json(session), location, NO_STORE.into()).into())
    }

    /// Log in
    ///
    /// Exchanges email and password for an access token and a refresh token.
    /// An unknown email and a wrong password give the same 401
    /// (`invalid_credentials`). After too many failures for one email, every
    /// login for it is refused with 429 until the window ends.
    #[oai(path = "/login", method = "post", operation_id = "logIn")]
    async fn log_in(
        &self,
        req: &Request,
        state: Data<&AppState>,
        body: Json<LogInRequest>,
    ) -> ApiResult<SessionResponse, LogInErrors> {
        admit(req, &state).await?;
        let (db, limits) = (&state.db, &state.limits);
        let user = users::log_in(db, &state.passwords, limits, &body.email, &body.password).await?;
        Ok(SessionResponse::from(open_session(&state, user).await?).into())
    }

    /// Get the current user
    ///
    /// The account the bearer token was issued to.
    #[oai(path = "/me", method = "get", operation_id = "getCurrentUser")]
    async fn current_user(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<UserBody>, CurrentUserErrors> {
        let user = auth.account(&state.db).await?;
        Ok(Json(UserBody::from(user)).into())
    }

    /// Delete the account
    ///
    /// Deletes the caller's account with all its tasks and sessions, after
    /// confirming the password. Its tokens stop working and the email can
    /// sign up again.
    #[oai(path = "/me", method = "delete", operation_id = "deleteAccount")]
    async fn delete_account(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: Json<DeleteAccountRequest>,
    ) -> ApiResult<NoContent, DeleteAccountErrors> {
        let user_id = auth.caller(&state.db).await?.user_id;
        let (db, limits) = (&state.db, &state.limits);
        users::delete_account(db, &state.passwords, limits, user_id, &body.password).await?;
        Ok(NoContent::Done.into())
    }
}

/// Counts an auth request against the client address's limit.
async fn admit(req: &Request, state: &AppState) -> Result<()> {
    let client = state.proxies.client_of(req);
    state.limits.admit_ip(&state.db, client).await
}

/// A new session (refresh-token family) and access token for `user`.
async fn open_session(state: &AppState, user: user::Model) -> Result<AuthSession> {
    let refresh_token = sessions::start(&state.db, user.id, state.refresh_ttl).await?;
    let token = state.tokens.issue(user.id)?;
    Ok(AuthSession::new(user.into(), token, refresh_token))
}
