//! Recording a change: inside the write's own transaction, before anything
//! else, the user's sequence number is bumped; the rows written are stamped
//! with it, and deleted tasks leave tombstones.
//!
//! The bump is an UPDATE of the user's row, which holds that row's lock
//! (PostgreSQL) or the database's write lock (SQLite) until the transaction
//! ends: a user's writes take their numbers and commit one after another,
//! so once number `n` is visible every lower number is too, and a feed read
//! bounded by the sequence value it read first can never miss a write that
//! commits later.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Set, Statement,
};
use uuid::Uuid;

use super::{CHANNEL, Users};
use crate::domain::{Error, Result};
use crate::entity::{task, task_tombstone};
use crate::service::transaction::WriteTransaction;

/// Takes the user's next sequence number for a write in the transaction
/// `txn`, and has it announced once (and only if) the transaction commits:
/// on PostgreSQL to every instance by `NOTIFY`, on SQLite by the
/// transaction itself.
pub async fn record(txn: &WriteTransaction, user_id: Uuid) -> Result<i64> {
    txn.changes(user_id);
    let row = if txn.get_database_backend() == DbBackend::Postgres {
        // NOTIFY is delivered at commit, and never for a rolled-back write.
        // It carries no task data: each instance reads the change itself.
        // Sent by the bump itself, which saves the write a round trip.
        txn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE users SET change_seq = change_seq + 1 WHERE id = $1 \
             RETURNING change_seq, pg_notify($2, $3 || change_seq)",
            [user_id.into(), CHANNEL.into(), format!("{user_id} ").into()],
        ))
        .await?
    } else {
        let bump = Query::update()
            .table(Users::Table)
            .value(Users::ChangeSeq, Expr::col(Users::ChangeSeq).add(1))
            .and_where(Expr::col(Users::Id).eq(user_id))
            .returning_col(Users::ChangeSeq)
            .to_owned();
        txn.query_one(&bump).await?
    };
    // No row: the account is gone, and its token with it.
    let row = row.ok_or(Error::InvalidToken)?;
    Ok(row.try_get("", "change_seq")?)
}

/// Remembers that the task `task_id` was deleted by the write `seq`.
pub async fn tombstone(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    task_id: Uuid,
    seq: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    task_tombstone::Entity::insert(task_tombstone::ActiveModel {
        task_id: Set(task_id),
        user_id: Set(user_id),
        change_seq: Set(seq),
        deleted_at: Set(at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Tombstones for every completed task of the user, about to be deleted by
/// the write `seq`: one INSERT ... SELECT, however many there are.
pub async fn tombstone_completed(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    seq: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    let completed = task::Entity::find()
        .select_only()
        .column(task::Column::Id)
        .column(task::Column::UserId)
        .expr(Expr::val(seq))
        .expr(Expr::val(at))
        .filter(task::Column::UserId.eq(user_id))
        .filter(task::Column::Completed.eq(true))
        .into_query();
    let insert = Query::insert()
        .into_table(task_tombstone::Entity)
        .columns([
            task_tombstone::Column::TaskId,
            task_tombstone::Column::UserId,
            task_tombstone::Column::ChangeSeq,
            task_tombstone::Column::DeletedAt,
        ])
        .select_from(completed)
        .map_err(|err| Error::Internal(err.to_string()))?
        .to_owned();
    txn.execute(&insert).await?;
    Ok(())
}
