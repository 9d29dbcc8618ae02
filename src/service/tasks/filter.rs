//! Turns a `TaskFilter` into conditions on the task query, all
//! parameterised through sea-query.
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::domain::query::{StatusFilter, TaskFilter};
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
        // LOWER on both sides keeps the match case-insensitive on both
        // databases (SQLite's LOWER folds ASCII only).
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        let contains = |column: task::Column| {
            Expr::expr(Func::lower(Expr::col(column)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select =
            select.filter(contains(task::Column::Title).or(contains(task::Column::Description)));
    }
    if !filter.priorities.is_empty() {
        select =
            select.filter(task::Column::Priority.is_in(filter.priorities.iter().map(|p| p.rank())));
    }
    // A task must carry every tag: one indexed semi-join per tag.
    for tag in &filter.tags {
        let tagged = Query::select()
            .column(task_tag::Column::TaskId)
            .from(task_tag::Entity)
            .and_where(Expr::col(task_tag::Column::UserId).eq(user_id))
            .and_where(Expr::col(task_tag::Column::Tag).eq(tag.as_str()))
            .to_owned();
        select = select.filter(Expr::col(task::Column::Id).in_subquery(tagged));
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
    #[test]
    fn like_wildcards_are_matched_literally() {
        assert_eq!(super::escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
