//! Integration tests: each one starts the real server on port 0 over its own
//! fresh database and runs once on SQLite and once on PostgreSQL.
mod helpers;

mod auth;
mod errors;
mod isolation;
mod listing;
mod service;
mod tasks;
mod tokens;
