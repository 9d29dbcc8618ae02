//! Integration tests: each one starts the real server on port 0 over its own
//! fresh database and runs once on SQLite and once on PostgreSQL
//! (`backend_test!`). Without `TEST_DATABASE_URL` the PostgreSQL leg is
//! reported as ignored; `scripts/test.sh` always runs both.
mod harness;

mod account;
mod auth;
mod clearing;
mod conditional;
mod connections;
mod cors;
mod cursors;
mod edges;
mod errors;
mod failures;
mod finding;
mod hardening;
mod headers;
mod idempotency;
mod isolation;
mod listing;
mod logs;
mod mcp;
mod metrics;
mod neon;
mod oauth;
mod password_load;
mod preconditions;
mod query_validation;
mod quotas;
mod rate_limits;
mod recurrence;
mod searching;
mod seed;
mod service;
mod sessions;
mod spec;
mod spec_shape;
mod stored_emails;
mod stream_bounds;
mod stream_endings;
mod streams;
mod supply_chain;
mod sync;
mod tasks;
mod tokens;
mod validation;
mod waking;
mod write_turns;
