//! The task enums as the spec names them, each the mirror of its domain
//! value (the domain knows nothing of the spec).
use poem_openapi::Enum;

use crate::domain;
use crate::domain::query;

/// Declares a spec enum mirroring a domain enum variant for variant, with
/// the conversions both ways.
macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident = $domain:path { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        /// Written straight through serde (`schema::Serde`), as the spec
        /// names the value.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match poem_openapi::types::ToJSON::to_json(self) {
                    Some(serde_json::Value::String(name)) => serializer.serialize_str(&name),
                    _ => Err(serde::ser::Error::custom("an enum value without a name")),
                }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                type Domain = $domain;
                match value {
                    $(Domain::$variant => Self::$variant),+
                }
            }
        }
    };
}

mirror! {
    /// How urgent a task is; ranks low < medium < high < urgent. A task
    /// created or replaced without one is `medium`.
    #[derive(Default)]
    #[oai(rename_all = "lowercase")]
    Priority = domain::Priority { Low, #[default] Medium, High, Urgent }
}

mirror! {
    /// How often a task repeats once completed.
    #[oai(rename_all = "lowercase")]
    Recurrence = domain::Recurrence { Daily, Weekly, Monthly }
}

mirror! {
    /// Which tasks a list returns by completion.
    #[derive(Default)]
    #[oai(rename = "TaskStatusFilter", rename_all = "lowercase")]
    StatusFilter = query::StatusFilter { #[default] All, Pending, Completed }
}

mirror! {
    /// The field a task list is ordered by.
    #[derive(Default)]
    #[oai(rename = "TaskSortField", rename_all = "snake_case")]
    SortField = query::SortField { #[default] CreatedAt, UpdatedAt, Title, DueDate, Priority }
}

mirror! {
    /// Ascending or descending.
    #[derive(Default)]
    #[oai(rename_all = "lowercase")]
    SortOrder = query::SortOrder { Asc, #[default] Desc }
}
