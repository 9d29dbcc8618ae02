//! Reading tasks: one page of a list, or one task.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, PaginatorTrait};
use uuid::Uuid;

use super::page::{Counted, page_select};
use super::rows::{find, owned};
use super::{filter, page_json};
use crate::domain::query::ListQuery;
use crate::domain::{Result, Task, timestamp};
use crate::service::access;

/// One page of a list, and how many tasks match across all pages.
pub struct Page {
    pub items: Vec<Task>,
    pub total: u64,
}

/// One page of the caller's tasks at `/api/{owner}/tasks`.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Uuid,
    owner: Uuid,
    query: &ListQuery,
) -> Result<Page> {
    access::before_read(db, caller, owner).await?;
    let page = read_page(db, owner, query).await;
    access::after_read(db, caller, page, |p| p.total > 0).await
}

/// The page and the total in one statement. The total comes with each row,
/// so a page past the end (no rows) has none: only then is it counted apart,
/// and not even then from the first page, where no rows means none match.
async fn read_page(db: &impl ConnectionTrait, owner: Uuid, query: &ListQuery) -> Result<Page> {
    let (items, counted) = if db.get_database_backend() == DbBackend::Sqlite {
        page_json::read(db, owner, query).await?
    } else {
        // PostgreSQL sends the rows in one go, with no thread hop per row;
        // a page built by json_agg cost its server more than it saved ours
        // (see BENCHMARKS.md).
        let rows = page_select(owner, query)
            .into_model::<Counted>()
            .all(db)
            .await?;
        let counted = rows.first().map(|r| r.total);
        let items = rows.into_iter().map(|r| Task::from(r.row)).collect();
        (items, counted)
    };
    let total = match counted {
        Some(total) => u64::try_from(total).unwrap_or_default(),
        None if query.offset == 0 => 0,
        None => {
            filter::apply(owned(owner), owner, &query.filter)
                .count(db)
                .await?
        }
    };
    Ok(Page { items, total })
}

/// One of the caller's tasks at `/api/{owner}/tasks/{task_id}`.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Uuid,
    owner: Uuid,
    task_id: Uuid,
) -> Result<Task> {
    access::before_read(db, caller, owner).await?;
    let task = find(db, owner, task_id).await;
    Ok(access::after_read(db, caller, task, |_| true).await?.into())
}

/// The instant `overdue` compares due dates with.
pub fn now() -> DateTime<Utc> {
    timestamp(Utc::now())
}
