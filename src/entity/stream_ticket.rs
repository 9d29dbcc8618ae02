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
    /// The session of the token that asked for it (none for a token from
    /// the OAuth2 password grant), and that token's `iat` and `exp`: the
    /// stream it opens lives no longer than the token would have.
    pub session_id: Option<Uuid>,
    pub token_issued_at: i64,
    pub token_expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
