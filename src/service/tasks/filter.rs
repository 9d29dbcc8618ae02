//! Turns a `TaskFilter` into conditions on the task query, all
//! parameterised through sea-query.
use std::collections::BTreeSet;

use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{ColumnTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::domain::query::{StatusFilter, TaskFilter};
use crate::domain::search_folded;
use crate::entity::{task, task_tag};

pub fn apply(
    mut select: Select<task::Entity>,
    user_id: Uuid,
    filter: &TaskFilter,
) -> Select<task::Entity> {
    select = match filter.status {
        StatusFilter::All => select,
        StatusFilter::Pending => select.filter(task::Column::Completed.eq(false)),
        StatusFilter::Completed => select.filter(task::Column::Completed.eq(true)),
    };
    if let Some(text) = &filter.text {
        // Both sides folded in Rust, so neither database's own case rules
        // (SQLite's LIKE folds ASCII only; PostgreSQL's follow its locale)
        // decide what matches: the stored forms are already lower-case.
        let pattern = format!("%{}%", escape_like(&search_folded(text)));
        let contains = |column: task::Column| {
            Expr::col(column).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            contains(task::Column::TitleFolded).or(contains(task::Column::DescriptionFolded)),
        );
    }
    if !filter.priorities.is_empty() {
        select =
            select.filter(task::Column::Priority.is_in(filter.priorities.iter().map(|p| p.rank())));
    }
    if !filter.tags.is_empty() {
        select = select.filter(
            Expr::col(task::Column::Id).in_subquery(tagged_with_all(user_id, &filter.tags)),
        );
    }
    if let Some(before) = filter.due_before {
        select = select.filter(task::Column::DueDate.lt(before));
    }
    if let Some(after) = filter.due_after {
        select = select.filter(task::Column::DueDate.gt(after));
    }
    if let Some(now) = filter.overdue_at {
        select = select
            .filter(task::Column::Completed.eq(false))
            .filter(task::Column::DueDate.lt(now));
    }
    select
}

/// The ids of the user's tasks carrying every one of `tags`, as one
/// subquery whatever their number: task_tags holds one row per (task, tag),
/// so a task has them all when it has as many matching rows as there are
/// distinct tags.
fn tagged_with_all(user_id: Uuid, tags: &[String]) -> SelectStatement {
    let distinct: BTreeSet<&str> = tags.iter().map(String::as_str).collect();
    let wanted = i64::try_from(distinct.len()).unwrap_or(i64::MAX);
    Query::select()
        .column(task_tag::Column::TaskId)
        .from(task_tag::Entity)
        .and_where(Expr::col(task_tag::Column::UserId).eq(user_id))
        .and_where(Expr::col(task_tag::Column::Tag).is_in(distinct))
        .group_by_col(task_tag::Column::TaskId)
        .and_having(Func::count(Expr::col(Asterisk)).eq(wanted))
        .to_owned()
}

/// Escapes LIKE's wildcards so user text matches literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, QueryTrait};

    use super::*;

    #[test]
    fn like_wildcards_are_matched_literally() {
        assert_eq!(super::escape_like(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn any_number_of_tags_is_one_subquery_counting_distinct_tags() {
        let tags: Vec<String> = (0..20).map(|i| format!("t{}", i % 10)).collect();
        let filter = TaskFilter {
            tags,
            ..TaskFilter::default()
        };
        let select = apply(task::Entity::find(), Uuid::now_v7(), &filter);
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = select.build(backend).to_string();
            assert_eq!(sql.matches("SELECT").count(), 2, "{sql}");
            assert!(sql.contains("HAVING COUNT(*) = 10"), "{sql}");
        }
    }
}
