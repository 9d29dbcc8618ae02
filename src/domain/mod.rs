//! The values the rules work with, and the domain error. A value that
//! validates itself is a type of its own (`Email`, `TaskEdit`): once code
//! holds one, the data in it is known to be valid. Nothing here knows HTTP.
mod account;
mod cursor;
mod error;
pub mod query;
mod task;
mod text;
mod version;

pub use account::{Account, Email, Name, NewAccount, Password};
pub use cursor::{Cursor, CursorKey};
pub use error::{Error, FieldError, Result, Source, Violation};
// Everything `task` makes public is the domain's: a task field's new type
// needs no line here.
pub use task::*;
pub use text::{search_folded, storable};
pub use version::Precondition;
