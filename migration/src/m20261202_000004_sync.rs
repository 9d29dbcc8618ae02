//! Offline sync: a per-user change sequence, tombstones for deleted tasks,
//! and single-use tickets for browser event streams.
//!
//! Every write of a user's tasks first bumps `users.change_seq` inside its
//! transaction and stamps the rows it writes (a task, or a tombstone) with
//! the new value. The bump locks the user's row (PostgreSQL) or the database
//! (SQLite) until commit, so a user's writes commit in sequence order and a
//! reader that has seen sequence `n` can never later find a commit below it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    /// The last sequence number given to a change of this user's tasks.
    ChangeSeq,
    /// The highest sequence number of a purged tombstone: a cursor below it
    /// may have missed a deletion.
    SyncPurgedSeq,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    UserId,
    ChangeSeq,
}

#[derive(DeriveIden)]
enum TaskTombstones {
    Table,
    TaskId,
    UserId,
    ChangeSeq,
    DeletedAt,
}

#[derive(DeriveIden)]
enum StreamTickets {
    Table,
    TicketHash,
    UserId,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Users::ChangeSeq, Users::SyncPurgedSeq] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(big_integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(big_integer(Tasks::ChangeSeq).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tasks_user_change")
                    .table(Tasks::Table)
                    .col(Tasks::UserId)
                    .col(Tasks::ChangeSeq)
                    .col(Tasks::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskTombstones::Table)
                    .col(pk_uuid(TaskTombstones::TaskId))
                    .col(uuid(TaskTombstones::UserId))
                    .col(big_integer(TaskTombstones::ChangeSeq))
                    .col(timestamp_with_time_zone(TaskTombstones::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_tombstones_user")
                            .from(TaskTombstones::Table, TaskTombstones::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_task_tombstones_user_change")
                    .table(TaskTombstones::Table)
                    .col(TaskTombstones::UserId)
                    .col(TaskTombstones::ChangeSeq)
                    .col(TaskTombstones::TaskId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_task_tombstones_deleted_at")
                    .table(TaskTombstones::Table)
                    .col(TaskTombstones::DeletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StreamTickets::Table)
                    // SHA-256 (hex) of the ticket; the ticket itself is never
                    // stored.
                    .col(string_len(StreamTickets::TicketHash, 64).primary_key())
                    .col(uuid(StreamTickets::UserId))
                    .col(timestamp_with_time_zone(StreamTickets::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stream_tickets_user")
                            .from(StreamTickets::Table, StreamTickets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StreamTickets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TaskTombstones::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tasks_user_change")
                    .table(Tasks::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .drop_column(Tasks::ChangeSeq)
                    .to_owned(),
            )
            .await?;
        for column in [Users::ChangeSeq, Users::SyncPurgedSeq] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
