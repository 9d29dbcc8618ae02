//! Forgetting tombstones once the sync retention is over. Each user's
//! `sync_purged_seq` first moves up to the newest tombstone forgotten, so
//! that a cursor from before it, which may not have seen those deletions,
//! is refused (410) rather than answered with a feed that omits them.
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::Users;
use crate::domain::{Result, timestamp};
use crate::entity::task_tombstone::{self, Column as Tomb};
use crate::service::transaction::BeginWrite;

/// Purges the tombstones older than `retention_days`; answers how many.
pub async fn purge_tombstones<C>(db: &C, retention_days: u32) -> Result<u64>
where
    C: BeginWrite,
{
    let cutoff = timestamp(Utc::now()) - Duration::days(i64::from(retention_days));
    let newest_expired = Query::select()
        .expr(Func::max(Expr::col((
            task_tombstone::Entity,
            Tomb::ChangeSeq,
        ))))
        .from(task_tombstone::Entity)
        .and_where(
            Expr::col((task_tombstone::Entity, Tomb::UserId)).equals((Users::Table, Users::Id)),
        )
        .and_where(Expr::col((task_tombstone::Entity, Tomb::DeletedAt)).lt(cutoff))
        .to_owned();
    let users_with_expired = Query::select()
        .column(Tomb::UserId)
        .from(task_tombstone::Entity)
        .and_where(Expr::col(Tomb::DeletedAt).lt(cutoff))
        .to_owned();
    let raise = Query::update()
        .table(Users::Table)
        .value(Users::SyncPurgedSeq, Expr::from(newest_expired.clone()))
        .and_where(Expr::col(Users::Id).in_subquery(users_with_expired))
        // Never lower it (clocks of several instances may disagree a little).
        .and_where(Expr::col(Users::SyncPurgedSeq).lt(Expr::from(newest_expired)))
        .to_owned();
    let txn = db.begin_write().await?;
    txn.execute(&raise).await?;
    let purged = task_tombstone::Entity::delete_many()
        .filter(Tomb::DeletedAt.lt(cutoff))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(purged.rows_affected)
}
