//! The HTTP surface: one module per tag, each with its `#[OpenApi]` impl and
//! its request and response schemas.
pub mod auth;
pub mod health;
mod nullable;
mod optional_json;
pub mod problem;
pub mod reply;
mod strict;
pub mod tasks;
mod timestamp;

use poem_openapi::{Object, Tags};
use uuid::Uuid;

pub use nullable::Nullable;
pub use timestamp::Timestamp;

use crate::entity::user;

#[derive(Tags)]
pub enum ApiTags {
    /// Accounts and sessions: sign up, log in, refresh, log out, change the
    /// password, delete the account.
    Auth,
    /// Each user's own tasks. Every path starts with the caller's user id.
    Tasks,
    /// Liveness and readiness probes.
    Health,
}

/// A user account as clients see it (never its password hash).
#[derive(Debug, Clone, Object)]
#[oai(rename = "User")]
pub struct UserBody {
    /// The user's id (UUID v7).
    pub id: Uuid,
    /// Email address, lower-cased.
    pub email: String,
    /// Display name, if one was given.
    pub name: Nullable<String>,
    /// When the account was created (UTC).
    pub created_at: Timestamp,
}

impl From<user::Model> for UserBody {
    fn from(user: user::Model) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name.into(),
            created_at: user.created_at.into(),
        }
    }
}
