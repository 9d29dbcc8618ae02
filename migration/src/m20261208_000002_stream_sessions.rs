//! Event streams end with the session that opened them: a stream ticket
//! remembers the session and lifetime of the token that asked for it, and
//! every ended session (a log-out, a revoked refresh-token family, a
//! password change, a deleted account) is written down for a short while,
//! where every instance looks for the streams it must end.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StreamTickets {
    Table,
    SessionId,
    TokenIssuedAt,
    TokenExpiresAt,
}

#[derive(DeriveIden)]
enum SessionRevocations {
    Table,
    Id,
    UserId,
    SessionId,
    Reason,
    RevokedAt,
}

const INDEX: &str = "idx_session_revocations_revoked_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Tickets live a minute: those issued before this change could not
        // say whose session they belong to, so they go.
        manager
            .exec_stmt(Query::delete().from_table(StreamTickets::Table).to_owned())
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            uuid_null(StreamTickets::SessionId),
            big_integer(StreamTickets::TokenIssuedAt)
                .default(0)
                .to_owned(),
            big_integer(StreamTickets::TokenExpiresAt)
                .default(0)
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(StreamTickets::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // No foreign key: the row of a deleted account must outlive it.
        manager
            .create_table(
                Table::create()
                    .table(SessionRevocations::Table)
                    .col(uuid(SessionRevocations::Id).primary_key())
                    .col(uuid(SessionRevocations::UserId))
                    .col(uuid_null(SessionRevocations::SessionId))
                    .col(string_len(SessionRevocations::Reason, 32))
                    .col(timestamp_with_time_zone(SessionRevocations::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(SessionRevocations::Table)
                    .col(SessionRevocations::RevokedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SessionRevocations::Table).to_owned())
            .await?;
        for column in [
            StreamTickets::TokenExpiresAt,
            StreamTickets::TokenIssuedAt,
            StreamTickets::SessionId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StreamTickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
