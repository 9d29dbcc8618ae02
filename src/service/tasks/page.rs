//! The query for one page of a list, which both databases' readers build on.
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Func, Order};
use sea_orm::{DbErr, FromQueryResult, QueryOrder, QueryResult, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::filter;
use super::rows::owned;
use crate::domain::query::{ListQuery, SortField, SortOrder};
use crate::entity::task;

/// The column that carries the list's total on every row of a page.
pub(super) const TOTAL: &str = "total_count";

/// A row of a page, and the number of rows the filters match on all pages.
pub(super) struct Counted {
    pub row: task::Model,
    pub total: i64,
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
    ordered_select(user_id, query)
        .limit(query.limit)
        .offset(query.offset)
}

/// `page_select` without its bounds.
pub(super) fn ordered_select(user_id: Uuid, query: &ListQuery) -> sea_orm::Select<task::Entity> {
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
    select
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
