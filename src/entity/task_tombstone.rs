use sea_orm::entity::prelude::*;

/// A deleted task, remembered for the change feed until the sync
/// retention is over.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_tombstones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    pub user_id: Uuid,
    /// The owner's change sequence number of the deletion.
    pub change_seq: i64,
    pub deleted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
