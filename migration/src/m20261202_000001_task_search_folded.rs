//! Case-insensitive search alike on both databases: each task keeps its
//! title and description folded (lower-cased, NFC) in columns of their own,
//! written by the app on every change and compared by `q` with a plain LIKE.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    Title,
    Description,
    TitleFolded,
    DescriptionFolded,
}

/// Rows folded per read-and-update round, so a large table is never read
/// into memory at once.
const BATCH: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the columns never exist without
    /// their folded values (which would hide those tasks from `q`).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite adds one at a time.
        for column in [Tasks::TitleFolded, Tasks::DescriptionFolded] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .add_column(text(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        backfill(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tasks::TitleFolded, Tasks::DescriptionFolded] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Folds every existing task, in batches in id order, one UPDATE per batch.
async fn backfill(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .columns([Tasks::Id, Tasks::Title, Tasks::Description])
            .from(Tasks::Table)
            .order_by(Tasks::Id, Order::Asc)
            .limit(BATCH);
        if let Some(last) = after {
            select.and_where(Expr::col(Tasks::Id).gt(last));
        }
        let rows = db.query_all(&select).await?;
        let (mut ids, mut titles, mut descriptions) =
            (Vec::new(), CaseStatement::new(), CaseStatement::new());
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let title: String = row.try_get("", "title")?;
            let description: String = row.try_get("", "description")?;
            titles = titles.case(Expr::col(Tasks::Id).eq(id), fold(&title));
            descriptions = descriptions.case(Expr::col(Tasks::Id).eq(id), fold(&description));
            ids.push(id);
        }
        let Some(&last) = ids.last() else {
            return Ok(());
        };
        // 500 rows bind 2,500 values, far under either database's limit.
        let update = Query::update()
            .table(Tasks::Table)
            .value(Tasks::TitleFolded, titles)
            .value(Tasks::DescriptionFolded, descriptions)
            .and_where(Expr::col(Tasks::Id).is_in(ids))
            .to_owned();
        db.execute(&update).await?;
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
        after = Some(last);
    }
}

/// The app's search folding (`domain::search_folded`) as it was when this
/// migration was written; a later change to that rule needs a migration of
/// its own to refold stored rows.
fn fold(value: &str) -> String {
    value
        .to_lowercase()
        .nfc()
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect()
}
