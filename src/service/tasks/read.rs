//! Reading tasks: one page of a list, or one task.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{ConnectionTrait, PaginatorTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::filter;
use super::rows::{find, owned};
use crate::domain::query::{ListQuery, SortField, SortOrder};
use crate::domain::{Result, Task, timestamp};
use crate::entity::task;
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

async fn read_page(db: &impl ConnectionTrait, owner: Uuid, query: &ListQuery) -> Result<Page> {
    let total = filter::apply(owned(owner), owner, &query.filter)
        .count(db)
        .await?;
    let rows = page_select(owner, query).all(db).await?;
    Ok(Page {
        items: rows.into_iter().map(Task::from).collect(),
        total,
    })
}

/// The query for one page of a list: filters, order and bounds.
pub fn page_select(user_id: Uuid, query: &ListQuery) -> sea_orm::Select<task::Entity> {
    let mut select = filter::apply(owned(user_id), user_id, &query.filter);
    let order = match query.order {
        SortOrder::Asc => Order::Asc,
        SortOrder::Desc => Order::Desc,
    };
    let column = match query.sort {
        SortField::CreatedAt => task::Column::CreatedAt,
        SortField::UpdatedAt => task::Column::UpdatedAt,
        SortField::Title => task::Column::Title,
        SortField::DueDate => {
            // Tasks without a due date go last whichever way the list runs.
            select = select.order_by(Expr::col(task::Column::DueDate).is_null(), Order::Asc);
            task::Column::DueDate
        }
        SortField::Priority => task::Column::Priority,
    };
    // The id breaks ties in the same direction, so the order is total and
    // pages never repeat or skip a task.
    select
        .order_by(column, order.clone())
        .order_by(task::Column::Id, order)
        .limit(query.limit)
        .offset(query.offset)
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
