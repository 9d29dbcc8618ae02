//! Addresses stored before sign-up and log-in folded compatibility forms
//! (fullwidth `ａｄａ＠example.com` is `ada@example.com`): each is rewritten in
//! the form the app now looks addresses up in, unless another account holds
//! that form already (see `m20261207_000001_email_nfc`).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbErr;
use unicode_normalization::UnicodeNormalization;

use crate::m20261207_000001_email_nfc::renormalise;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        renormalise(manager.get_connection(), normalise).await
    }

    /// Nothing to undo: the older app looked addresses up as stored.
    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// The app's address normalisation (`domain::Email::normalise`, without the
/// trimming) as it was when this migration was written.
fn normalise(email: &str) -> String {
    let folded: String = email.nfkc().collect();
    folded.to_lowercase().nfc().collect()
}
