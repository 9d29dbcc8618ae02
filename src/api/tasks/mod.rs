//! Each user's own tasks, under `/api/{user_id}/tasks`: the list (`list`)
//! and each task in it (`item`), with their schemas.
mod conditional;
mod enums;
mod etag;
mod examples;
mod item;
mod list;
mod responses;
mod schema;
mod tag_param;

pub use enums::{Priority, Recurrence, SortField, SortOrder, StatusFilter};
pub use examples::EXAMPLE_USER;
pub use item::TaskApi;
pub use list::TaskListApi;
pub use responses::{DeletedCount, TaskPage};
pub use schema::{CompletionRequest, TaskBody, TaskInput, TaskUpdate};

/// Registers the enums the task operations take as parameters.
pub(crate) fn register_parameter_enums(registry: &mut poem_openapi::registry::Registry) {
    use poem_openapi::types::Type;
    StatusFilter::register(registry);
    SortField::register(registry);
    SortOrder::register(registry);
    Priority::register(registry);
    responses::ClearableStatus::register(registry);
}
