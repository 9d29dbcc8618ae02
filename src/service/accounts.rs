//! Reading accounts: whether the caller's still exists, and what it holds.
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use super::unique::unique;
use crate::domain::{Account, Error, Result};
use crate::entity::user;

/// The caller's account; 401 when it no longer exists.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Account> {
    Ok(find_row(db, id).await?.into())
}

pub(super) async fn find_row(db: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    unique(user::Entity::find_by_id(id), db)
        .await?
        .ok_or(Error::InvalidToken)
}

/// Whether the account `id` exists.
pub async fn exists(db: &impl ConnectionTrait, id: Uuid) -> Result<bool> {
    Ok(user::Entity::find_by_id(id).count(db).await? > 0)
}

impl From<user::Model> for Account {
    fn from(user: user::Model) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name,
            created_at: user.created_at,
        }
    }
}
