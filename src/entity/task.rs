use sea_orm::entity::prelude::*;

// `Default`: a new task's row starts from it (`service::tasks`);
// `Deserialize`: SQLite's one-document page decodes its rows with it, in
// the order of the columns (`service::tasks::page_json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: String,
    /// `title` and `description` as `q` searches them
    /// (`domain::search_folded`); kept in step on every write.
    pub title_folded: String,
    pub description_folded: String,
    pub completed: bool,
    pub completed_at: Option<DateTimeUtc>,
    /// Rank: 1 = low, 2 = medium, 3 = high, 4 = urgent.
    pub priority: i16,
    /// JSON array of normalised tags.
    pub tags: String,
    pub due_date: Option<DateTimeUtc>,
    pub recurrence: Option<String>,
    pub next_task_id: Option<Uuid>,
    /// Bumped on every write; the ETag is derived from it.
    pub version: i64,
    /// The owner's change sequence number of the last write (the feed's
    /// order; see `service::sync`).
    pub change_seq: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
