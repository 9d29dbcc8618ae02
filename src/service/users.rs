use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    SqlErr,
};
use uuid::Uuid;

use crate::auth::PasswordHasher;
use crate::domain::{Email, NewAccount, task::timestamp};
use crate::entity::user;
use crate::error::{Error, Result};

pub async fn sign_up(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    account: NewAccount,
) -> Result<user::Model> {
    let password_hash = hasher.hash(account.password.expose()).await?;
    let account = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(account.email.as_str().to_owned()),
        password_hash: Set(password_hash),
        name: Set(account.name),
        created_at: Set(timestamp(Utc::now())),
    };
    account.insert(db).await.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Error::EmailTaken,
        _ => err.into(),
    })
}

/// The account for these credentials. An unknown email and a wrong password
/// fail the same way, after the same bcrypt work.
pub async fn log_in(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    email: &str,
    password: &str,
) -> Result<user::Model> {
    let account = user::Entity::find()
        .filter(user::Column::Email.eq(Email::normalise(email)))
        .one(db)
        .await?;
    let hash = account.as_ref().map(|a| a.password_hash.as_str());
    if hasher.verify(password, hash).await? {
        account.ok_or(Error::InvalidCredentials)
    } else {
        Err(Error::InvalidCredentials)
    }
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::InvalidToken)
}

pub async fn exists(db: &impl ConnectionTrait, id: Uuid) -> Result<bool> {
    Ok(user::Entity::find_by_id(id).count(db).await? > 0)
}
