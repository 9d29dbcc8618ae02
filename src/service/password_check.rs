//! What every password operation checks before and around bcrypt, each
//! once: the hashing queue's bound (503 `server_busy`), the client
//! address's allowance, and the per-email failure limits.
use std::net::IpAddr;

use sea_orm::ConnectionTrait;

use super::limits::AuthLimits;
use crate::auth::PasswordHasher;
use crate::domain::{Password, Result};

/// What checking a password needs: the hasher, the failure limits, and
/// the client address the attempt comes from (the limits count per email
/// and address, and per email in all).
pub struct PasswordCheck<'a> {
    pub hasher: &'a PasswordHasher,
    pub limits: &'a AuthLimits,
    pub client: IpAddr,
}

/// A password operation admitted by `PasswordCheck::admit`, with the
/// password it was admitted for.
pub struct Admitted<'a> {
    pub(super) check: PasswordCheck<'a>,
    pub(super) password: &'a str,
    /// Whether the password can match any account's (at most 72 bytes):
    /// only then was it queued for bcrypt.
    pub(super) could_match: bool,
}

impl<'a> PasswordCheck<'a> {
    /// Counts a request against the client address's limit, once the
    /// hashing queue would take its password. A request the queue would
    /// refuse is refused first: counting it is a database write, and a
    /// flood past the queue's bound, answered at once and asking again at
    /// once, would spend on those writes the CPU the hashing threads need.
    /// It has checked no password, so it does not use up the address's
    /// allowance either. A password that cannot match needs no bcrypt and
    /// is answered as before, busy or not.
    pub async fn admit(
        self,
        db: &impl ConnectionTrait,
        password: Option<&'a str>,
    ) -> Result<Admitted<'a>> {
        let could_match = match password {
            Some(password) => self.queue(password)?,
            None => false,
        };
        self.limits.admit_ip(db, self.client).await?;
        Ok(Admitted {
            check: self,
            password: password.unwrap_or_default(),
            could_match,
        })
    }

    /// Whether `password` can match (at most 72 bytes); if so, the hashing
    /// queue's admission (503 when it would wait too long).
    pub(super) fn queue(&self, password: &str) -> Result<bool> {
        let could_match = Password::could_match(password);
        if could_match {
            self.hasher.admit()?;
        }
        Ok(could_match)
    }

    pub(super) async fn begin(&self, db: &impl ConnectionTrait, email: &str) -> Result<()> {
        self.limits
            .begin_password_check(db, email, self.client)
            .await
    }

    /// Only a wrong password counts as a failure: any other outcome (a
    /// match, a busy server) hands the reserved attempt back.
    pub(super) async fn settle(
        &self,
        db: &impl ConnectionTrait,
        email: &str,
        verified: &Result<bool>,
    ) -> Result<()> {
        if !matches!(verified, Ok(false)) {
            self.limits.forgive(db, email, self.client).await?;
        }
        Ok(())
    }
}
