//! Tasks as the rules see them: a stored task (`stored`), and the raw and
//! validated values a create or a change is made of (`draft`).
mod draft;
mod fields;
mod stored;

pub use draft::{TaskChanges, TaskDraft, TaskFields, TaskPatch};
pub use fields::{Description, Tags, Title};
pub use stored::{Priority, Recurrence, Task, normalise_tag, timestamp};
