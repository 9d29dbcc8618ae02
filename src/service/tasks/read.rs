//! Reading tasks: one page of a list, or one task.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Func, Order};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, FromQueryResult, PaginatorTrait, QueryOrder, QueryResult,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::rows::{find, owned};
use super::{filter, page_json};
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

/// The column that carries the list's total on every row of a page.
pub(super) const TOTAL: &str = "total_count";

/// A row of a page, and the number of rows the filters match on all pages.
struct Counted {
    row: task::Model,
    total: i64,
}

impl FromQueryResult for Counted {
    fn from_query_result(res: &QueryResult, pre: &str) -> std::result::Result<Self, DbErr> {
        Ok(Self {
            row: task::Model::from_query_result(res, pre)?,
            total: res.try_get(pre, TOTAL)?,
        })
    }
}

/// The query for one page of a list: filters, order and bounds, and with
/// every row the number of tasks the filters match on all pages.
///
/// The total is a scalar subquery with the same filters, which both
/// databases run once per statement, from an index alone where one covers
/// the filters; the page keeps its own index-ordered plan. `COUNT(*) OVER
/// ()` would be shorter but reads every matching row in full before the
/// first one is returned, and SQLite then sorts them all for the ORDER BY
/// (see BENCHMARKS.md).
pub fn page_select(user_id: Uuid, query: &ListQuery) -> sea_orm::Select<task::Entity> {
    let total = filter::apply(owned(user_id), user_id, &query.filter)
        .select_only()
        .expr(Func::count(Expr::col(Asterisk)))
        .into_query();
    let mut select = filter::apply(owned(user_id), user_id, &query.filter)
        .expr_as(Expr::SubQuery(None, Box::new(total.into())), TOTAL);
    let order = match query.order {
        SortOrder::Asc => Order::Asc,
        SortOrder::Desc => Order::Desc,
    };
    for (column, nulls_last) in sort_keys(query) {
        if nulls_last {
            select = select.order_by(Expr::col(column).is_null(), Order::Asc);
        }
        select = select.order_by(column, order.clone());
    }
    select.limit(query.limit).offset(query.offset)
}

/// The columns a list is ordered by, in turn, each in the list's direction
/// (and, where flagged, tasks without a value last whichever the direction).
/// The id breaks ties, so the order is total and pages never repeat or skip
/// a task.
pub(super) fn sort_keys(query: &ListQuery) -> [(task::Column, bool); 2] {
    let column = match query.sort {
        SortField::CreatedAt => (task::Column::CreatedAt, false),
        SortField::UpdatedAt => (task::Column::UpdatedAt, false),
        SortField::Title => (task::Column::Title, false),
        // Tasks without a due date go last whichever way the list runs.
        SortField::DueDate => (task::Column::DueDate, true),
        SortField::Priority => (task::Column::Priority, false),
    };
    [column, (task::Column::Id, false)]
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

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    #[test]
    fn the_page_and_its_total_are_one_statement() {
        let query = ListQuery {
            limit: 50,
            ..ListQuery::default()
        };
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = page_select(Uuid::now_v7(), &query)
                .build(backend)
                .to_string();
            assert!(
                sql.contains(r#"(SELECT COUNT(*) FROM "tasks" WHERE"#),
                "{sql}"
            );
            assert!(sql.contains(r#") AS "total_count" FROM"#), "{sql}");
            assert_eq!(sql.matches("LIMIT").count(), 1, "{sql}");
        }
    }
}
