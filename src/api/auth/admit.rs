//! What the account operations share: the checks a password is sent to,
//! and opening a session.
use poem::Request;

use super::AuthApi;
use super::schema::AuthSession;
use crate::domain::{Account, Result};
use crate::service::sessions;
use crate::service::users::PasswordCheck;

impl AuthApi {
    /// The hasher and limits for a password sent from `req`'s client.
    pub(super) fn password_check(&self, req: &Request) -> PasswordCheck<'_> {
        PasswordCheck {
            hasher: &self.passwords,
            limits: &self.limits,
            client: self.proxies.client_of(req),
        }
    }

    /// A new session (refresh-token family) and access token for `account`.
    pub(super) async fn open_session(&self, account: Account) -> Result<AuthSession> {
        let (session, refresh_token) =
            sessions::start(&self.db, account.id, self.refresh_ttl).await?;
        let token = self.tokens.issue_in(account.id, session)?;
        Ok(AuthSession::new(account.into(), token, refresh_token))
    }
}
