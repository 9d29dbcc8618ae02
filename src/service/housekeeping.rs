//! Housekeeping that runs beside the server: forgetting expired
//! idempotency keys (and other records whose lifetime is over: refresh
//! tokens, rate-limit windows, stream tickets, ended sessions, and tombstones past the sync
//! retention).
use std::time::Duration;

use crate::service::Db;

use super::{idempotency, limits, sessions, sync};

const EVERY: Duration = Duration::from_secs(15 * 60);

/// Purges once at start-up, then every 15 minutes, until the task is
/// dropped with the server. Failures are logged and retried next round.
pub async fn run(db: Db, sync_retention_days: u32) {
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        ticks.tick().await;
        match idempotency::purge_expired(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "forgot expired idempotency keys"),
            Err(err) => tracing::warn!(error = %err, "purging idempotency keys failed"),
        }
        for (what, purged) in [
            ("expired refresh tokens", sessions::purge_expired(&db).await),
            (
                "closed rate-limit windows",
                limits::purge_expired(&db).await,
            ),
            ("expired stream tickets", sync::purge_tickets(&db).await),
            ("ended sessions", sync::revocations::purge(&db).await),
            (
                "tombstones past the sync retention",
                sync::purge_tombstones(&db, sync_retention_days).await,
            ),
        ] {
            match purged {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "forgot {what}"),
                Err(err) => tracing::warn!(error = %err, "purging {what} failed"),
            }
        }
    }
}
