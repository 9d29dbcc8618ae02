//! tasks-api: a task-management REST API on poem-openapi and sea-orm.
//!
//! A request flows one way: `http` (the connection loop and the middleware
//! every request passes) → `api` (typed operations, the caller's id from
//! `auth`'s bearer scheme) → `service` (the rules and the queries) →
//! `entity`, with `domain` values in between. `startup` assembles the parts;
//! `cli`, `config` and `telemetry` are the entry.
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod entity;
pub mod http;
pub mod mcp;
pub mod service;
pub mod startup;
pub mod telemetry;
