//! What every password operation does before it checks a password: the
//! hashing queue's bound and the client address's allowance.
use poem::Request;

use super::AuthApi;
use super::schema::AuthSession;
use crate::domain::{Account, Password, Result};
use crate::service::sessions;
use crate::service::users::PasswordCheck;

impl AuthApi {
    /// Counts an auth request against the client address's limit, and
    /// gives back what checking its password needs. A request whose
    /// `password` needs bcrypt and which the bcrypt queue would refuse (503
    /// `server_busy`) is refused first: counting it is a database write,
    /// and a flood past the queue's bound, answered at once and asking again
    /// at once, would spend on those writes the CPU the hashing threads
    /// need. It has checked no password, so it does not use up the
    /// address's allowance either. A password that cannot match (over 72
    /// bytes) needs no bcrypt and is answered as before, busy or not.
    pub(super) async fn admit(
        &self,
        req: &Request,
        password: Option<&str>,
    ) -> Result<PasswordCheck<'_>> {
        if password.is_some_and(Password::could_match) {
            self.passwords.admit()?;
        }
        let check = self.password_check(req);
        self.limits.admit_ip(&self.db, check.client).await?;
        Ok(check)
    }

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
