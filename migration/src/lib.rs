//! Schema migrations for tasks-api, applied on start and by `tasks-api migrate`.
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_users_and_tasks;
mod m20261124_000002_idempotency_keys;
mod m20261124_000003_sessions;
mod m20261202_000001_task_search_folded;
mod m20261202_000004_sync;
mod m20261207_000001_email_nfc;
mod m20261208_000001_email_nfkc;
mod m20261208_000002_stream_sessions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_users_and_tasks::Migration),
            Box::new(m20261124_000002_idempotency_keys::Migration),
            Box::new(m20261124_000003_sessions::Migration),
            Box::new(m20261202_000001_task_search_folded::Migration),
            Box::new(m20261202_000004_sync::Migration),
            Box::new(m20261207_000001_email_nfc::Migration),
            Box::new(m20261208_000001_email_nfkc::Migration),
            Box::new(m20261208_000002_stream_sessions::Migration),
        ]
    }
}
