use poem_openapi::Enum;

/// Which tasks a list returns by completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename = "TaskStatusFilter", rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

/// The field a task list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename = "TaskSortField", rename_all = "snake_case")]
pub enum SortField {
    #[default]
    CreatedAt,
    UpdatedAt,
    Title,
    DueDate,
    Priority,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// One page of one user's tasks.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    pub status: StatusFilter,
    pub sort: SortField,
    pub order: SortOrder,
    pub limit: u64,
    pub offset: u64,
}
