//! sea-orm entities, one per table. They mirror the migrations and are never
//! sent to a client: `api` builds its own response types from them.
pub mod auth_rate_limit;
pub mod idempotency_key;
pub mod refresh_token;
pub mod session_revocation;
pub mod stream_ticket;
pub mod task;
pub mod task_tag;
pub mod task_tombstone;
pub mod user;
