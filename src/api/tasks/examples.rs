//! The examples the spec shows for the task schemas: one task as the
//! server answers it, on its own and in a page, and the bodies that
//! create or change one. Fields an example leaves out are at their
//! defaults (absent from a request, `null` in a task).
use chrono::DateTime;
use poem_openapi::types::{Example, MaybeUndefined};
use uuid::Uuid;

use super::enums::{Priority, Recurrence};
use super::responses::{DeletedCount, TaskPage};
use super::schema::{TaskBody, TaskInput, TaskUpdate};
use crate::api::Timestamp;

/// The user the examples belong to (as in the auth examples).
pub const EXAMPLE_USER: Uuid = Uuid::from_u128(0x019a_d4c1_0f3b_7a20_9c1d_3e5f_7a9b_1d2f);

fn at(seconds: i64) -> Timestamp {
    Timestamp(DateTime::from_timestamp(seconds, 0).unwrap_or_default())
}

impl Example for TaskBody {
    fn example() -> Self {
        Self {
            id: Uuid::from_u128(0x019a_d4c2_5e8a_7b31_8f0e_2c4d_6a8b_0c1e),
            user_id: EXAMPLE_USER,
            title: "Buy milk".into(),
            description: "Two litres, semi-skimmed".into(),
            priority: Priority::High,
            tags: vec!["errands".into()],
            due_date: Some(at(1_796_148_000)).into(),
            recurrence: Some(Recurrence::Weekly).into(),
            created_at: at(1_795_600_000),
            updated_at: at(1_795_600_000),
            ..TaskBody::default()
        }
    }
}

impl Example for TaskInput {
    fn example() -> Self {
        Self {
            title: "Buy milk".into(),
            description: Some("Two litres, semi-skimmed".into()),
            priority: Some(Priority::High),
            tags: Some(vec!["errands".into()]),
            ..Self::default()
        }
    }
}

impl Example for TaskUpdate {
    fn example() -> Self {
        Self {
            priority: Some(Priority::Urgent),
            due_date: MaybeUndefined::Null,
            ..Self::default()
        }
    }
}

impl Example for TaskPage {
    fn example() -> Self {
        Self {
            items: vec![TaskBody::example()],
            total: 1,
            limit: 50,
            offset: 0,
        }
    }
}

impl Example for DeletedCount {
    fn example() -> Self {
        Self { deleted: 3 }
    }
}
