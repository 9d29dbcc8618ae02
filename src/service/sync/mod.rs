//! Offline sync and live updates: every write of a user's tasks takes the
//! next number of the user's change sequence (`record`), the change feed
//! reads what changed after a cursor (`feed`), deletions leave tombstones
//! kept for the retention (`purge`), and the hub tells this instance's
//! event streams that a user's tasks changed (`hub`), on PostgreSQL through
//! `LISTEN/NOTIFY`, so that writes on every instance reach them.
mod feed;
mod hub;
mod purge;
mod record;
mod registry;
pub mod revocations;
mod tickets;

pub use feed::{Change, Entry, FeedPage, changes, head};
pub use hub::ChangeHub;
pub use purge::purge_tombstones;
pub use record::{record, tombstone, tombstone_completed};
pub use registry::{StreamCaps, StreamSlot};
pub use revocations::Ending;
pub use tickets::{TICKET_TTL_SECONDS, issue_ticket, purge_tickets, redeem_ticket};

use sea_orm::DeriveIden;

/// The columns of `users` that hold a user's place in the sequence.
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    ChangeSeq,
    SyncPurgedSeq,
}

/// The PostgreSQL channel changes are announced on.
const CHANNEL: &str = "tasks_api_changes";
