//! tasks-api: a task-management REST API on poem-openapi and sea-orm.
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
mod docs;
pub mod domain;
pub mod entity;
pub mod error;
mod http;
pub mod maintenance;
pub mod metrics;
pub mod net;
pub mod observe;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
