//! Accounts and tokens: sign up, log in, who am I.
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::reply::{ApiResult, error_set};
use super::{ApiTags, UserBody, strict};
use crate::auth::{BearerAuth, IssuedToken};
use crate::domain::NewAccount;
use crate::service::users;
use crate::startup::AppState;

error_set! {
    SignUpErrors: 409, 413, 415, 422, 500, 503;
    LogInErrors: 401, 413, 415, 422, 500, 503;
    CurrentUserErrors: 401, 500, 503;
}

/// A new account.
#[derive(Debug, Object)]
#[oai(example)]
pub struct SignUpRequest {
    /// Email address; trimmed and lower-cased, at most 254 characters.
    #[oai(deserialize_with = "strict::email", validator(max_length = 254))]
    pub email: String,
    /// 8 to 72 bytes of UTF-8 (bcrypt's limit; never truncated).
    #[oai(
        deserialize_with = "strict::password",
        validator(min_length = 8, max_length = 72)
    )]
    pub password: String,
    /// Optional display name, at most 100 characters.
    #[oai(deserialize_with = "strict::name", validator(max_length = 100))]
    pub name: Option<String>,
}

impl Example for SignUpRequest {
    fn example() -> Self {
        Self {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
            name: Some("Ada".into()),
        }
    }
}

/// Credentials for logging in. No sign-up rules apply: a password that
/// could never have been set simply fails with 401.
#[derive(Debug, Object)]
#[oai(example)]
pub struct LogInRequest {
    /// The account's email address.
    #[oai(
        deserialize_with = "strict::email",
        validator(min_length = 1, max_length = 1024)
    )]
    pub email: String,
    /// The account's password.
    #[oai(
        deserialize_with = "strict::password",
        validator(min_length = 1, max_length = 1024)
    )]
    pub password: String,
}

impl Example for LogInRequest {
    fn example() -> Self {
        Self {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        }
    }
}

/// The kind of access token issued.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum TokenType {
    Bearer,
}

/// A signed-in session: the user and an access token for them.
#[derive(Debug, Object)]
pub struct AuthSession {
    /// The signed-in user.
    pub user: UserBody,
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl AuthSession {
    fn new(user: UserBody, token: IssuedToken) -> Self {
        Self {
            user,
            access_token: token.access_token,
            token_type: TokenType::Bearer,
            expires_in: token.expires_in,
        }
    }
}

#[derive(ApiResponse)]
pub enum SignUpResponse {
    /// The account was created and is signed in.
    #[oai(status = 201)]
    Created(
        Json<AuthSession>,
        /// Where the new user can be read: `/api/auth/me`.
        #[oai(header = "Location")]
        String,
    ),
}

pub struct AuthApi;

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign up
    ///
    /// Creates an account and returns an access token for it.
    #[oai(path = "/signup", method = "post", operation_id = "signUp")]
    async fn sign_up(
        &self,
        state: Data<&AppState>,
        body: Json<SignUpRequest>,
    ) -> ApiResult<SignUpResponse, SignUpErrors> {
        let SignUpRequest {
            email,
            password,
            name,
        } = body.0;
        let account = NewAccount::parse(&email, password, name)?;
        let user = users::sign_up(&state.db, &state.passwords, account).await?;
        let token = state.tokens.issue(user.id)?;
        Ok(SignUpResponse::Created(
            Json(AuthSession::new(user.into(), token)),
            "/api/auth/me".into(),
        )
        .into())
    }

    /// Log in
    ///
    /// Exchanges email and password for an access token. An unknown email and
    /// a wrong password give the same 401 (`invalid_credentials`).
    #[oai(path = "/login", method = "post", operation_id = "logIn")]
    async fn log_in(
        &self,
        state: Data<&AppState>,
        body: Json<LogInRequest>,
    ) -> ApiResult<Json<AuthSession>, LogInErrors> {
        let user = users::log_in(&state.db, &state.passwords, &body.email, &body.password).await?;
        let token = state.tokens.issue(user.id)?;
        Ok(Json(AuthSession::new(user.into(), token)).into())
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
        let user = users::find(&state.db, auth.0.user_id).await?;
        Ok(Json(UserBody::from(user)).into())
    }
}
