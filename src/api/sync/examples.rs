//! The examples the spec shows for the sync responses: the example task
//! changed, another one deleted, and a stream ticket.
use chrono::DateTime;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::schema::{ChangeBody, ChangePage, ChangeType, StreamTicketBody, Tombstone};
use crate::api::schema::Timestamp;
use crate::api::tasks::TaskBody;

/// A cursor as the server writes them (opaque to clients).
const CURSOR: &str = "MS40Mi4wMTlhZDRjMjVlOGE3YjMxOGYwZTJjNGQ2YThiMGMxZS4w";

impl Example for ChangeBody {
    fn example() -> Self {
        Self {
            kind: ChangeType::Updated,
            cursor: CURSOR.into(),
            task: Some(TaskBody::example()),
            tombstone: None,
        }
    }
}

impl Example for Tombstone {
    fn example() -> Self {
        Self {
            id: Uuid::from_u128(0x019a_d4c3_1a2b_7c3d_8e4f_5a6b_7c8d_9e0f),
            deleted_at: Timestamp(DateTime::from_timestamp(1_795_700_000, 0).unwrap_or_default()),
        }
    }
}

impl Example for ChangePage {
    fn example() -> Self {
        let deleted = ChangeBody {
            kind: ChangeType::Deleted,
            cursor: CURSOR.into(),
            task: None,
            tombstone: Some(Tombstone::example()),
        };
        Self {
            changes: vec![ChangeBody::example(), deleted],
            next_cursor: CURSOR.into(),
            has_more: false,
        }
    }
}

impl Example for StreamTicketBody {
    fn example() -> Self {
        Self {
            ticket: "q3ZtJ0b1lS8x2mN4pV6rT9wY".into(),
            expires_in: 60,
        }
    }
}
