use sea_orm::entity::prelude::*;

/// A short-lived, single-use ticket that opens one event stream, known
/// only by its hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stream_tickets")]
pub struct Model {
    /// SHA-256 of the ticket, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_hash: String,
    pub user_id: Uuid,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
