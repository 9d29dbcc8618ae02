//! Session lifecycle (contract §7): refresh, log out, change the password.
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::WRONG_PASSWORD;
use super::schema::*;
use crate::api::ApiTags;
use crate::api::reply::{ApiResult, ErrorSet, error_set};
use crate::auth::BearerAuth;
use crate::domain::Password;
use crate::error::Error;
use crate::service::{sessions, users};
use crate::startup::AppState;

error_set! {
    RefreshErrors: 401, 413, 415, 422, 500, 503, 504;
    LogOutErrors: 413, 415, 422, 500, 503, 504;
}

pub struct ChangePasswordErrors;
impl ErrorSet for ChangePasswordErrors {
    const STATUSES: &'static [u16] = &[401, 403, 413, 415, 422, 429, 500, 503, 504];
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[(403, WRONG_PASSWORD)];
}

pub struct SessionApi;

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Auth")]
impl SessionApi {
    /// Refresh the session
    ///
    /// Exchanges a refresh token for a new access token and a new refresh
    /// token; the one presented stops working. Presenting a refresh token
    /// that was already used is treated as theft: 401, and every token of
    /// that session is revoked.
    #[oai(path = "/refresh", method = "post", operation_id = "refreshSession")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> ApiResult<SessionResponse, RefreshErrors> {
        let issued = sessions::rotate(&state.db, &body.refresh_token, state.refresh_ttl).await?;
        let user = users::find(&state.db, issued.user_id)
            .await
            .map_err(|_| Error::InvalidRefreshToken)?;
        let token = state.tokens.issue(user.id)?;
        let session = AuthSession::new(user.into(), token, issued.token);
        Ok(SessionResponse::from(session).into())
    }

    /// Log out
    ///
    /// Revokes the session the refresh token belongs to. Access tokens
    /// already issued stay valid until they expire. An unknown token is
    /// not an error.
    #[oai(path = "/logout", method = "post", operation_id = "logOut")]
    async fn log_out(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> ApiResult<NoContent, LogOutErrors> {
        sessions::end(&state.db, &body.refresh_token).await?;
        Ok(NoContent::Done.into())
    }

    /// Change the password
    ///
    /// Sets a new password (sign-up rules apply) after confirming the
    /// current one, and revokes every refresh token of the account.
    #[oai(path = "/password", method = "post", operation_id = "changePassword")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<NoContent, ChangePasswordErrors> {
        let user_id = auth.caller(&state.db).await?.user_id;
        let ChangePasswordRequest {
            current_password,
            new_password,
        } = body.0;
        let new = Password::parse(new_password)
            .map_err(|err| Error::field("new_password", err.message))?;
        let (db, limits) = (&state.db, &state.limits);
        users::change_password(
            db,
            &state.passwords,
            limits,
            user_id,
            &current_password,
            new,
        )
        .await?;
        Ok(NoContent::Done.into())
    }
}
