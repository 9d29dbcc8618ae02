//! Which tasks a list returns, in what order, and which page.
use chrono::{DateTime, Utc};

use super::task::Priority;

/// Which tasks a list returns by completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

/// The field a task list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortField {
    #[default]
    CreatedAt,
    UpdatedAt,
    Title,
    DueDate,
    Priority,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// Which tasks to list, in what order, and which page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: TaskFilter,
    pub sort: SortField,
    pub order: SortOrder,
    pub limit: u64,
    pub offset: u64,
}

/// Every filter combines with every other (logical AND).
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub status: StatusFilter,
    /// Substring of the title or the description, compared in the form
    /// `search_folded` gives both.
    pub text: Option<String>,
    /// Any of these priorities (empty: any priority).
    pub priorities: Vec<Priority>,
    /// Every one of these (normalised) tags.
    pub tags: Vec<String>,
    /// Due strictly before.
    pub due_before: Option<DateTime<Utc>>,
    /// Due strictly after.
    pub due_after: Option<DateTime<Utc>>,
    /// Only tasks not completed and due before this instant.
    pub overdue_at: Option<DateTime<Utc>>,
}
