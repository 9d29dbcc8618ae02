//! Addresses stored before sign-up and log-in NFC-normalised them: each is
//! rewritten in the form the app now looks addresses up in (lower-cased,
//! then NFC), so its owner still logs in. An address whose normal form
//! another account already holds is left as it is: the two stay separate
//! accounts, and the one holding the normal form is the one log-in finds.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
}

/// Rows read per round, so a large table is never read into memory at once.
const BATCH: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        renormalise(manager.get_connection(), normalise).await
    }

    /// Nothing to undo: the older app looked addresses up as stored, and a
    /// rewritten address is what its owner types.
    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Rewrites every stored address whose `normalise`d form differs and is free;
/// a later change of the app's normalisation runs it again with its own.
pub(crate) async fn renormalise(
    db: &impl ConnectionTrait,
    normalise: fn(&str) -> String,
) -> Result<(), DbErr> {
    {
        let mut after: Option<Uuid> = None;
        loop {
            let mut select = Query::select();
            select
                .columns([Users::Id, Users::Email])
                .from(Users::Table)
                .order_by(Users::Id, Order::Asc)
                .limit(BATCH);
            if let Some(last) = after {
                select.and_where(Expr::col(Users::Id).gt(last));
            }
            let rows = db.query_all(&select).await?;
            for row in &rows {
                let id: Uuid = row.try_get("", "id")?;
                let email: String = row.try_get("", "email")?;
                let normal = normalise(&email);
                if normal != email && !taken(db, &normal).await? {
                    let update = Query::update()
                        .table(Users::Table)
                        .value(Users::Email, normal)
                        .and_where(Expr::col(Users::Id).eq(id))
                        .to_owned();
                    db.execute(&update).await?;
                }
                after = Some(id);
            }
            if (rows.len() as u64) < BATCH {
                return Ok(());
            }
        }
    }
}

async fn taken(db: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    let select = Query::select()
        .column(Users::Id)
        .from(Users::Table)
        .and_where(Expr::col(Users::Email).eq(email))
        .to_owned();
    Ok(db.query_one(&select).await?.is_some())
}

/// The app's address normalisation (`domain::Email::normalise`, without the
/// trimming, which stored addresses never needed) as it was when this
/// migration was written.
fn normalise(email: &str) -> String {
    email.to_lowercase().nfc().collect()
}
