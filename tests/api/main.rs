//! Integration tests: each one starts the real server on port 0 over its own
//! fresh database and runs once on SQLite and once on PostgreSQL.
mod helpers;

mod account;
mod auth;
mod errors;
mod failures;
mod finding;
mod isolation;
mod listing;
mod logs;
mod oauth;
mod password_load;
mod rate_limits;
mod safe_writes;
mod seed;
mod serve;
mod service;
mod sessions;
mod spec;
mod tasks;
mod tokens;
mod visibility;
