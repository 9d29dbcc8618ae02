//! The HTTP surface: one `#[OpenApi]` struct per tag, owning what it needs
//! as fields; each operation turns typed input into domain values, calls
//! the service, and turns the result (or the error) into a response.
pub mod auth;
pub mod error;
pub mod health;
pub mod openapi_doc;
mod operation;
mod owner;
mod published;
mod schema;
pub mod sync;
pub mod tasks;

use std::sync::OnceLock;

use poem_openapi::registry::Registry;
use poem_openapi::{Object, Tags};
use uuid::Uuid;

pub use published::Published;
pub use schema::{Nullable, Timestamp};

use crate::domain::Account;

#[derive(Tags)]
pub enum ApiTags {
    /// Accounts and sessions: sign up, log in, refresh, log out, change the
    /// password, delete the account.
    Auth,
    /// Each user's own tasks. Every path starts with the caller's user id.
    Tasks,
    /// Sync and live updates: the change feed and the event stream of a
    /// user's tasks.
    Sync,
    /// Liveness and readiness probes.
    Health,
}

/// A user account as clients see it (never its password hash).
#[derive(Debug, Clone, Object)]
#[oai(rename = "User", example)]
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

impl From<Account> for UserBody {
    fn from(account: Account) -> Self {
        Self {
            id: account.id,
            email: account.email,
            name: account.name.into(),
            created_at: account.created_at.into(),
        }
    }
}

/// The values of an enum a parameter takes, by its name in the spec, for
/// the message of a 422 that names them.
pub(crate) fn enum_values(name: &str) -> Option<Vec<String>> {
    static ENUMS: OnceLock<Registry> = OnceLock::new();
    let registry = ENUMS.get_or_init(|| {
        let mut registry = Registry::new();
        tasks::register_parameter_enums(&mut registry);
        registry
    });
    schema::strict::registered_values(registry, name)
}
