//! Settings of the change feed and the live event streams.
use clap::Args;

use super::values::secret;
use super::{MIN_SECRET_BYTES, Secret};
use crate::domain::CursorKey;
use crate::service::sync::StreamCaps;

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

    /// Event streams one client address (an IPv6 client by its /64) may
    /// hold open at once on each instance; one more is answered 429.
    #[arg(long, env = "MAX_STREAMS_PER_CLIENT", global = true, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_streams_per_client: u32,

    /// Event streams open at once on each instance; one more is answered
    /// 503. Must be below the connection cap; by default half of it.
    #[arg(long, env = "MAX_STREAMS", global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_streams: Option<u32>,

    /// Secret (at least 32 bytes) the change feed's cursors are sealed
    /// with; by default derived from the JWT secret.
    #[arg(long, env = "CURSOR_SECRET", global = true, hide_env_values = true, value_parser = secret)]
    pub cursor_secret: Option<Secret>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            sync_retention_days: 30,
            max_streams_per_user: 5,
            max_streams_per_client: 100,
            max_streams: None,
            cursor_secret: None,
        }
    }
}

impl SyncSettings {
    /// The key cursors are sealed with: from `CURSOR_SECRET` when set (so
    /// the JWT secret can be rotated without voiding every client's
    /// cursor), else from the JWT signing secret `jwt_secret`. Either way
    /// it is derived, never the secret's bytes themselves.
    pub fn cursor_key(&self, jwt_secret: &[u8]) -> anyhow::Result<CursorKey> {
        match &self.cursor_secret {
            Some(secret) if secret.expose().len() < MIN_SECRET_BYTES => {
                anyhow::bail!("CURSOR_SECRET must be at least {MIN_SECRET_BYTES} bytes")
            }
            Some(secret) => Ok(CursorKey::derive(secret.expose().as_bytes())),
            None => Ok(CursorKey::derive(jwt_secret)),
        }
    }

    /// The stream caps, given the instance's connection cap: the total
    /// stays below it, so that streams can never take every connection
    /// other requests need.
    pub fn stream_caps(&self, max_connections: usize) -> anyhow::Result<StreamCaps> {
        let connections = u32::try_from(max_connections).unwrap_or(u32::MAX);
        let total = self.max_streams.unwrap_or((connections / 2).max(1));
        if total >= connections {
            anyhow::bail!(
                "MAX_STREAMS ({total}) must be below the connection cap MAX_CONNECTIONS ({connections})"
            );
        }
        Ok(StreamCaps {
            per_user: self.max_streams_per_user,
            per_client: self.max_streams_per_client,
            total,
        })
    }
}
