//! Refresh tokens: opaque random strings, stored only as
//! SHA-256 hashes, grouped in families (one per login) and rotated on every
//! use. Presenting a token that was already exchanged means two parties hold
//! it, so its whole family is revoked.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::accounts;
use super::sync::revocations::{self, Ending};
use super::unique::unique;
use crate::domain::{Account, Error, Result, timestamp};
use crate::entity::refresh_token::{self, Column, Entity};
use crate::service::transaction::BeginWrite;

/// A refresh token just issued, and its account: the only time the token's
/// clear text exists.
pub struct Refreshed {
    pub account: Account,
    pub token: String,
    /// The session (family) it belongs to.
    pub session: Uuid,
}

/// Starts a new family (a login) for `user_id`: the family's id (the
/// session its access tokens name) and its first token.
pub async fn start(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ttl: Duration,
) -> Result<(Uuid, String)> {
    let session = Uuid::now_v7();
    Ok((session, insert(db, user_id, session, ttl).await?))
}

/// Exchanges `presented` for a new token of the same family, for an account
/// that still exists.
pub async fn refresh<C>(db: &C, presented: &str, ttl: Duration) -> Result<Refreshed>
where
    C: BeginWrite,
{
    let (user_id, session, token) = rotate(db, presented, ttl).await?;
    let account = accounts::find(db, user_id)
        .await
        .map_err(|_| Error::InvalidRefreshToken)?;
    Ok(Refreshed {
        account,
        token,
        session,
    })
}

/// Exchanges `presented` for a new token of the same family. The exchange
/// is a conditional update (`used_at IS NULL`), so of two concurrent
/// refreshes with one token exactly one wins; the other sees a used token.
async fn rotate<C>(db: &C, presented: &str, ttl: Duration) -> Result<(Uuid, Uuid, String)>
where
    C: BeginWrite,
{
    let hash = digest(presented);
    let now = timestamp(Utc::now());
    let txn = db.begin_write().await?;
    let claimed = Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::TokenHash.eq(&hash))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 1 {
        let row = find(&txn, &hash).await?.ok_or(Error::InvalidRefreshToken)?;
        let token = insert(&txn, row.user_id, row.family_id, ttl).await?;
        txn.commit().await?;
        return Ok((row.user_id, row.family_id, token));
    }
    txn.rollback().await?;
    // Unknown, expired, revoked or reused: all are 401, but reuse of a live
    // family is theft and ends the family.
    if let Some(row) = find(db, &hash).await?
        && row.used_at.is_some()
        && row.revoked_at.is_none()
    {
        tracing::warn!(family = %row.family_id, user = %row.user_id, "refresh token reused: family revoked");
        revoke_family(db, &row, Ending::SessionRevoked).await?;
    }
    Err(Error::InvalidRefreshToken)
}

/// Logs out the family `presented` belongs to. An unknown token is not an
/// error: the session is over either way.
pub async fn end(db: &impl ConnectionTrait, presented: &str) -> Result<()> {
    if let Some(row) = find(db, &digest(presented)).await? {
        revoke_family(db, &row, Ending::LoggedOut).await?;
    }
    Ok(())
}

/// Revokes every refresh token of the user (after a password change), and
/// ends every stream their access tokens opened.
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: Uuid) -> Result<()> {
    revoke_where(db, Column::UserId.eq(user_id)).await?;
    revocations::record(db, user_id, None, Ending::PasswordChanged).await
}

/// Deletes the tokens that have expired: used, revoked or not, they can no
/// longer be exchanged.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(timestamp(Utc::now())))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Revokes the family `row` belongs to, and ends the streams its access
/// tokens opened.
async fn revoke_family(
    db: &impl ConnectionTrait,
    row: &refresh_token::Model,
    why: Ending,
) -> Result<()> {
    revoke_where(db, Column::FamilyId.eq(row.family_id)).await?;
    revocations::record(db, row.user_id, Some(row.family_id), why).await
}

async fn revoke_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(timestamp(Utc::now())))
        .filter(condition)
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn insert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    ttl: Duration,
) -> Result<String> {
    // 256 bits from the thread-local CSPRNG (ChaCha, seeded by the OS).
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let now = timestamp(Utc::now());
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

async fn find(db: &impl ConnectionTrait, hash: &str) -> Result<Option<refresh_token::Model>> {
    Ok(unique(Entity::find().filter(Column::TokenHash.eq(hash)), db).await?)
}

fn digest(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_as_its_sha256() {
        let hash = digest("abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
