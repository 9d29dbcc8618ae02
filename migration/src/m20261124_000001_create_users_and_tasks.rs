use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    Id,
    UserId,
    Title,
    Description,
    Completed,
    CompletedAt,
    Priority,
    Tags,
    DueDate,
    Recurrence,
    NextTaskId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TaskTags {
    Table,
    TaskId,
    UserId,
    Tag,
}

/// Every list query is scoped to one user, so every index leads with
/// `user_id`; the trailing `id` makes each sort order total (stable paging).
const TASK_INDEXES: &[(&str, &[Tasks])] = &[
    (
        "idx_tasks_user_created",
        &[Tasks::UserId, Tasks::CreatedAt, Tasks::Id],
    ),
    (
        "idx_tasks_user_updated",
        &[Tasks::UserId, Tasks::UpdatedAt, Tasks::Id],
    ),
    (
        "idx_tasks_user_due",
        &[Tasks::UserId, Tasks::DueDate, Tasks::Id],
    ),
    (
        "idx_tasks_user_priority",
        &[Tasks::UserId, Tasks::Priority, Tasks::Id],
    ),
    (
        "idx_tasks_user_title",
        &[Tasks::UserId, Tasks::Title, Tasks::Id],
    ),
    (
        "idx_tasks_user_completed",
        &[Tasks::UserId, Tasks::Completed, Tasks::CreatedAt],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string(Users::PasswordHash))
                    .col(string_len_null(Users::Name, 100))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(pk_uuid(Tasks::Id))
                    .col(uuid(Tasks::UserId))
                    .col(text(Tasks::Title))
                    .col(text(Tasks::Description))
                    .col(boolean(Tasks::Completed))
                    .col(timestamp_with_time_zone_null(Tasks::CompletedAt))
                    // 1 = low .. 4 = urgent, so ORDER BY priority is rank order.
                    .col(small_integer(Tasks::Priority))
                    // The task's tags as a JSON array, for reading; filtering
                    // goes through the indexed task_tags table.
                    .col(text(Tasks::Tags))
                    .col(timestamp_with_time_zone_null(Tasks::DueDate))
                    .col(string_len_null(Tasks::Recurrence, 16))
                    .col(uuid_null(Tasks::NextTaskId))
                    .col(big_integer(Tasks::Version).default(1))
                    .col(timestamp_with_time_zone(Tasks::CreatedAt))
                    .col(timestamp_with_time_zone(Tasks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_user")
                            .from(Tasks::Table, Tasks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        for (name, columns) in TASK_INDEXES {
            let mut index = Index::create();
            index.name(*name).table(Tasks::Table);
            for column in columns.iter() {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TaskTags::Table)
                    .col(uuid(TaskTags::TaskId))
                    .col(uuid(TaskTags::UserId))
                    .col(string_len(TaskTags::Tag, 50))
                    .primary_key(Index::create().col(TaskTags::TaskId).col(TaskTags::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_tags_task")
                            .from(TaskTags::Table, TaskTags::TaskId)
                            .to(Tasks::Table, Tasks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("idx_task_tags_user_tag")
                    .table(TaskTags::Table)
                    .col(TaskTags::UserId)
                    .col(TaskTags::Tag)
                    .col(TaskTags::TaskId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TaskTags::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Tasks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
