//! The rules and the queries. Functions take a connection and plain domain
//! values and know nothing of HTTP; ownership is part of every task query,
//! so another user's task is simply not found.
pub mod idempotency;
pub mod limits;
pub mod sessions;
pub mod tasks;
pub mod users;
