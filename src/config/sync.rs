//! Settings of the change feed and the live event streams.
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct SyncSettings {
    /// Days a deleted task's tombstone is kept; an older cursor is refused
    /// (410 `cursor_expired`) and the client syncs again from scratch.
    #[arg(long, env = "SYNC_RETENTION_DAYS", global = true, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub sync_retention_days: u32,

    /// Event streams one user may hold open at once (on each instance);
    /// one more is answered 429.
    #[arg(long, env = "MAX_STREAMS_PER_USER", global = true, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_streams_per_user: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            sync_retention_days: 30,
            max_streams_per_user: 5,
        }
    }
}
