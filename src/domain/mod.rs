//! Domain values that validate themselves when built: once a handler holds
//! an `Email` or a `TaskDraft`, the data in it is known to be valid.
mod account;

pub use account::{Email, NewAccount, Password};
pub mod precondition;
pub mod query;
pub mod task;
pub use task::{Priority, Recurrence, Tags, TaskDraft, TaskPatch, Title, normalise_tag};

use crate::error::{Error, FieldError};

/// Collects every field error of one request, so a client learns about all
/// of them at once.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.0.push(err);
                None
            }
        }
    }

    /// `Ok(value)` when no check failed, else the collected 422.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// Counts Unicode code points, as every length limit in the contract does.
pub(crate) fn char_len(value: &str) -> usize {
    value.chars().count()
}
