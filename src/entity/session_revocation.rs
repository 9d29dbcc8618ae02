use sea_orm::entity::prelude::*;

/// A session that ended (or every session of a user, when `session_id` is
/// null), kept a few minutes so that every instance ends its streams.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_revocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    /// Why: `logged_out`, `session_revoked`, `password_changed` or
    /// `account_deleted`.
    pub reason: String,
    pub revoked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
