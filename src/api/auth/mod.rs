//! Accounts and sessions: sign up, log in, refresh, log out, change the
//! password, delete the account, and the OAuth2 token endpoint.
mod admit;
mod errors;
mod examples;
mod input;
mod schema;
mod token;

use crate::service::Db;
use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::payload::Form;

use self::errors::*;
use self::schema::*;
use self::token::{AccessToken, TokenErrors, TokenRequest, TokenResponse};
use super::error::{ApiError, ApiResult};
use super::schema::{JsonBody, JsonReply};
use super::{ApiTags, UserBody};
use crate::api::operation::{account, checks_password};
use crate::auth::{BearerAuth, PasswordHasher, TokenService};
use crate::domain::{Error, Password, Result, Source};
use crate::http::TrustedProxies;
use crate::service::limits::AuthLimits;
use crate::service::{accounts, sessions, users};

/// The account and session operations, and what they need.
#[derive(Clone)]
pub struct AuthApi {
    pub db: Db,
    pub passwords: PasswordHasher,
    pub tokens: TokenService,
    pub limits: AuthLimits,
    /// Whose `X-Forwarded-For` names the client the limits count.
    pub proxies: TrustedProxies,
    /// How long a refresh token stays valid.
    pub refresh_ttl: chrono::Duration,
}

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign up
    ///
    /// Creates an account and returns an access token and a refresh token
    /// for it. Rate limited per client address (429).
    #[oai(
        path = "/signup",
        method = "post",
        operation_id = "signUp",
        transform = "checks_password"
    )]
    async fn sign_up(
        &self,
        req: &Request,
        body: JsonBody<SignUpRequest>,
    ) -> ApiResult<SignUpResponse, SignUpErrors> {
        let account = body.accept()?;
        let password = Some(account.password.expose());
        self.password_check(req).admit(&self.db, password).await?;
        let account = users::sign_up(&self.db, &self.passwords, account).await?;
        let session = self.open_session(account).await?;
        let location = "/api/auth/me".into();
        Ok(SignUpResponse::Created(JsonReply(session), location, NO_STORE.into()).into())
    }

    /// Log in
    ///
    /// Exchanges email and password for an access token and a refresh token.
    /// An unknown email and a wrong password give the same 401
    /// (`invalid_credentials`); so does a password over 72 bytes, at once
    /// and without counting as a failure (none can have been set). After
    /// too many failures for one email, every other login for it is refused
    /// with 429 until the window ends.
    #[oai(
        path = "/login",
        method = "post",
        operation_id = "logIn",
        transform = "checks_password"
    )]
    async fn log_in(
        &self,
        req: &Request,
        body: JsonBody<LogInRequest>,
    ) -> ApiResult<SessionResponse, LogInErrors> {
        let body = body.accept()?;
        let password = Some(body.password.as_str());
        let admitted = self.password_check(req).admit(&self.db, password).await?;
        let account = users::log_in(&self.db, &admitted, &body.email).await?;
        Ok(SessionResponse::from(self.open_session(account).await?).into())
    }

    /// Get the current user
    ///
    /// The account the bearer token was issued to.
    #[oai(
        path = "/me",
        method = "get",
        operation_id = "getCurrentUser",
        transform = "account"
    )]
    async fn current_user(
        &self,
        auth: BearerAuth,
    ) -> ApiResult<JsonReply<UserBody>, CurrentUserErrors> {
        let account = accounts::find(&self.db, auth.caller()).await?;
        Ok(JsonReply(UserBody::from(account)).into())
    }

    /// Delete the account
    ///
    /// Deletes the caller's account with all its tasks and sessions, after
    /// confirming the password. Its tokens stop working and the email can
    /// sign up again.
    #[oai(
        path = "/me",
        method = "delete",
        operation_id = "deleteAccount",
        transform = "checks_password"
    )]
    async fn delete_account(
        &self,
        req: &Request,
        auth: BearerAuth,
        body: JsonBody<DeleteAccountRequest>,
    ) -> ApiResult<NoContent, PasswordCheckErrors> {
        let body = body.accept()?;
        let check = self.password_check(req);
        users::delete_account(&self.db, &check, auth.caller(), &body.password).await?;
        Ok(NoContent::Done.into())
    }

    /// Refresh the session
    ///
    /// Exchanges a refresh token for a new access token and a new refresh
    /// token; the one presented stops working. Presenting a refresh token
    /// that was already used is treated as theft: 401, and every token of
    /// that session is revoked.
    #[oai(
        path = "/refresh",
        method = "post",
        operation_id = "refreshSession",
        transform = "account"
    )]
    async fn refresh(
        &self,
        body: JsonBody<RefreshRequest>,
    ) -> ApiResult<SessionResponse, RefreshErrors> {
        let body = body.accept()?;
        let refreshed = sessions::refresh(&self.db, &body.refresh_token, self.refresh_ttl).await?;
        let token = self
            .tokens
            .issue_in(refreshed.account.id, refreshed.session)?;
        let session = AuthSession::new(refreshed.account.into(), token, refreshed.token);
        Ok(SessionResponse::from(session).into())
    }

    /// Log out
    ///
    /// Revokes the session the refresh token belongs to. Access tokens
    /// already issued stay valid until they expire. An unknown token is
    /// not an error.
    #[oai(
        path = "/logout",
        method = "post",
        operation_id = "logOut",
        transform = "account"
    )]
    async fn log_out(&self, body: JsonBody<RefreshRequest>) -> ApiResult<NoContent, LogOutErrors> {
        let body = body.accept()?;
        sessions::end(&self.db, &body.refresh_token).await?;
        Ok(NoContent::Done.into())
    }

    /// Change the password
    ///
    /// Sets a new password (sign-up rules apply) after confirming the
    /// current one, and revokes every refresh token of the account.
    #[oai(
        path = "/password",
        method = "post",
        operation_id = "changePassword",
        transform = "checks_password"
    )]
    async fn change_password(
        &self,
        req: &Request,
        auth: BearerAuth,
        body: JsonBody<ChangePasswordRequest>,
    ) -> ApiResult<NoContent, PasswordCheckErrors> {
        // The body's failures are answered after the account is known to
        // exist (401 first), like the new password's.
        let (current_password, new) = match body.accept() {
            Ok(body) => (
                body.current_password.into(),
                new_password(body.new_password.into()),
            ),
            Err(failures) => (String::new(), Err(failures)),
        };
        let check = self.password_check(req);
        users::change_password(&self.db, &check, auth.caller(), &current_password, new).await?;
        Ok(NoContent::Done.into())
    }

    /// Get a token (OAuth2 password grant)
    ///
    /// Takes `grant_type=password`, `username` (the email) and `password` as
    /// a form and answers with an access token: the token URL of the
    /// `accountLogin` security scheme. Failures are 400 with RFC 6749's
    /// `error` member: `invalid_request`, `invalid_grant` (wrong email or
    /// password) or `unsupported_grant_type`. Rate limited like log-in.
    #[oai(
        path = "/token",
        method = "post",
        operation_id = "issueToken",
        transform = "checks_password"
    )]
    async fn issue_token(
        &self,
        req: &Request,
        body: Form<TokenRequest>,
    ) -> ApiResult<TokenResponse, TokenErrors> {
        let credentials = body.credentials();
        let sent = credentials.as_ref().ok().map(|&(_, password)| password);
        let admitted = self.password_check(req).admit(&self.db, sent).await?;
        let (email, _) = credentials?;
        let account = users::log_in(&self.db, &admitted, email)
            .await
            .map_err(|err| match err {
                Error::InvalidCredentials => ApiError::invalid_grant(),
                other => other.into(),
            })?;
        let token = AccessToken::from(self.tokens.issue(account.id)?);
        Ok(TokenResponse::Ok(JsonReply(token), NO_STORE.into()).into())
    }
}

/// The new password of a change, its failures named `/new_password`.
fn new_password(raw: String) -> Result<Password> {
    Password::parse(raw).map_err(|err| err.at(Source::Body, "/new_password").into())
}
