use sea_orm::entity::prelude::*;

/// A fixed-window counter for one rate-limited key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_rate_limits")]
pub struct Model {
    /// `email:` or `ip:` followed by the SHA-256 (hex) of the value.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub hits: i32,
    /// Unix seconds at which the window closes.
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
