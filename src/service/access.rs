//! Who may act on `/api/{user_id}/...`: a caller whose account still exists
//! (else 401: a token outlives nothing), on its own path (else 403).
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::accounts;
use crate::domain::{Error, Result};

/// 401 unless the caller's account still exists.
pub async fn confirm(db: &impl ConnectionTrait, caller: Uuid) -> Result<()> {
    if accounts::exists(db, caller).await? {
        Ok(())
    } else {
        Err(Error::InvalidToken)
    }
}

/// The caller as the owner of `/api/{owner}`: 401 when its account is gone,
/// then 403 when the path names another user.
pub async fn owner(db: &impl ConnectionTrait, caller: Uuid, owner: Uuid) -> Result<()> {
    confirm(db, caller).await?;
    if caller == owner {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A read of the caller's own tasks confirms the account itself, which
/// saves a query on the busiest requests: another user's path is refused
/// first (`before_read`), and after the read (`after_read`) the account is
/// looked up only when the read found nothing.
pub async fn before_read(db: &impl ConnectionTrait, caller: Uuid, path_owner: Uuid) -> Result<()> {
    if caller == path_owner {
        Ok(())
    } else {
        owner(db, caller, path_owner).await
    }
}

/// A write on the caller's own path confirms the account itself, as a read
/// does: its bump of the owner's sequence (`sync::record`) finds no row,
/// and answers 401, when the account is gone. Another user's path is
/// refused first.
pub async fn before_write(db: &impl ConnectionTrait, caller: Uuid, path_owner: Uuid) -> Result<()> {
    before_read(db, caller, path_owner).await
}

/// `read` as the answer, once it is known the caller's account still
/// exists. A task found proves it (an account's tasks are deleted with it,
/// in the same transaction, and rows cannot outlive it: the foreign key
/// cascades); only when `proves` says the read found nothing is the account
/// looked up, so that a deleted account's token is 401, not an empty list
/// or a 404.
pub async fn after_read<T>(
    db: &impl ConnectionTrait,
    caller: Uuid,
    read: Result<T>,
    proves: impl FnOnce(&T) -> bool,
) -> Result<T> {
    let proven = match &read {
        Ok(value) => proves(value),
        Err(Error::TaskNotFound) => false,
        Err(_) => return read,
    };
    if !proven {
        confirm(db, caller).await?;
    }
    read
}
