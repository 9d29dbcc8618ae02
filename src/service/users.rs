//! Accounts: signing up, checking a password, changing it, deleting the
//! account.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use super::accounts::find_row;
pub use super::password_check::{Admitted, PasswordCheck};
use super::sessions;
use super::sync::revocations::{self, Ending};
use super::unique::unique;
use crate::auth::PasswordHasher;
use crate::domain::{Account, Email, Error, NewAccount, Password, Result, timestamp};
use crate::entity::{refresh_token, task, user};
use crate::service::transaction::BeginWrite;

pub async fn sign_up(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    account: NewAccount,
) -> Result<Account> {
    let password_hash = hasher.hash(account.password.expose()).await?;
    let account = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(account.email.as_str().to_owned()),
        password_hash: Set(password_hash),
        name: Set(account.name),
        created_at: Set(timestamp(Utc::now())),
    };
    let created = account
        .insert(db)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Error::EmailTaken,
            _ => err.into(),
        })?;
    Ok(created.into())
}

/// The account for these credentials. An unknown email and a wrong password
/// fail the same way, after the same bcrypt work; a locked-out email fails
/// with `RateLimited` before any lookup or bcrypt work, known or not.
///
/// A password over 72 bytes fails at once, before the limit, the lookup and
/// any bcrypt work, and is not counted as a failure: no account can have
/// one, so it guesses nothing, and counting it would only let a stranger
/// lock an owner out for free.
pub async fn log_in(db: &impl BeginWrite, admitted: &Admitted<'_>, email: &str) -> Result<Account> {
    let email = Email::lookup(email)?;
    let (check, password) = (&admitted.check, admitted.password);
    if !admitted.could_match {
        return Err(Error::InvalidCredentials);
    }
    check.begin(db, &email).await?;
    let account = unique(
        user::Entity::find().filter(user::Column::Email.eq(&email)),
        db,
    )
    .await?;
    let hash = account.as_ref().map(|a| a.password_hash.as_str());
    let verified = check.hasher.verify(password, hash).await;
    check.settle(db, &email, &verified).await?;
    match (verified?, account) {
        (true, Some(account)) => {
            rehash(db, check.hasher, &account, password).await;
            Ok(account.into())
        }
        _ => Err(Error::InvalidCredentials),
    }
}

/// Stores a hash at today's cost for an account hashed at another, now that
/// its password is known. The update names the old hash, so a password
/// changed meanwhile is never overwritten. It is best effort: a busy bcrypt
/// queue or a failed write leaves the old hash, and the next log-in retries.
async fn rehash(
    db: &impl BeginWrite,
    hasher: &PasswordHasher,
    account: &user::Model,
    password: &str,
) {
    if !hasher.needs_rehash(&account.password_hash) {
        return;
    }
    let Ok(new_hash) = hasher.hash(password).await else {
        return;
    };
    let update = async {
        let txn = db.begin_write().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
            .filter(user::Column::Id.eq(account.id))
            .filter(user::Column::PasswordHash.eq(&account.password_hash))
            .exec(&txn)
            .await?;
        txn.commit().await
    };
    if let Err(err) = update.await {
        tracing::warn!(error = %err, "storing a rehashed password failed");
    }
}

/// Sets a new password and revokes every refresh token of the user, once
/// the caller's account is known to exist (else 401), the new password is
/// valid (else 422) and `current` is its password (else 403).
pub async fn change_password<C>(
    db: &C,
    check: &PasswordCheck<'_>,
    user_id: Uuid,
    current: &str,
    new: Result<Password>,
) -> Result<()>
where
    C: BeginWrite,
{
    let account = find_row(db, user_id).await?;
    let new = new?;
    check_password(db, check, &account, current).await?;
    let hash = check.hasher.hash(new.expose()).await?;
    let txn = db.begin_write().await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    sessions::revoke_all(&txn, user_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the caller's account (401 if it is already gone; 403 for a wrong
/// password) with its tasks and refresh tokens, in one transaction (rows other features keep per user go by `ON DELETE
/// CASCADE`).
pub async fn delete_account<C>(
    db: &C,
    check: &PasswordCheck<'_>,
    user_id: Uuid,
    password: &str,
) -> Result<()>
where
    C: BeginWrite,
{
    let account = find_row(db, user_id).await?;
    check_password(db, check, &account, password).await?;
    let txn = db.begin_write().await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    task::Entity::delete_many()
        .filter(task::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    user::Entity::delete_by_id(user_id).exec(&txn).await?;
    revocations::record(&txn, user_id, None, Ending::AccountDeleted).await?;
    txn.commit().await?;
    Ok(())
}

/// A signed-in user's password, checked under the same per-email failure
/// limit as log-in, so a stolen access token cannot be used to guess it.
/// One over 72 bytes is wrong without bcrypt work and uncounted, as at
/// log-in.
async fn check_password(
    db: &impl ConnectionTrait,
    check: &PasswordCheck<'_>,
    account: &user::Model,
    password: &str,
) -> Result<()> {
    if !check.queue(password)? {
        return Err(Error::WrongPassword);
    }
    check.begin(db, &account.email).await?;
    let verified = check
        .hasher
        .verify(password, Some(&account.password_hash))
        .await;
    check.settle(db, &account.email, &verified).await?;
    if verified? {
        Ok(())
    } else {
        Err(Error::WrongPassword)
    }
}
