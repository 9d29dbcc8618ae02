//! Tasks: every query is scoped to its owner, so another user's task is
//! simply not found. Each operation takes the caller (from the verified
//! token) and the path's owner, and decides 401, 403 and 404 itself.
mod change;
mod create;
mod delete;
mod filter;
mod page;
mod page_json;
mod read;
mod rows;
mod write;

pub use create::{Created, IdempotencyKey, NewTask, create, insert, new_row, tag_rows};
pub use delete::{delete, delete_completed};
pub use page::page_select;
pub use read::{Page, get, list, now};
pub use write::{Target, replace, set_completion, update};
